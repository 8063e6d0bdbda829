"""The work on one document, as plain functions the Prefect tasks only wrap.

``ingest_document`` takes one file from the batch folder to its end state:
stored (signed PDF in the object store plus its catalog row), draft awaiting
review, or quarantined with its reason. It is idempotent: content already
finished (local ledger) or already catalogued (unique original SHA-256) is not
processed again, and OCR results are cached by content hash.

Bad input (``InputFileError``) is an outcome, not an error: the file goes to
quarantine and the batch goes on. Every other ``SohoaError`` propagates, so
the task can retry the transient ones (object store, catalog, TSA).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

from sohoa.errors import InputFileError
from sohoa.logs import get_logger
from sohoa.model import Decision, DocumentMeta, Extraction, OcrResult, SignedDocument, StoredDocument, sha256_file
from sohoa.settings import Settings

from flows import ledger, workdir
from flows.batch import BatchItem, DocumentOutcome, Outcome
from flows.resources import storage_for
from storage import Storage

log = get_logger(__name__)


def recognise_cached(
    path: Path, sha256: str, settings: Settings, gate: AbstractContextManager[object] = nullcontext()
) -> OcrResult:
    """OCR the file once per content: the cached result when there is one, else recognise under ``gate``."""
    from extractors import recognise_file

    work = workdir.work_dir(settings, sha256)
    cached = workdir.load_cached(work, sha256)
    if cached is not None:
        return cached
    with gate:
        result = recognise_file(path, settings, work / "pages")
    workdir.save_cached(work, result)
    return result


def result_pdf(result: OcrResult, extraction: Extraction, meta: DocumentMeta, settings: Settings) -> Path:
    """Searchable PDF -> unsigned result PDF/A-3b with the extraction attached (what a draft stores)."""
    from extractors import write_searchable_pdf
    from signing import build_result_pdf

    work = workdir.work_dir(settings, result.sha256)
    searchable = work / "searchable.pdf"
    if not searchable.exists():
        write_searchable_pdf(result, searchable)
    return build_result_pdf(searchable, extraction, meta, work / "result.pdf")


def sign_result(result: OcrResult, extraction: Extraction, meta: DocumentMeta, settings: Settings) -> SignedDocument:
    """The result PDF signed (PAdES, timestamped) by the configured signer."""
    from signing import sign_pdf

    unsigned = result_pdf(result, extraction, meta, settings)
    return sign_pdf(unsigned, workdir.work_dir(settings, result.sha256) / "signed.pdf", settings)


def _outcome(item: BatchItem, sha256: str, doc: StoredDocument, pages: int, reused: bool = False) -> DocumentOutcome:
    state = Outcome.NEEDS_REVIEW if doc.status.value == "draft" else Outcome.STORED
    return DocumentOutcome(
        name=item.name, outcome=state, sha256=sha256, document_id=doc.id,
        doc_type=doc.doc_type.value, pages=pages, reused=reused,
    )


def _finish(item: BatchItem, sha256: str, result: OcrResult, settings: Settings, store: Storage) -> StoredDocument:
    """Extract, keep the original, then sign and store (auto-approved) or store a draft (needs review)."""
    from extractors import extract

    extraction = extract(result, settings, item.meta)
    store.store_original(item.path, sha256)
    if extraction.decision is Decision.AUTO_APPROVED:
        signed = sign_result(result, extraction, item.meta, settings)
        return store.store_signed(signed, extraction, item.meta, sha256)
    draft = result_pdf(result, extraction, item.meta, settings)
    return store.store_draft(draft, extraction, item.meta, sha256)


def _store(
    item: BatchItem, sha256: str, batch_id: str, settings: Settings, gate: AbstractContextManager[object]
) -> DocumentOutcome:
    """The file's outcome: found in the catalog, quarantined as bad input, or processed now."""
    store = storage_for(settings)
    existing = store.catalog.by_original(sha256)
    if existing is not None:
        return _outcome(item, sha256, existing, 0, reused=True)
    try:
        result = recognise_cached(item.path, sha256, settings, gate)
    except InputFileError as e:
        store.quarantine(batch_id, item.name, item.path, e)
        log.info("flows.quarantined", file=item.name, reason=e.code)
        return DocumentOutcome(item.name, Outcome.QUARANTINED, sha256=sha256, reason=e.code)
    doc = _finish(item, sha256, result, settings, store)
    return _outcome(item, sha256, doc, len(result.pages))


def ingest_document(
    item: BatchItem, batch_id: str, settings: Settings, gate: AbstractContextManager[object] = nullcontext()
) -> DocumentOutcome:
    """One file to its end state, or a finished outcome from an earlier run."""
    sha256 = sha256_file(item.path)
    done = ledger.recorded(settings, sha256, item.name)
    if done is not None:
        return done
    outcome = _store(item, sha256, batch_id, settings, gate)
    ledger.record(settings, outcome)
    if outcome.outcome is Outcome.STORED:
        workdir.discard(settings, sha256)
    log.info("flows.document", file=item.name, outcome=outcome.outcome.value, pages=outcome.pages)
    return outcome
