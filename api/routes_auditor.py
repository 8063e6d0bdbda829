"""Auditor routes: verify an uploaded PDF or a stored document, and download the evidence bundle."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from sohoa.errors import EmptyFileError, MislabelledFileError

from api import backend, evidence
from api.deps import require, services
from api.routes_portal import DocumentId, Purpose
from api.schemas import VerificationOut, verification_out
from api.security import Principal, Scope

router = APIRouter(prefix="/v1", tags=["auditor"])

Verifier = Annotated[Principal, Depends(require(Scope.VERIFY))]


@router.post("/verify", response_model=VerificationOut)
async def verify_upload(request: Request, _: Verifier, file: UploadFile) -> VerificationOut:
    """Verify an uploaded signed PDF: integrity, signer chain, timestamp, revocation, embedded data."""
    data = await file.read()
    if not data:
        raise EmptyFileError("Tệp tải lên rỗng", "the uploaded file is empty")
    if not data.startswith(b"%PDF-"):
        raise MislabelledFileError("Tệp tải lên không phải PDF", "the uploaded file is not a PDF")
    # pyHanko runs its own event loop: verify in a worker thread, never on the server's loop
    report = await run_in_threadpool(backend.verify_bytes, services(request), data)
    return verification_out(report)


@router.get("/documents/{document_id}/verification", response_model=VerificationOut)
def verify_stored(request: Request, principal: Verifier, document_id: DocumentId, purpose: Purpose) -> VerificationOut:
    """Verify the stored document as a portal receives it, against its catalogued extraction hash."""
    svc = services(request)
    doc = backend.get_document(svc, document_id)
    backend.audit(svc, principal, "verify", document_id=doc.id, purpose=purpose)
    report = backend.verify_bytes(svc, backend.pdf_bytes(svc, doc.id), doc.extraction_sha256)
    return verification_out(report)


@router.get(
    "/documents/{document_id}/evidence",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "evidence bundle"}},
)
def evidence_bundle(
    request: Request,
    principal: Annotated[Principal, Depends(require(Scope.EVIDENCE))],
    document_id: DocumentId,
    purpose: Purpose,
    lang: Annotated[str, Query(pattern="^(vi|en)$")] = "vi",
) -> Response:
    """One zip: the signed PDF, the report (JSON and HTML), the trust anchors, the audit entries with chain proof."""
    svc = services(request)
    doc = backend.get_document(svc, document_id)
    backend.audit(svc, principal, "evidence", document_id=doc.id, purpose=purpose)
    data = evidence.build_zip(svc, doc, lang)
    headers = {"Content-Disposition": f'attachment; filename="evidence-{doc.id}.zip"'}
    return Response(data, media_type="application/zip", headers=headers)
