"""The JSON shapes of the HTTP API, as published in ``/openapi.json``.

These are wire formats, not domain types: each is built from a domain object of
``sohoa/model.py`` by one ``from_*`` function here, so the API can evolve its
representation without touching the pipeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field

from sohoa.model import DocType, StoredDocument, VerificationReport

FieldValue = str | int | None


class ErrorBody(BaseModel):
    """Every error: a stable machine code and the message in Vietnamese and English."""

    code: str
    vi: str
    en: str
    detail: str | None = None
    errors: list[dict[str, Any]] | None = Field(None, description="per-parameter problems (validation errors only)")


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    scope: str


class SignatureSummary(BaseModel):
    signer: str | None
    signed_at: datetime | None
    sha256: str
    extraction_sha256: str


class DocumentOut(BaseModel):
    id: str
    doc_type: str
    status: str
    owner_id: str | None
    owner_name: str | None
    fields: dict[str, FieldValue]
    issue_date: date | None
    valid_until: date | None
    dossier_code: str | None
    procedure_code: str | None
    agency: str | None
    superseded_by: str | None
    signature: SignatureSummary


class DocumentPage(BaseModel):
    documents: list[DocumentOut]
    limit: int
    offset: int
    next_offset: int | None = Field(description="offset of the next page, null on the last page")


PURPOSE = "why this read is needed (audited)"
SERVING = "the procedure this request serves (audited); required for portals, one of their agency's"


class FindQuery(BaseModel):
    """The query string of ``GET /v1/documents``, validated in one pass (``api.lean``); unknown
    parameters are ignored, as FastAPI does for any route."""

    owner_id: str = Field(min_length=1, max_length=32, description="citizen ID or enterprise code")
    purpose: str = Field(min_length=3, max_length=500, description=PURPOSE)
    type: DocType | None = None
    valid_on: date | None = None
    procedure: str | None = Field(None, min_length=1, max_length=100, description="only documents issued under this procedure")
    for_procedure: str | None = Field(None, min_length=1, max_length=100, description=SERVING)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class ReuseRequest(BaseModel):
    """A procedure reusing a stored document at the citizen's explicit request (once-only)."""

    model_config = ConfigDict(extra="forbid")

    dossier_code: str = Field(min_length=1, max_length=100)
    procedure: str = Field(min_length=1, max_length=100)
    purpose: str = Field(min_length=3, max_length=500)
    request_reference: str = Field(min_length=1, max_length=200, description="the citizen's request reference")


class AccessLog(BaseModel):
    owner_id: str
    entries: list[dict[str, Any]]


class CheckOut(BaseModel):
    name: str
    ok: bool | None
    vi: str
    en: str


class VerificationOut(BaseModel):
    verdict: str
    signer: str | None
    signed_at: str | None
    timestamp_at: str | None
    level: str | None
    sha256: str | None
    extraction_sha256: str | None
    checks: list[CheckOut]


class ClientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,62}$")
    role: str = Field(pattern="^(staff|portal|auditor|admin)$")
    name: str = Field("", max_length=200)
    agency: str | None = Field(None, max_length=200)
    procedures: list[str] = Field(default_factory=list, max_length=500)


class ClientOut(BaseModel):
    client_id: str
    role: str
    name: str
    agency: str | None
    procedures: list[str]
    disabled: bool
    created_at: str


class ClientCreated(ClientOut):
    client_secret: str = Field(description="shown once; store it safely")


def document_json(doc: StoredDocument) -> dict[str, Any]:
    """The ``DocumentOut`` shape as plain values (dates and datetimes still Python objects)."""
    meta = doc.meta
    return {
        "id": doc.id,
        "doc_type": doc.doc_type.value,
        "status": doc.status.value,
        "owner_id": doc.owner_id,
        "owner_name": doc.owner_name,
        "fields": dict(doc.fields),
        "issue_date": doc.issue_date,
        "valid_until": doc.valid_until,
        "dossier_code": meta.dossier_code,
        "procedure_code": meta.procedure_code,
        "agency": meta.agency,
        "superseded_by": doc.superseded_by,
        "signature": {"signer": doc.signer, "signed_at": doc.signed_at, "sha256": doc.sha256,
                      "extraction_sha256": doc.extraction_sha256},  # fmt: skip
    }


def document_out(doc: StoredDocument) -> DocumentOut:
    return DocumentOut.model_validate(document_json(doc))


def page_json(docs: Sequence[StoredDocument], limit: int, offset: int, next_offset: int | None) -> bytes:
    """A ``DocumentPage`` as JSON bytes, without building the models: the portal query's answer.

    Written by pydantic's own serializer, so dates and datetimes read exactly as the
    model would write them (``tests/test_api_portal_lean.py`` compares the two)."""
    page = {"documents": [document_json(d) for d in docs], "limit": limit, "offset": offset, "next_offset": next_offset}
    return pydantic_core.to_json(page)


def verification_out(report: VerificationReport) -> VerificationOut:
    return VerificationOut.model_validate(report.to_json())
