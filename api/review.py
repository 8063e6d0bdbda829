"""Human review of drafts: the queue, one draft's evidence, approve (sign and store) or reject.

A draft's fields keep their evidence (confidence, source, page, box in pixels
of the cleaned page image, disagreeing alternatives); ``DraftOut`` marks the
ones a reviewer must look at: confidence below
``settings.auto_approve_min_confidence`` or sources that disagree. Approval
hands the corrected values to ``flows.review.finalize_document`` (the step the
``finalize`` flow wraps), which signs and stores; approvals and rejections are
audited with the reviewer's client id. A reviewer may correct the document
type: the fields are then extracted again for that type from the draft's
cached OCR (``extractors.fields.extract_as``) and the type is recorded in the
catalog, so the signed document is of the type the reviewer approved.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sohoa.errors import ConflictError, NotFoundError
from sohoa.model import DocType, DocumentStatus, Extraction, StoredDocument

from api import backend
from api.deps import Services
from api.security import Principal


class FieldOut(BaseModel):
    name: str
    value: str | int | None
    confidence: float
    source: str
    verified: bool
    page: int | None
    bbox: list[int] | None
    alternatives: list[dict[str, Any]]
    low_confidence: bool
    disagreement: bool


class PageOut(BaseModel):
    number: int
    width: int
    height: int


class DraftOut(BaseModel):
    id: str
    doc_type: str
    owner_id: str | None
    dossier_code: str | None
    procedure_code: str | None
    warnings: list[str]
    pages: list[PageOut]
    fields: list[FieldOut]


def field_out(name: str, raw: dict[str, Any], threshold: float) -> FieldOut:
    """One field of the contract's extraction JSON, with the marks a reviewer needs."""
    alternatives = list(raw.get("alternatives") or [])
    confidence = float(raw.get("confidence") or 0.0)
    return FieldOut(
        name=name,
        value=raw.get("value"),
        confidence=round(confidence, 4),
        source=str(raw.get("source")),
        verified=bool(raw.get("verified")),
        page=raw.get("page"),
        bbox=raw.get("bbox"),
        alternatives=alternatives,
        low_confidence=confidence < threshold,
        disagreement=any(a.get("value") != raw.get("value") for a in alternatives),
    )


def queue(svc: Services, limit: int, offset: int) -> list[StoredDocument]:
    """Drafts waiting for review, in id order (the catalog keeps no creation time)."""
    return svc.store().catalog.in_status(DocumentStatus.DRAFT, limit, offset)  # type: ignore[no-any-return]


def _draft_document(svc: Services, document_id: str) -> StoredDocument:
    doc: StoredDocument = svc.store().catalog.get(document_id)
    if doc.status is not DocumentStatus.DRAFT:
        raise ConflictError("Tài liệu không còn chờ duyệt", "document is not awaiting review", detail=doc.status.value)
    return doc


def extraction_of(svc: Services, doc: StoredDocument) -> dict[str, Any]:
    """The extraction JSON embedded in the draft's unsigned result PDF (``Extraction.to_json``)."""
    from signing import read_embedded_extraction

    with tempfile.TemporaryDirectory(prefix="sohoa-draft-") as tmp:
        path = Path(tmp) / "draft.pdf"
        path.write_bytes(svc.store().pdf_bytes(doc.id))
        return read_embedded_extraction(path)  # type: ignore[no-any-return]


def page_sizes(svc: Services, doc: StoredDocument) -> list[PageOut]:
    """Pages of the draft's cleaned images (the coordinate space of every field's box)."""
    return [PageOut(number=n, width=w, height=h) for n, (_, w, h) in enumerate(_page_images(svc, doc), start=1)]


def page_image(svc: Services, document_id: str, number: int) -> Path:
    """The cleaned page image (PNG) that the draft's boxes refer to."""
    doc = _draft_document(svc, document_id)
    pages = _page_images(svc, doc)
    if not 1 <= number <= len(pages):
        raise NotFoundError("Không có trang này", "no such page", detail=str(number))
    return pages[number - 1][0]


