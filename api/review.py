"""Human review of drafts: the queue, one draft's evidence, approve (sign and store) or reject.

A draft's fields keep their evidence (confidence, source, page, box in pixels
of the cleaned page image, disagreeing alternatives); ``DraftOut`` marks the
ones a reviewer must look at: confidence below
``settings.auto_approve_min_confidence`` or sources that disagree. Approval
hands the corrected values to the ``finalize`` flow, which signs and stores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from sohoa.errors import ConflictError, NotFoundError
from sohoa.model import DocumentStatus, Extraction, Field, StoredDocument

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


def field_out(f: Field, threshold: float) -> FieldOut:
    return FieldOut(
        name=f.name,
        value=f.value,
        confidence=round(float(f.confidence), 4),
        source=f.source.value,
        verified=f.verified,
        page=f.page,
        bbox=list(f.bbox) if f.bbox is not None else None,
        alternatives=[{"source": s.value, "value": v} for s, v in f.alternatives],
        low_confidence=f.confidence < threshold,
        disagreement=any(v != f.value for _, v in f.alternatives),
    )


def queue(svc: Services, limit: int, offset: int) -> list[StoredDocument]:
    """Drafts waiting for review, in id order (the catalog keeps no creation time)."""
    import sqlalchemy as sa
    from storage.schema import documents

    catalog = svc.store().catalog
    query = (
        sa.select(documents.c.id)
        .where(documents.c.status == DocumentStatus.DRAFT.value)
        .order_by(documents.c.id)
        .limit(limit)
        .offset(offset)
    )
    with catalog.engine.connect() as conn:
        ids = list(conn.execute(query).scalars())
    return [catalog.get(i) for i in ids]


def _draft_document(svc: Services, document_id: str) -> StoredDocument:
    doc: StoredDocument = svc.store().catalog.get(document_id)
    if doc.status is not DocumentStatus.DRAFT:
        raise ConflictError("Tài liệu không còn chờ duyệt", "document is not awaiting review", detail=doc.status.value)
    return doc


def extraction_of(svc: Services, doc: StoredDocument) -> Extraction:
    return svc.store().draft_extraction(doc.id)  # type: ignore[no-any-return]


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
    threshold = svc.settings.auto_approve_min_confidence
    return DraftOut(
        id=doc.id,
        doc_type=extraction.doc_type.value,
        owner_id=doc.owner_id,
        dossier_code=doc.meta.dossier_code,
        procedure_code=doc.meta.procedure_code,
        warnings=list(extraction.warnings),
        pages=page_sizes(svc, doc),
        fields=[field_out(f, threshold) for f in extraction.fields.values()],
    )


def approve(svc: Services, principal: Principal, document_id: str, corrections: dict[str, str | int | None]) -> StoredDocument:
    """Sign and store the draft with the reviewer's corrections; the active document comes back."""
    from flows import finalize

    _draft_document(svc, document_id)
    return finalize(document_id, corrections, principal.client_id, svc.settings)  # type: ignore[no-any-return]


def reject(svc: Services, principal: Principal, document_id: str, reason: str) -> StoredDocument:
    _draft_document(svc, document_id)
    return svc.store().reject_draft(document_id, reason, principal.client_id)  # type: ignore[no-any-return]
