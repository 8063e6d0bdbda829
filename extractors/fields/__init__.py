"""Classification and field extraction: every field with a value, a confidence, a source, and evidence.

``extract`` classifies the OCR result (keywords, manifest hint), runs the type's module
(``types/``: labels, QR, MRZ, layout), validates and cross-checks, and decides whether the
document may be auto-approved. Every field of the type appears in the result; one not found
has a null value. Nothing here raises for bad content: doubts become warnings and review.
"""

from __future__ import annotations

from extractors.fields import places
from extractors.fields.anchors import lines_of
from extractors.fields.classify import classify
from extractors.fields.decide import decide, low_resolution_reasons, reasons, tone_marks_unreliable
from extractors.fields.reader import Document, empty_field
from extractors.fields.reread import reread_doubtful
from extractors.fields.types import registry
from sohoa.model import DocType, DocumentMeta, Extraction, OcrResult
from sohoa.settings import Settings

__all__ = ["extract", "extract_as"]

QR_EVIDENCE = 3.0  # a decoded CCCD QR alone makes a card a CCCD front (see classify.CERTAIN_LEAD)


def extract(result: OcrResult, settings: Settings, meta: DocumentMeta | None = None) -> Extraction:
    """Classify ``result`` and extract its fields; the decision says whether a human must look."""
    doc = Document(result, lines_of(result), settings)
    evidence = {DocType.CCCD_FRONT: QR_EVIDENCE} if doc.cccd_qr is not None else {}
    kind = classify(doc.text, meta.doc_type_hint if meta else None, evidence)
    return _extract(doc, kind.doc_type, kind.confidence, kind.warnings)


def extract_as(result: OcrResult, settings: Settings, doc_type: DocType) -> Extraction:
    """Extract as a type a reviewer has chosen (type certain by decision, not by classification)."""
    return _extract(Document(result, lines_of(result), settings), doc_type, 1.0, ())


def _extract(doc: Document, doc_type: DocType, type_confidence: float, warnings: tuple[str, ...]) -> Extraction:
    extractor = registry()[doc_type]
    found = reread_doubtful(doc, extractor, extractor.extract(doc))
    places.respell_fields(extractor.schema, found)
    fields = {name: found.fields.get(name) or empty_field(name) for name in extractor.schema.names}
    if doc_type is DocType.OTHER:
        warnings = (*warnings, "doc_type: không nhận ra loại tài liệu / unrecognised document type")
    why = [*warnings, *reasons(extractor.schema, fields, found.problems, type_confidence,
                               doc.settings.auto_approve_min_confidence)]
    if any(tone_marks_unreliable(page.page.steps) for page in doc.result.pages):
        why += low_resolution_reasons(extractor.schema, fields)
    return Extraction(doc_type, decide(why), fields, tuple(why), type_confidence)
