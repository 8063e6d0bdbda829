"""The batch flow: one Prefect task per document, a thread task runner, retries on I/O only.

Granularity: a task is one document (never a page or a stage), and tasks pass
paths and hashes, never image bytes. OCR parallelism lives inside
``recognise_file`` (``settings.workers`` Tesseract processes per file); the
flow runs one document more than there are cores, and ``flows.slots`` lets
documents OCR only while Tesseract processes stay within ``settings.workers``
(one-page scans side by side, a long PDF alone on every core), so one document
can be signed and stored while the cores OCR the next ones — signing and
storage never starve OCR, OCR never oversubscribes the cores. With a Dask task
runner each Dask worker process has its own slots.

Retries with exponential backoff happen only for object store, catalog and TSA
errors; bad input was already turned into a quarantine outcome by the step,
and anything else fails the file (the batch goes on, the summary says so).
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import urllib3.exceptions
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff

from sohoa.errors import CatalogError, StorageError, TimestampError
from sohoa.settings import Settings

from flows import progress, resources, steps
from flows.batch import BatchItem, BatchSummary, DocumentOutcome, Outcome, discover, estimate_pages
from flows.slots import ocr_slots

DOCUMENTS_IN_FLIGHT = (os.cpu_count() or 1) + 1  # every core OCRing, plus one document signing/storing
# urllib3's connection errors: the S3 client's "server unreachable", which storage does not translate yet
TRANSIENT = (StorageError, CatalogError, TimestampError, urllib3.exceptions.HTTPError)
RETRIES = 5  # 1 + 2 + 4 + 8 + 16 s (±20 %): rides out a MinIO or database restart


def is_transient(_task: Any, _run: Any, state: Any) -> bool:
    """Prefect retry condition: retry only object store, catalog and TSA errors."""
    try:
        state.result()
    except TRANSIENT:
        return True
    except Exception:  # everything else is final for this file
        return False
    return False


RETRY_ON_IO: dict[str, Any] = {
    "retries": RETRIES,
    "retry_delay_seconds": exponential_backoff(backoff_factor=1),
    "retry_jitter_factor": 0.2,
    "retry_condition_fn": is_transient,
    "cache_policy": NO_CACHE,  # idempotence is ours (ledger, catalog); Prefect need not hash settings
}


@task(name="ingest-document", task_run_name="ingest {item.name}", **RETRY_ON_IO)
def ingest_document_task(item: BatchItem, batch_id: str, settings: Settings) -> DocumentOutcome:
    gate = ocr_slots(settings.workers).hold(estimate_pages(item.path))
    return steps.ingest_document(item, batch_id, settings, gate)


def _failed(item: BatchItem, error: BaseException) -> DocumentOutcome:
    reason = getattr(error, "code", None) or type(error).__name__
    return DocumentOutcome(item.name, Outcome.FAILED, reason=f"{reason}: {error}")


def _collect(futures: dict[PrefectFuture[DocumentOutcome], BatchItem], batch_id: str) -> list[DocumentOutcome]:
    """Outcomes in completion order, each reported to the batch's progress listener."""
    outcomes = []
    for future in as_completed(list(futures)):
        result = future.result(raise_on_failure=False)
        outcome = result if isinstance(result, DocumentOutcome) else _failed(futures[future], result)
        progress.report(batch_id, outcome)
        outcomes.append(outcome)
    return outcomes


@flow(name="ingest-batch", task_runner=ThreadPoolTaskRunner(max_workers=DOCUMENTS_IN_FLIGHT))
def ingest_batch(directory: Path, manifest: Path | None, settings: Settings, batch_id: str | None = None) -> BatchSummary:
    """Every file of a batch folder to stored / needs review / quarantined; never stops on one file."""
    started = time.monotonic()
    batch_id = batch_id or uuid.uuid4().hex[:12]
    items = discover(directory, manifest)
    futures = {ingest_document_task.submit(item, batch_id, settings): item for item in items}
    try:
        outcomes = _collect(futures, batch_id)
    finally:
        resources.release(settings)
    order = {item.name: i for i, item in enumerate(items)}
    outcomes.sort(key=lambda o: order[o.name])
    return BatchSummary(batch_id, tuple(outcomes), time.monotonic() - started)