def _page_images(svc: Services, doc: StoredDocument) -> list[tuple[Path, int, int]]:
    from flows import workdir

    if doc.original_sha256 is None:
        return []
    cached = workdir.load_cached(workdir.work_dir(svc.settings, doc.original_sha256), doc.original_sha256)
    if cached is None:
        return []
    return [(p.page.image_path, p.page.width, p.page.height) for p in cached.pages if p.page.image_path is not None]


def draft(svc: Services, document_id: str) -> DraftOut:
    doc = _draft_document(svc, document_id)
    extraction = extraction_of(svc, doc)
    if extraction.get("doc_type") != doc.doc_type.value:  # a reviewer chose another type
        extraction = _extracted_as(svc, doc).to_json()
    threshold = svc.settings.auto_approve_min_confidence
    return DraftOut(
        id=doc.id,
        doc_type=doc.doc_type.value,
        owner_id=doc.owner_id,
        dossier_code=doc.meta.dossier_code,
        procedure_code=doc.meta.procedure_code,
        warnings=[str(w) for w in extraction.get("warnings") or []],
        pages=page_sizes(svc, doc),
        fields=[field_out(name, raw, threshold) for name, raw in (extraction.get("fields") or {}).items()],
    )


def _extracted_as(svc: Services, doc: StoredDocument) -> Extraction:
    """The draft's fields extracted again as its (reviewer-chosen) type, from its cached OCR."""
    from extractors.fields import extract_as
    from flows import workdir

    result = workdir.load_cached(workdir.work_dir(svc.settings, str(doc.original_sha256)), str(doc.original_sha256))
    if result is None:
        raise ConflictError("Không còn kết quả OCR của bản nháp; hãy xử lý lại tệp gốc",
                            "the draft's OCR result is gone; ingest the original again", detail=doc.id)  # fmt: skip
    return extract_as(result, svc.settings, doc.doc_type)


def change_type(svc: Services, principal: Principal, document_id: str, doc_type: DocType) -> DraftOut:
    """Record the reviewer's document type and show the fields extracted again for it.

    Finalising then signs the draft as this type (``flows.review.finalize_document``
    extracts as the catalogued type when the classifier disagrees)."""
    doc = _draft_document(svc, document_id)
    if doc.doc_type is not doc_type:
        _extracted_as(svc, replace(doc, doc_type=doc_type))  # refuse before recording when it cannot be shown
        svc.store().retype_draft(document_id, doc_type)
        backend.audit(svc, principal, "retype", purpose="review", document_id=document_id,
                      doc_type=doc_type.value, previous=doc.doc_type.value)  # fmt: skip
    return draft(svc, document_id)


def approve(svc: Services, principal: Principal, document_id: str, corrections: dict[str, str | int | None]) -> StoredDocument:
    """Sign and store the draft with the reviewer's corrections (``flows.review.finalize_document``)."""
    from flows.review import finalize_document

    doc = _draft_document(svc, document_id)
    stored = finalize_document(document_id, corrections, svc.settings)
    backend.audit(svc, principal, "approve", purpose="review", document_id=doc.id, corrected=sorted(corrections) or None)
    return stored


def reject(svc: Services, principal: Principal, document_id: str, reason: str) -> StoredDocument:
    """Take the draft out of the queue for good (status ``rejected``), with the reason kept.

    The reason is first written as storage's locked revocation record beside the
    draft's manifest (the store alone must prove it: ``reindex`` rebuilds the row
    as revoked, still out of the queue), then the catalog marks the draft rejected."""
    _draft_document(svc, document_id)
    store = svc.store()
    why = f"rejected in review: {reason}"
    store.revoke(document_id, why)
    store.catalog.mark_rejected(document_id, why)
    backend.audit(svc, principal, "reject", purpose="review", document_id=document_id)
    return store.catalog.get(document_id)  # type: ignore[no-any-return]
