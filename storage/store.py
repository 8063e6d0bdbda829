"""``Storage``: the object store, the catalog and the audit log behind one face.

Order of every document write: PDF object (locked, read back and hash-checked),
then its signed manifest (create-only), then the catalog row. A crash in
between leaves an orphan that ``reconcile`` completes. Writes are idempotent by
the original scan's hash: the same scan stored twice is one document.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from types import TracebackType

from sohoa.errors import ConflictError, IntegrityError, NotFoundError, SohoaError
from sohoa.model import ArchiveTimestamp, DocType, DocumentMeta, DocumentStatus, Extraction, SignedDocument, StoredDocument, sha256_file
from sohoa.settings import Settings
from storage import consistency
from storage import manifest as mf
from storage.audit import AuditLog
from storage.catalog import Catalog
from storage.describe import SINGLE_VALID_TYPES, describe, document_id_for
from storage.objects import COMPLIANCE, GOVERNANCE, ObjectStore, sha256_bytes
from storage.signer import DetachedSigner

CLI_ACTOR = "cli"
MAINTENANCE_ACTOR = "maintenance"


def _recency(doc: StoredDocument) -> tuple[date, date, datetime]:
    """Which of two documents of one kind is newer: issue date, then validity, then signing time."""
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    return (doc.issue_date or date.min, doc.valid_until or date.min, doc.signed_at or oldest)


class Storage:
    """Stores, finds and serves documents; every CLI read is written to the audit log."""

    def __init__(self, settings: Settings, objects: ObjectStore, catalog: Catalog, audit: AuditLog,
                 signer: DetachedSigner | None) -> None:
        self.settings = settings
        self.objects = objects
        self.catalog = catalog
        self.audit = audit
        self.signer = signer

    def __enter__(self) -> Storage:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.catalog.close()

    @property
    def _docs(self) -> str:
        return self.settings.bucket_documents

    # --- originals and quarantine -----------------------------------------------------

    def store_original(self, path: Path, sha256: str) -> str:
        """Keep the uploaded scan as is under ``originals/<sha256>``; storing it again is a no-op."""
        key = f"originals/{sha256}"
        if self.objects.stored_sha256(self.settings.bucket_originals, key) != sha256:
            self.objects.put_file(self.settings.bucket_originals, key, path, sha256, mode=GOVERNANCE,
                                  days=self.settings.retention_days_signed)
        return key

    def quarantine(self, batch: str, name: str, path: Path | None, reason: SohoaError | str) -> str:
        """Set a rejected input aside under ``quarantine/<batch>/<name>`` with ``<name>.reason.json``."""
        key = f"quarantine/{batch}/{name}"
        bucket, days = self.settings.bucket_quarantine, self.settings.retention_days_draft
        if path is not None and path.is_file():
            self.objects.put_file(bucket, key, path, sha256_file(path), mode=GOVERNANCE, days=days)
        why = reason.to_json() if isinstance(reason, SohoaError) else {"code": "other", "vi": reason, "en": reason}
        body = json.dumps({"file": name, "batch": batch, **why}, ensure_ascii=False).encode()
        self.objects.put_bytes(bucket, key + ".reason.json", body, mode=GOVERNANCE, days=days, content_type="application/json")
        return key

    # --- documents --------------------------------------------------------------------

    def _document(self, doc_id: str, status: DocumentStatus, pdf_key: str, pdf_sha256: str, extraction: Extraction,
                  meta: DocumentMeta, original_sha256: str, signer: str | None,
                  signed_at: datetime | None) -> StoredDocument:
        about = describe(extraction, meta)
        return StoredDocument(
            id=doc_id, doc_type=extraction.doc_type, owner_id=about.owner_id, owner_name=about.owner_name,
            status=status, fields=extraction.values(), sha256=pdf_sha256,
            extraction_sha256=extraction.sha256(), pdf_key=pdf_key,
            manifest_key=consistency.sibling(pdf_key, consistency.MANIFEST_NAME),
            original_key=f"originals/{original_sha256}", original_sha256=original_sha256, signer=signer,
            signed_at=signed_at, meta=replace(meta, owner_id=about.owner_id), issue_date=about.issue_date,
            valid_until=about.valid_until,
        )

    def _put_signed(self, key: str, body: bytes, mode: str, days: int) -> None:
        """A record the store alone must prove: the record, create-only and read back (``ConflictError``
        when it exists), then its detached signature ``<key>.p7s``."""
        self.objects.put_verified(self._docs, key, body, mode=mode, days=days, content_type="application/json",
                                  create_only=True)
        if self.signer is not None:
            self.objects.put_bytes(self._docs, key + mf.SIGNATURE_SUFFIX, self.signer.sign(body), mode=mode,
                                   days=days, content_type="application/pkcs7-signature")

    def _complete_signature(self, key: str, mode: str, days: int) -> None:
        """Sign a record stored earlier whose signature a crash prevented (a record only we can create)."""
        if self.signer is not None and self.objects.stored_sha256(self._docs, key + mf.SIGNATURE_SUFFIX) is None:
            body = self.objects.get_bytes(self._docs, key)
            self.objects.put_bytes(self._docs, key + mf.SIGNATURE_SUFFIX, self.signer.sign(body), mode=mode,
                                   days=days, content_type="application/pkcs7-signature")

    def _write_manifest(self, manifest: mf.Manifest, mode: str, days: int) -> mf.Manifest:
        """Store the signed manifest; if it exists already (a retry, a concurrent writer), the stored one wins."""
        key = manifest.document.manifest_key
        try:
            self._put_signed(key, mf.to_bytes(manifest), mode, days)
        except ConflictError:
            self._complete_signature(key, mode, days)
            return consistency.read_manifest(self.objects, self._docs, key, self.signer)
        return manifest

    def _supersession(self, doc: StoredDocument) -> tuple[StoredDocument, tuple[str, ...]]:
        """For one-valid-at-a-time types: the ids a newer document supersedes, or, when an archive
        backfill brings an older one, that document already marked superseded by the current one."""
        if doc.doc_type not in SINGLE_VALID_TYPES or doc.owner_id is None:
            return doc, ()
        current = [o for o in self.catalog.find(doc.owner_id, doc.doc_type, limit=1000) if o.id != doc.id]
        newer = [o for o in current if _recency(o) > _recency(doc)]
        if newer:
            return replace(doc, status=DocumentStatus.SUPERSEDED, superseded_by=newer[0].id), ()
        return doc, tuple(o.id for o in current)

    def _commit(self, manifest: mf.Manifest) -> StoredDocument:
        self.catalog.put(manifest.document, manifest.pdf_version, manifest.archive)
        self.catalog.mark_superseded(manifest.supersedes, by=manifest.document.id)
        return manifest.document

    def store_signed(self, signed: SignedDocument, extraction: Extraction, meta: DocumentMeta, original_sha256: str,
                     document_id: str | None = None) -> StoredDocument:
        """Store a signed document under COMPLIANCE retention; the same original twice returns the first."""
        existing = self.catalog.by_original(original_sha256)
        if existing is not None and existing.status != DocumentStatus.DRAFT:
            return existing
        doc_id = document_id or (existing.id if existing else document_id_for(original_sha256))
        pdf_key = f"{consistency.SIGNED_PREFIX}{signed.signed_at:%Y}/{doc_id}/signed.pdf"
        doc = self._document(doc_id, DocumentStatus.ACTIVE, pdf_key, signed.sha256, extraction, meta,
                             original_sha256, signed.signer, signed.signed_at)
        if self.objects.stored_sha256(self._docs, doc.manifest_key) is not None:  # crashed before the row last time
            self._complete_signature(doc.manifest_key, COMPLIANCE, self.settings.retention_days_signed)
            return self._commit(consistency.read_manifest(self.objects, self._docs, doc.manifest_key, self.signer))
        data = signed.pdf_path.read_bytes()
        if sha256_bytes(data) != signed.sha256:
            raise IntegrityError("Tệp đã ký bị thay đổi", "Signed PDF differs from its recorded hash", detail=doc_id)
        days = self.settings.retention_days_signed
        put = self.objects.put_verified(self._docs, pdf_key, data, mode=COMPLIANCE, days=days, content_type="application/pdf")
        doc, supersedes = self._supersession(doc)
        manifest = mf.Manifest(doc, put.version_id, supersedes, signed.level)
        return self._commit(self._write_manifest(manifest, COMPLIANCE, days))

    def store_draft(self, pdf_path: Path, extraction: Extraction, meta: DocumentMeta, original_sha256: str,
                    document_id: str | None = None) -> StoredDocument:
        """Keep an unsigned result awaiting review under GOVERNANCE retention (status ``draft``)."""
        existing = self.catalog.by_original(original_sha256)
        if existing is not None:
            return existing
        doc_id = document_id or document_id_for(original_sha256)
        pdf_key = f"{consistency.DRAFT_PREFIX}{doc_id}/draft.pdf"
        data = pdf_path.read_bytes()
        doc = self._document(doc_id, DocumentStatus.DRAFT, pdf_key, sha256_bytes(data), extraction, meta,
                             original_sha256, None, None)
        days = self.settings.retention_days_draft
        put = self.objects.put_verified(self._docs, pdf_key, data, mode=GOVERNANCE, days=days, content_type="application/pdf")
        return self._commit(self._write_manifest(mf.Manifest(doc, put.version_id), GOVERNANCE, days))

    def revoke(self, document_id: str, reason: str) -> StoredDocument:
        """Revoke with a reason: a locked revocation record beside the manifest, then the catalog status."""
        doc = self.catalog.get(document_id)
        key = consistency.sibling(doc.manifest_key, consistency.REVOCATION_NAME)
        body = mf.revocation_bytes(document_id, reason, datetime.now(timezone.utc))
        days = self.settings.retention_days_signed
        try:
            self._put_signed(key, body, COMPLIANCE, days)
        except ConflictError:  # already revoked in the store: the catalog is brought in line below
            self._complete_signature(key, COMPLIANCE, days)
        self.catalog.mark_revoked(document_id, reason)
        return self.catalog.get(document_id)

    def retype_draft(self, document_id: str, doc_type: DocType) -> StoredDocument:
        """A reviewer's correction of a draft's type: a signed, create-only record beside the draft's
        manifest (so ``reindex`` keeps it; finalising signs the draft as this type), then the catalog.
        ``ConflictError`` when the document is no longer a draft or another correction was recorded
        at the same moment."""
        doc = self.catalog.get(document_id)
        if doc.status is not DocumentStatus.DRAFT:
            raise ConflictError("Chỉ đổi được loại của bản nháp", "Only a draft's type can be corrected", detail=document_id)
        days = self.settings.retention_days_draft
        key, sequence = self._next_record_key(doc.manifest_key, consistency.TYPES_FOLDER, GOVERNANCE, days)
        self._put_signed(key, mf.retype_bytes(document_id, sequence, doc_type, doc.doc_type, datetime.now(timezone.utc)),
                         GOVERNANCE, days)
        self.catalog.retype_draft(document_id, doc_type)
        return self.catalog.get(document_id)

    # --- archive timestamps -----------------------------------------------------------

    def store_retimestamped(self, document_id: str, pdf_path: Path, archive: ArchiveTimestamp,
                            previous_sha256: str, actor: str = MAINTENANCE_ACTOR) -> StoredDocument:
        """Keep a re-timestamped revision of a signed document's PDF, never touching the old one.

        ``pdf_path`` is the revision the catalogued PDF (hash ``previous_sha256``) became with a new
        document timestamp (``archive``). It is written as a new version of the same key under
        COMPLIANCE retention and read back (earlier versions stay locked as they are); a signed,
        create-only record ``timestamps/<n>.json`` beside the manifest names that version, so
        ``reindex`` follows it; then the catalog row serves it and the audit log records who did it.
        ``ConflictError`` when the catalogued PDF is no longer ``previous_sha256`` (another run
        re-timestamped it meanwhile) or the document is an unsigned draft."""
        doc = self.catalog.get(document_id)
        if doc.status is DocumentStatus.DRAFT or doc.sha256 != previous_sha256:
            raise ConflictError("Tài liệu đã thay đổi hoặc chưa được ký", "Document changed meanwhile or is not signed",
                                detail=document_id)
        days = self.settings.retention_days_signed
        put = self.objects.put_verified(self._docs, doc.pdf_key, pdf_path.read_bytes(), mode=COMPLIANCE, days=days,
                                        content_type="application/pdf")
        key, sequence = self._next_record_key(doc.manifest_key, consistency.TIMESTAMPS_FOLDER, COMPLIANCE, days)
        body = mf.retimestamp_bytes(document_id, sequence, put.version_id, put.sha256, previous_sha256, archive,
                                    datetime.now(timezone.utc))
        self._put_signed(key, body, COMPLIANCE, days)
        self.catalog.set_archive(document_id, archive, pdf=(put.sha256, put.version_id))
        self.audit.append(actor, "system", "retimestamp", document_id, "archive",
                          {"sequence": sequence, "timestamped_at": archive.at.isoformat()})
        return self.catalog.get(document_id)

    def _next_record_key(self, manifest_key: str, folder: str, mode: str, days: int) -> tuple[str, int]:
        """Key and number of the next record in ``folder`` beside a manifest; a crash-unsigned previous
        record is signed first."""
        earlier = consistency.sequence_keys(self.objects, self._docs, manifest_key, folder)
        if earlier:
            self._complete_signature(earlier[-1], mode, days)
        sequence = len(earlier) + 1
        return consistency.sibling(manifest_key, f"{folder}/{sequence:06d}.json"), sequence

    def record_archive(self, document_id: str, archive: ArchiveTimestamp) -> None:
        """Note what a survey of the stored PDF found (its newest timestamp); nothing stored changes."""
        self.catalog.set_archive(document_id, archive)

    # --- reads ------------------------------------------------------------------------

    def find(self, owner_id: str, doc_type: DocType | str | None = None, valid_on: date | None = None,
             procedure: str | None = None, limit: int = 50, offset: int = 0) -> list[StoredDocument]:
        """An owner's active documents (valid on ``valid_on`` when given), newest first."""
        return self.catalog.find(owner_id, doc_type, valid_on, procedure, limit, offset)

    def get(self, document_id: str) -> StoredDocument:
        return self.catalog.get(document_id)

    def pdf_bytes(self, document_id: str) -> bytes:
        """The stored PDF, exactly the version written, checked against the catalogued hash."""
        doc = self.catalog.get(document_id)
        data = self.objects.get_bytes(self._docs, doc.pdf_key, version_id=self.catalog.pdf_version(document_id))
        if sha256_bytes(data) != doc.sha256:
            raise IntegrityError(
                "Tài liệu lưu trữ không khớp mã băm", "Stored document does not match its hash", detail=document_id
            )
        return data

    def presigned_url(self, document_id: str, expires: timedelta | None = None) -> str:
        """A short-lived GET URL of the signed PDF (``settings.presign_seconds`` by default)."""
        doc = self.catalog.get(document_id)
        return self.objects.presigned_get(self._docs, doc.pdf_key, version_id=self.catalog.pdf_version(document_id),
                                          expires=expires or timedelta(seconds=self.settings.presign_seconds))

    def find_for_cli(self, owner_id: str, doc_type: str | None) -> list[StoredDocument]:
        """``sohoa find``: documents valid today, each access written to the audit log."""
        found = self.find(owner_id, doc_type or None, valid_on=date.today())
        for doc in found:
            self.audit.append(CLI_ACTOR, "operator", "find", doc.id, "cli")
        return found

    def signed_pdf_for_cli(self, document_id: str) -> bytes:
        """``sohoa get``: the signed PDF (drafts are not served), the access audit-logged."""
        doc = self.catalog.get(document_id)
        if doc.status == DocumentStatus.DRAFT:
            raise NotFoundError("Tài liệu chưa được ký", "Document is not signed yet", detail=document_id)
        data = self.pdf_bytes(document_id)
        self.audit.append(CLI_ACTOR, "operator", "get", document_id, "cli")
        return data

    # --- consistency ------------------------------------------------------------------

    def reconcile(self) -> int:
        return consistency.reconcile(self.objects, self._docs, self.catalog, self.signer)

    def reindex(self) -> int:
        return consistency.reindex(self.objects, self._docs, self.catalog, self.signer)
