"""The domain types shared by every stage of the pipeline.

Data flows one way: scan -> ``Page`` -> ``OcrPage``/``OcrResult`` -> ``Extraction``
-> ``SignedDocument`` -> ``StoredDocument``. Every folder imports these types;
none re-declares them. Constructors do no I/O, and every type is picklable so a
page can be processed in another process.

Coordinates: a ``BBox`` is ``(x0, y0, x1, y1)`` in pixels of the page image at
its own resolution, origin top-left, x1/y1 exclusive.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

BBox = tuple[int, int, int, int]


class DocType(StrEnum):
    """Document types of the contract (``contract.md``)."""

    CCCD_FRONT = "cccd_front"
    CCCD_BACK = "cccd_back"
    BIRTH_CERTIFICATE = "birth_certificate"
    BUSINESS_REGISTRATION = "business_registration"
    ADMINISTRATIVE_DOCUMENT = "administrative_document"
    OTHER = "other"


class Source(StrEnum):
    """Where a value came from."""

    OCR = "ocr"
    TEXT_LAYER = "text_layer"
    QR = "qr"
    MRZ = "mrz"
    REVIEW = "review"


class Decision(StrEnum):
    AUTO_APPROVED = "auto_approved"
    NEEDS_REVIEW = "needs_review"


class DocumentStatus(StrEnum):
    """Life cycle of a catalogued document; nothing is deleted within retention."""

    DRAFT = "draft"  # awaiting review, stored under governance lock
    ACTIVE = "active"
    SUPERSEDED = "superseded"
    REVOKED = "revoked"
    REJECTED = "rejected"


class PageOrigin(StrEnum):
    """How a page entered the pipeline; decides OCR versus text-layer reading."""

    IMAGE = "image"  # a raster file (JPEG, PNG, TIFF frame)
    PDF_SCAN = "pdf_scan"  # a PDF page whose content is an image
    PDF_TEXT = "pdf_text"  # a born-digital PDF page with a usable text layer


class Verdict(StrEnum):
    """Overall verification outcome; maps to exit codes 0 / 1 / 3."""

    VALID = "valid"
    INVALID = "invalid"
    INDETERMINATE = "indeterminate"


def nfc(text: str) -> str:
    """Unicode NFC with runs of whitespace folded to one space (the contract's text form)."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, streamed so large scans never sit in memory whole."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Page:
    """One page ready for recognition.

    ``image_path`` is the cleaned image (PNG, lossless) written by preprocessing,
    or for a born-digital PDF page the rendered page; the original scan is never
    modified. ``number`` is 1-based within its source file.
    """

    source: Path
    number: int
    origin: PageOrigin
    image_path: Path | None
    width: int
    height: int
    dpi: int
    rotation: int = 0  # degrees clockwise applied to upright the page
    skew: float = 0.0  # degrees of deskew applied
    steps: tuple[str, ...] = ()  # preprocessing steps that changed the image


@dataclass(frozen=True)
class Word:
    """A recognised word with its box on the page and a confidence in [0, 1]."""

    text: str
    bbox: BBox
    confidence: float
    line: int = 0  # line index within the page, in reading order
    block: int = 0


@dataclass(frozen=True)
class OcrPage:
    """Recognised text of one page.

    ``pdf_path`` is a one-page searchable PDF (original image plus invisible,
    aligned text) when the page was OCRed, or None for a text-layer page.
    """

    page: Page
    words: tuple[Word, ...]
    text: str
    source: Source
    pdf_path: Path | None = None
    seconds: float = 0.0

    @property
    def confidence(self) -> float:
        """Mean word confidence, 0 when the page has no words."""
        if not self.words:
            return 0.0
        return sum(w.confidence for w in self.words) / len(self.words)


@dataclass(frozen=True)
class OcrResult:
    """All pages of one input file, in order."""

    source: Path
    sha256: str
    pages: tuple[OcrPage, ...]

    @property
    def text(self) -> str:
        """Text of every page, pages separated by a form feed (the sidecar format)."""
        return "\f".join(p.text for p in self.pages)


@dataclass(frozen=True)
class Field:
    """One extracted value with its evidence.

    ``value`` is already normalised to the contract's format (ISO dates, NFC
    text, digits-only codes, integer đồng). ``alternatives`` keeps values from
    other sources that disagree, so a reviewer sees both.
    """

    name: str
    value: str | int | None
    confidence: float
    source: Source
    verified: bool = False
    page: int | None = None
    bbox: BBox | None = None
    alternatives: tuple[tuple[Source, str | int], ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The field's JSON object exactly as in ``contract.md``."""
        out: dict[str, Any] = {
            "value": self.value,
            "confidence": round(float(self.confidence), 4),
            "source": self.source.value,
            "verified": self.verified,
            "page": self.page,
            "bbox": list(self.bbox) if self.bbox is not None else None,
        }
        if self.alternatives:
            out["alternatives"] = [{"source": s.value, "value": v} for s, v in self.alternatives]
        return out


@dataclass(frozen=True)
class Extraction:
    """Classification and fields of one document, plus the approval decision."""

    doc_type: DocType
    decision: Decision
    fields: Mapping[str, Field]
    warnings: tuple[str, ...] = ()
    type_confidence: float = 1.0

    def to_json(self) -> dict[str, Any]:
        """The ``extract`` JSON of ``contract.md``."""
        return {
            "doc_type": self.doc_type.value,
            "decision": self.decision.value,
            "fields": {name: f.to_json() for name, f in self.fields.items()},
            "warnings": list(self.warnings),
        }

    def values(self) -> dict[str, str | int | None]:
        """Plain field values, the form portals receive."""
        return {name: f.value for name, f in self.fields.items()}

    def canonical_json(self) -> bytes:
        """Deterministic bytes of ``to_json`` (sorted keys, UTF-8): what is embedded and hashed."""
        return json.dumps(self.to_json(), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json()).hexdigest()


@dataclass(frozen=True)
class DocumentMeta:
    """Administrative context of a document, from the batch manifest or the reviewer."""

    dossier_code: str | None = None
    procedure_code: str | None = None
    agency: str | None = None
    owner_id: str | None = None
    doc_type_hint: DocType | None = None


@dataclass(frozen=True)
class SignedDocument:
    """A signed result PDF on local disk, before it is stored."""

    pdf_path: Path
    sha256: str
    extraction_sha256: str
    signer: str  # subject common name of the signing certificate
    signed_at: datetime
    level: str  # "B-T", "B-LT" or "B-LTA"


@dataclass(frozen=True)
class StoredDocument:
    """A catalogued document: the row portals query and auditors start from."""

    id: str
    doc_type: DocType
    owner_id: str | None
    owner_name: str | None
    status: DocumentStatus
    fields: Mapping[str, str | int | None]
    sha256: str  # of the signed PDF
    extraction_sha256: str
    pdf_key: str
    manifest_key: str
    original_key: str | None
    original_sha256: str | None
    signer: str | None
    signed_at: datetime | None
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    issue_date: date | None = None
    valid_until: date | None = None
    superseded_by: str | None = None
    revoked_reason: str | None = None

    def to_find_json(self) -> dict[str, Any]:
        """One entry of ``sohoa find --json`` (``contract.md``)."""
        return {
            "id": self.id,
            "doc_type": self.doc_type.value,
            "owner_id": self.owner_id,
            "fields": dict(self.fields),
            "signed_at": self.signed_at.strftime("%Y-%m-%dT%H:%M:%SZ") if self.signed_at else None,
            "sha256": self.sha256,
        }


@dataclass(frozen=True)
class ArchiveTimestamp:
    """The newest timestamp in a signed PDF: when it was made (UTC) and until when the TSA
    certificate that made it is valid (None when unknown). Re-timestamping is due before either ages."""

    at: datetime
    tsa_not_after: datetime | None


@dataclass(frozen=True)
class Check:
    """One line of a verification report, with reasons in both languages."""

    name: str
    ok: bool | None  # None: could not be decided
    vi: str
    en: str


@dataclass(frozen=True)
class VerificationReport:
    """What an auditor gets: every check and one verdict. Never raised, always returned."""

    verdict: Verdict
    checks: tuple[Check, ...]
    signer: str | None = None
    signed_at: datetime | None = None
    timestamp_at: datetime | None = None
    level: str | None = None
    sha256: str | None = None
    extraction_sha256: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "signer": self.signer,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "timestamp_at": self.timestamp_at.isoformat() if self.timestamp_at else None,
            "level": self.level,
            "sha256": self.sha256,
            "extraction_sha256": self.extraction_sha256,
            "checks": [{"name": c.name, "ok": c.ok, "vi": c.vi, "en": c.en} for c in self.checks],
        }
