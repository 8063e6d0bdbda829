"""Portal routes: query an owner's signed documents, fetch one, reuse it, read the access log.

Every read and every reuse names its purpose and is written to the audit log
before the answer leaves. A portal sees only active (valid, signed) documents
and acts only for its own agency's procedures.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import RedirectResponse, Response

from sohoa.errors import NotFoundError
from sohoa.model import DocumentStatus, StoredDocument

from api import backend
from api.deps import Services, require, services
from api.lean import lean_route
from api.schemas import PURPOSE, SERVING, AccessLog, DocumentOut, DocumentPage, FindQuery, ReuseRequest, document_out, page_json
from api.security import Principal, Role, Scope

router = APIRouter(prefix="/v1", tags=["portal"])

Reader = Annotated[Principal, Depends(require(Scope.DOCUMENTS_READ))]
Purpose = Annotated[str, Query(min_length=3, max_length=500, description=PURPOSE)]
Serving = Annotated[str | None, Query(min_length=1, max_length=100, description=SERVING)]
DocumentId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


def _visible(svc: Services, principal: Principal, document_id: str) -> StoredDocument:
    """The document, if this caller may see it: portals see active documents only."""
    doc = backend.get_document(svc, document_id)
    if principal.role is Role.PORTAL and doc.status is not DocumentStatus.ACTIVE:
        raise NotFoundError("Không tìm thấy tài liệu", "Document not found", detail=document_id)
    return doc


async def find_documents(request: Request, principal: Reader, query: Annotated[FindQuery, Query()]) -> Response:
    """The owner's valid, signed documents with their approved fields and signature summary.

    The hot path of every portal, awaited on the event loop throughout (``api.on_loop``): the catalog
    read, then the page's audit entries (one per document shown, so the owner's access log lists each)
    committed by the group-commit writer before the JSON leaves."""
    principal.require_procedure(query.for_procedure)
    on_loop = await services(request).on_loop()
    docs = await on_loop.find(query.owner_id, query.type, query.valid_on, query.procedure, query.limit + 1,
                              query.offset)  # fmt: skip
    more = len(docs) > query.limit
    docs = docs[: query.limit]
    await on_loop.writer.write([backend.audit_entry(principal, "find", document_id=d.id, purpose=query.purpose,
                                                    procedure=query.for_procedure) for d in docs])  # fmt: skip
    body = page_json(docs, query.limit, query.offset, query.offset + query.limit if more else None)
    return Response(body, media_type="application/json")


router.add_api_route("/documents", find_documents, methods=["GET"], response_model=DocumentPage,
                     route_class_override=lean_route(Scope.DOCUMENTS_READ, FindQuery))  # fmt: skip


@router.get("/documents/{document_id}", response_model=DocumentOut)
def get_document(
    request: Request, principal: Reader, document_id: DocumentId, purpose: Purpose, for_procedure: Serving = None
) -> DocumentOut:
    principal.require_procedure(for_procedure)
    svc = services(request)
    doc = _visible(svc, principal, document_id)
    backend.audit(svc, principal, "read", document_id=doc.id, purpose=purpose, procedure=for_procedure)
    return document_out(doc)


@router.get(
    "/documents/{document_id}/pdf",
    status_code=status.HTTP_307_TEMPORARY_REDIRECT,
    response_class=RedirectResponse,
    responses={307: {"description": "redirect to a short-lived presigned URL of the signed PDF"}},
)
def get_pdf(
    request: Request, principal: Reader, document_id: DocumentId, purpose: Purpose, for_procedure: Serving = None
) -> RedirectResponse:
    """The signed PDF, as a redirect to a presigned URL valid ``settings.presign_seconds``."""
    principal.require_procedure(for_procedure)
    svc = services(request)
    doc = _visible(svc, principal, document_id)
    backend.audit(svc, principal, "download", document_id=doc.id, purpose=purpose, procedure=for_procedure)
    return RedirectResponse(backend.presigned_pdf_url(svc, doc.id), status_code=status.HTTP_307_TEMPORARY_REDIRECT)


@router.post("/documents/{document_id}/reuse", response_model=DocumentOut)
def reuse_document(
    request: Request,
    principal: Annotated[Principal, Depends(require(Scope.DOCUMENTS_REUSE))],
    document_id: DocumentId,
    body: ReuseRequest,
) -> DocumentOut:
    """Record that ``body.procedure`` reused this document at the citizen's request (once-only)."""
    principal.require_procedure(body.procedure)
    svc = services(request)
    doc = _visible(svc, principal, document_id)
    backend.audit(
        svc,
        principal,
        "reuse",
        document_id=doc.id,
        purpose=body.purpose,
        procedure=body.procedure,
        dossier_code=body.dossier_code,
        request_reference=body.request_reference,
    )
    return document_out(doc)


@router.get("/owners/{owner_id}/access-log", response_model=AccessLog)
def access_log(
    request: Request,
    principal: Annotated[Principal, Depends(require(Scope.ACCESS_LOG_READ))],
    owner_id: Annotated[str, Path(min_length=1, max_length=32)],
    purpose: Purpose,
) -> AccessLog:
    """Who read or reused this owner's documents, when and why (for the citizen-facing portal)."""
    svc = services(request)
    entries = backend.access_log(svc, owner_id)
    backend.audit(svc, principal, "access_log", owner_id=owner_id, purpose=purpose)
    return AccessLog(owner_id=owner_id, entries=entries)
