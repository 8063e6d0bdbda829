"""Staff routes (JSON): batch upload with progress, the review queue, correct the type, approve or reject a draft.

The review UI (``api/ui.py``) offers the same actions as HTML pages; both call
the same functions of ``api.review`` and ``api.batches``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, UploadFile, status
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from sohoa.errors import NotFoundError, UnsupportedFormatError
from sohoa.model import DocType

from api import review
from api.batches import safe_name, unpack_zip
from api.deps import Services, require, services
from api.routes_portal import DocumentId
from api.schemas import DocumentOut, document_out
from api.security import Principal, Scope

router = APIRouter(prefix="/v1", tags=["staff"])

Ingester = Annotated[Principal, Depends(require(Scope.INGEST))]
Reviewer = Annotated[Principal, Depends(require(Scope.REVIEW))]
BatchId = Annotated[str, PathParam(pattern=r"^[0-9a-f]{12}$")]


class BatchOut(BaseModel):
    batch_id: str
    started_by: str
    total: int
    finished: int
    done: bool
    error: dict[str, str | None] | None
    outcomes: list[dict[str, Any]]


class ApproveRequest(BaseModel):
    """Corrected values (only the fields the reviewer changed need be sent)."""

    model_config = ConfigDict(extra="forbid")

    fields: dict[str, str | int | None] = Field(default_factory=dict, max_length=100)


class RejectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=1000)


class TypeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doc_type: DocType


class QueueOut(BaseModel):
    documents: list[DocumentOut]


async def save_uploads(svc: Services, files: list[UploadFile]) -> tuple[str, Path]:
    """Write uploaded files (or unpack one zip) into a new batch folder."""
    batch_id, folder = svc.batches.new_folder()
    limit = svc.settings.api_max_upload_bytes
    for upload in files:
        name = safe_name(upload.filename or "file")
        dest = folder / name
        with dest.open("wb") as out:
            while chunk := await upload.read(1 << 20):
                out.write(chunk)
        if name.lower().endswith(".zip"):
            unpack_zip(dest, folder, limit)
            dest.unlink()
    if not any(folder.rglob("*")):
        raise UnsupportedFormatError("Không có tệp nào được tải lên", "no files were uploaded")
    return batch_id, folder


@router.post("/batches", response_model=BatchOut, status_code=status.HTTP_202_ACCEPTED)
async def upload_batch(request: Request, principal: Ingester, files: list[UploadFile]) -> BatchOut:
    """Upload scans (several files, or one zip with an optional manifest.csv) and start the ingest flow."""
    svc = services(request)
    batch_id, folder = await save_uploads(svc, files)
    return BatchOut(**svc.batches.start(batch_id, folder, principal.client_id).to_json())


@router.get("/batches/{batch_id}", response_model=BatchOut)
def batch_status(request: Request, _: Ingester, batch_id: BatchId) -> BatchOut:
    state = services(request).batches.get(batch_id)
    if state is None:
        raise NotFoundError("Không có lô này", "no such batch", detail=batch_id)
    return BatchOut(**state.to_json())


@router.get("/review", response_model=QueueOut)
def review_queue(
    request: Request,
    _: Reviewer,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> QueueOut:
    """Drafts waiting for a reviewer, oldest first."""
    return QueueOut(documents=[document_out(d) for d in review.queue(services(request), limit, offset)])


@router.get("/review/{document_id}", response_model=review.DraftOut)
def review_document(request: Request, _: Reviewer, document_id: DocumentId) -> review.DraftOut:
    """A draft with every field's value, confidence, source, box and alternatives."""
    return review.draft(services(request), document_id)


@router.post("/review/{document_id}/approve", response_model=DocumentOut)
def approve(request: Request, principal: Reviewer, document_id: DocumentId, body: ApproveRequest) -> DocumentOut:
    """Apply the corrections, then sign and store the document; returns the active document."""
    return document_out(review.approve(services(request), principal, document_id, body.fields))


@router.post("/review/{document_id}/type", response_model=review.DraftOut)
def change_type(request: Request, principal: Reviewer, document_id: DocumentId, body: TypeRequest) -> review.DraftOut:
    """Correct the draft's document type; its fields are extracted again for that type."""
    return review.change_type(services(request), principal, document_id, body.doc_type)


@router.post("/review/{document_id}/reject", response_model=DocumentOut)
def reject(request: Request, principal: Reviewer, document_id: DocumentId, body: RejectRequest) -> DocumentOut:
    return document_out(review.reject(services(request), principal, document_id, body.reason))
