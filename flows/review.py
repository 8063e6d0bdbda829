"""After review: a draft's corrected fields are signed and stored (the ``finalize`` flow).

``finalize_document`` is the plain step (the API's review UI may call it
directly, without a Prefect run); ``finalize`` wraps it as a flow with the same
retries as ingestion. The reviewed values replace the machine's (source
``review``, confidence 1, the machine's value kept as an alternative); the
machine's ``decision`` and warnings stay in the signed extraction so an auditor
sees that a person approved it and why it needed one. The draft's OCR comes
from the content-hash cache, or the stored original is recognised again when
the cache is gone (another machine, cleaned ``var/``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from prefect import flow, task

from sohoa.errors import ConflictError, InputFileError
from sohoa.model import DocumentStatus, Extraction, Field, OcrResult, Source, StoredDocument, nfc
from sohoa.settings import Settings
from storage import Storage

from flows import ledger, resources, workdir
from flows.batch import Outcome
from flows.ingest import RETRY_ON_IO
from flows.steps import recognise_cached, sign_result

Reviewed = Mapping[str, str | int | None]


def apply_review(extraction: Extraction, reviewed: Reviewed) -> Extraction:
    """The extraction with the reviewer's values; unknown field names are refused (exit 2 / HTTP 422)."""
    unknown = sorted(set(reviewed) - set(extraction.fields))
    if unknown:
        raise InputFileError(f"Trường không có trong loại giấy tờ: {unknown}", f"Fields not in this document type: {unknown}")
    fields = dict(extraction.fields)
    for name, value in reviewed.items():
        old = fields[name]
        value = nfc(value) if isinstance(value, str) else value
        if value == old.value:
            continue
        earlier = ((old.source, old.value),) if old.value is not None else ()
        fields[name] = Field(name, value, 1.0, Source.REVIEW, page=old.page, bbox=old.bbox, alternatives=earlier)
    return replace(extraction, fields=fields)


def _recognised(draft: StoredDocument, store: Storage, settings: Settings) -> OcrResult:
    """The draft's OCR result: cached, or recognised again from the stored original."""
    sha256 = str(draft.original_sha256)
    work = workdir.work_dir(settings, sha256)
    original = work / "original"
    if workdir.load_cached(work, sha256) is None and not original.exists():
        data = store.objects.get_bytes(settings.bucket_originals, str(draft.original_key))
        original.write_bytes(data)
    return recognise_cached(original, sha256, settings)


def finalize_document(document_id: str, reviewed: Reviewed, settings: Settings) -> StoredDocument:
    """Sign and store a reviewed draft; finalising an already signed document returns it unchanged."""
    from extractors import extract
    from extractors.fields import extract_as

    store = resources.storage_for(settings)
    draft = store.catalog.get(document_id)
    if draft.status is not DocumentStatus.DRAFT:
        if draft.status is DocumentStatus.ACTIVE:
            return draft
        raise ConflictError("Tài liệu không còn chờ duyệt", "Document is not awaiting review", detail=draft.status.value)
    result = _recognised(draft, store, settings)
    as_reviewed = replace(draft.meta, doc_type_hint=draft.doc_type)  # the type the reviewer saw
    extraction = extract(result, settings, as_reviewed)
    if extraction.doc_type is not draft.doc_type:  # a reviewer corrected the type: sign the type approved
        extraction = extract_as(result, settings, draft.doc_type)
    extraction = apply_review(extraction, reviewed)
    signed = sign_result(result, extraction, draft.meta, settings)
    stored = store.store_signed(signed, extraction, draft.meta, result.sha256)
    _mark_stored(settings, result.sha256, stored)
    workdir.discard(settings, result.sha256)
    return stored


def _mark_stored(settings: Settings, sha256: str, stored: StoredDocument) -> None:
    """A later re-run of the batch reports the file as stored, not waiting for review."""
    earlier = ledger.recorded(settings, sha256, "")
    if earlier is not None:
        ledger.record(settings, replace(earlier, outcome=Outcome.STORED, document_id=stored.id, reused=False))


@task(name="finalize-document", task_run_name="finalize {document_id}", **RETRY_ON_IO)
def finalize_task(document_id: str, reviewed_fields: dict[str, str | int | None], settings: Settings) -> StoredDocument:
    return finalize_document(document_id, reviewed_fields, settings)


@flow(name="finalize-reviewed")
def finalize(document_id: str, reviewed_fields: dict[str, str | int | None], settings: Settings) -> StoredDocument:
    """Sign and store one reviewed draft, retrying object store, catalog and TSA errors."""
    try:
        return finalize_task(document_id, reviewed_fields, settings)
    finally:
        resources.release(settings)
