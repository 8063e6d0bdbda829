"""The batch flow: one Prefect task per document, a thread task runner, retries on I/O only.

A batch runs as consecutive sub-flows of ``CHUNK`` documents (Prefect's
per-task bookkeeping is freed at the end of each), each submitting documents
through a sliding window, so memory stays flat over thousands of files.

Granularity: a task is one document (never a page or a stage), and tasks pass
paths and hashes, never image bytes. OCR parallelism lives inside
``recognise_file`` (``settings.workers`` Tesseract processes per file); the
flow keeps about twice as many documents in flight as there are cores, and
``flows.slots`` lets documents OCR only while Tesseract processes stay within
``settings.workers`` (one-page scans side by side, a long PDF alone on every
core), so documents are extracted, signed and stored while the cores OCR the
next ones — signing and storage never starve OCR, OCR never oversubscribes the
cores. With a Dask task runner each Dask worker process has its own slots.

Retries with exponential backoff happen only for object store, catalog and TSA
errors; bad input was already turned into a quarantine outcome by the step,
and anything else fails the file (the batch goes on, the summary says so).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture, as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from prefect.tasks import exponential_backoff

from sohoa.errors import CatalogError, StorageError, TimestampError
from sohoa.settings import Settings, usable_cores

from flows import progress, resources, steps
from flows.batch import BatchItem, BatchSummary, DocumentOutcome, Outcome, discover, estimate_pages
from flows.slots import ocr_slots

# every core OCRing, plus as many documents again in extraction / PDF building / signing / storing,
# which take longer than a page's OCR (bench/batch.py: ~1 s OCR, ~3 s after it, much of it waiting)
DOCUMENTS_IN_FLIGHT = 2 * usable_cores() + 1
WINDOW = 4 * DOCUMENTS_IN_FLIGHT  # documents submitted ahead of completion (bounds the flow's memory)
CHUNK = 100  # documents per sub-flow run (Prefect's per-task bookkeeping is freed when a sub-flow ends)
# storage translates every S3 client error (refusals and an unreachable server alike) into StorageError
TRANSIENT = (StorageError, CatalogError, TimestampError)
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


def run_windowed(
    submit: Callable[[BatchItem], PrefectFuture[DocumentOutcome]], items: Iterable[BatchItem], window: int
) -> Iterator[DocumentOutcome]:
    """Outcomes in completion order, with at most ``window`` documents submitted and unfinished.

    Submitting a whole batch at once keeps thousands of futures (and their
    states) alive; a sliding window keeps the flow's memory bounded by the
    window, not the batch.
    """
    queue = iter(items)
    pending: dict[PrefectFuture[DocumentOutcome], BatchItem] = {}
    while True:
        while len(pending) < window and (item := next(queue, None)) is not None:
            pending[submit(item)] = item
        if not pending:
            return
        future = next(as_completed(list(pending)))
        item = pending.pop(future)
        result = future.result(raise_on_failure=False)
        yield result if isinstance(result, DocumentOutcome) else _failed(item, result)


def dask_runner(address: str) -> TaskRunner[Any]:
    """A Dask task runner on the scheduler at ``address`` (each Dask worker process has its own OCR slots)."""
    from prefect_dask import DaskTaskRunner

    return DaskTaskRunner(address=address)


@flow(name="ingest-chunk", task_runner=ThreadPoolTaskRunner(max_workers=DOCUMENTS_IN_FLIGHT))
def ingest_chunk(items: list[BatchItem], batch_id: str, settings: Settings) -> list[DocumentOutcome]:
    """Up to ``CHUNK`` documents as one sub-flow run, each outcome reported to the batch's listener."""
    outcomes = []
    for outcome in run_windowed(lambda i: ingest_document_task.submit(i, batch_id, settings), items, WINDOW):
        progress.report(batch_id, outcome)
        outcomes.append(outcome)
    return outcomes


def _run_chunks(
    directory: Path, manifest: Path | None, settings: Settings, batch_id: str | None, chunk_flow: Any
) -> BatchSummary:
    """The batch as consecutive sub-flows of ``CHUNK`` documents.

    Prefect keeps per-task bookkeeping for the life of a flow run; ending a
    sub-flow every ``CHUNK`` documents releases it, so memory stays flat however
    long the batch (bench/batch.py: 200 vs 2,000 documents).
    """
    started = time.monotonic()
    batch_id = batch_id or uuid.uuid4().hex[:12]
    items = discover(directory, manifest)
    outcomes: list[DocumentOutcome] = []
    try:
        resources.prepare(settings)
        for start in range(0, len(items), CHUNK):
            outcomes.extend(chunk_flow(items[start : start + CHUNK], batch_id, settings))
    finally:
        resources.release(settings)
    order = {item.name: i for i, item in enumerate(items)}
    outcomes.sort(key=lambda o: order[o.name])
    return BatchSummary(batch_id, tuple(outcomes), time.monotonic() - started)


@flow(name="ingest-batch")
def ingest_batch(directory: Path, manifest: Path | None, settings: Settings, batch_id: str | None = None) -> BatchSummary:
    """Every file of a batch folder to stored / needs review / quarantined; never stops on one file."""
    return _run_chunks(directory, manifest, settings, batch_id, ingest_chunk)


@flow(name="ingest-batch-dask")
def ingest_batch_on_dask(
    directory: Path, manifest: Path | None, settings: Settings, dask_address: str | None = None, workers: int = 2
) -> BatchSummary:
    """``ingest_batch`` with documents spread over a Dask cluster: the scheduler at ``dask_address``,
    or a local cluster of ``workers`` processes started for this batch. The batch folder, MinIO and
    the catalog must be reachable from every Dask worker."""
    if dask_address:
        return _run_chunks(directory, manifest, settings, None, ingest_chunk.with_options(task_runner=dask_runner(dask_address)))
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster:
        runner = dask_runner(str(cluster.scheduler_address))
        return _run_chunks(directory, manifest, settings, None, ingest_chunk.with_options(task_runner=runner))
