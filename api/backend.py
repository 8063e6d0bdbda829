"""The API's contact with storage/ and signing/ from its worker threads: one small function per need.

Handlers never call the store directly, so the HTTP layer stays independent of
how documents and the audit log are kept (what is awaited on the event loop
itself, the portal query and the group commit, is in ``api.on_loop``). Audit
entries go through the serving loop's group-commit writer (``api.auditing``)
and never carry a client's secret; owner IDs go to the audit log (it is the
owner's access record) but never to the application log.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio

from sohoa.logs import get_logger
from sohoa.model import StoredDocument, VerificationReport
from storage.audit import NewEntry

from api.deps import Services
from api.security import Principal

log = get_logger(__name__)


def get_document(svc: Services, document_id: str) -> StoredDocument:
    return svc.store().get(document_id)  # type: ignore[no-any-return]


def audit_entry(principal: Principal, action: str, *, purpose: str, document_id: str | None = None,
                **detail: Any) -> NewEntry:
    """One access to record (who, what, whose, why); ``None`` details are left out."""
    return NewEntry(principal.client_id, principal.role.value, action, document_id, purpose,
                    {k: v for k, v in detail.items() if v is not None} or None)


def audit(
    svc: Services, principal: Principal, action: str, *, purpose: str, document_id: str | None = None, **detail: Any
) -> None:
    """Append one entry to the hash-chained audit log and wait for its commit (handlers in worker threads)."""
    audit_many(svc, [audit_entry(principal, action, purpose=purpose, document_id=document_id, **detail)])


def audit_many(svc: Services, entries: list[NewEntry]) -> None:
    """Append ``entries`` through the serving loop's group commit (``api.auditing``) and return once they are
    durable; called from the worker threads the server runs blocking handlers in."""
    anyio.from_thread.run(svc.write_audit, entries)


def access_log(svc: Services, owner_id: str) -> list[dict[str, Any]]:
    """Accesses to the owner's documents, newest first."""
    return [e.to_json() for e in svc.store().audit.entries_for_owner(owner_id)]


def readiness(svc: Services) -> dict[str, bool]:
    """Whether the catalog answers ``SELECT 1`` and the object store answers for the documents bucket.

    A store that cannot even be opened counts as both down; reasons go to the log only."""
    from sohoa.errors import SohoaError

    try:
        store = svc.store()
    except SohoaError as e:
        log.warning("not_ready", code=e.code)
        return {"catalog": False, "object_store": False}
    return {"catalog": _answers("catalog", lambda: _select_one(store.catalog.engine)),
            "object_store": _answers("object_store",
                                     lambda: store.objects.client.bucket_exists(bucket_name=svc.settings.bucket_documents))}


def _select_one(engine: Any) -> None:
    import sqlalchemy as sa

    with engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))


def _answers(name: str, probe: Callable[[], object]) -> bool:
    try:
        probe()
    except Exception as e:  # noqa: BLE001 - any failure means "not ready": a probe answers, it never raises
        log.warning("not_ready", check=name, error=type(e).__name__)
        return False
    return True


def presigned_pdf_url(svc: Services, document_id: str) -> str:
    return svc.store().presigned_url(document_id)  # type: ignore[no-any-return]


def pdf_bytes(svc: Services, document_id: str) -> bytes:
    """The stored signed PDF, read back and checked against its recorded hash by storage."""
    return svc.store().pdf_bytes(document_id)  # type: ignore[no-any-return]


def verify_bytes(svc: Services, data: bytes, expected_extraction_sha256: str | None = None) -> VerificationReport:
    """Verify a PDF given as bytes (an upload, or a stored document read back)."""
    from signing import verify_pdf

    with tempfile.TemporaryDirectory(prefix="sohoa-verify-") as tmp:
        path = Path(tmp) / "document.pdf"
        path.write_bytes(data)
        return verify_pdf(path, svc.settings, expected_extraction_sha256)


def audit_proof(svc: Services, doc: StoredDocument) -> dict[str, Any]:
    """The audit entries of one document with their chain links, and the whole chain's verification."""
    log = svc.store().audit
    entries = [
        {**e.to_json(), "detail": e.detail, "prev_hash": e.prev_hash, "hash": e.hash}
        for e in (log.entries_for_owner(doc.owner_id) if doc.owner_id else [])
        if e.document_id == doc.id
    ]
    check = log.verify()
    seq, head = log.head()
    return {
        "document_id": doc.id,
        "entries": entries,
        "chain": {"ok": check.ok, "entries": check.entries, "checkpoints": check.checkpoints,
                  "bad_seq": check.bad_seq, "problem": check.problem, "description": check.describe()},
        "head": {"seq": seq, "hash": head},
        "hash_rule": "sha256(canonical JSON of seq, at, actor, role, action, document_id, purpose, detail, prev))",
    }


def trust_anchors(svc: Services) -> list[tuple[str, bytes]]:
    """(file name, PEM) of every trust anchor verification uses (configured, or the development root)."""
    from asn1crypto import pem
    from signing.trust import trust_roots

    return [
        (f"anchor-{i}.pem", pem.armor("CERTIFICATE", cert.dump()))
        for i, cert in enumerate(trust_roots(svc.settings), start=1)
    ]
