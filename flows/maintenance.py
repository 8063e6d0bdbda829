"""Periodic care of stored documents: validation (``reverify``) and archive re-timestamping (``retimestamp``).

Each active document's stored PDF (the exact version the catalog recorded,
checked against its hash) is verified as an auditor would, against the
extraction hash the catalog holds. A document that is no longer ``valid``
(revoked signer, broken timestamp, altered bytes) is reported with its checks;
nothing is changed. One task per document, the verification itself runs in
``signing.verify_pdf``.

``retimestamp`` keeps the evidence of signed documents (active, superseded or
revoked alike) verifiable for decades (PAdES B-LTA): a document is due when its
newest timestamp is older than ``settings.retimestamp_after_days`` (algorithms
age), or when that timestamp's TSA certificate expires within
``settings.retimestamp_tsa_margin_days`` and today's TSA certificate lasts
longer (re-timestamping with the same certificate would gain nothing, and would
never stop being due). Documents whose TSA expiry the catalog does not know yet
are surveyed first (their stored PDF read once). The new revision is stored as a
new object version by ``Storage.store_retimestamped``; the old one stays locked.
Resumable and idempotent: every finished document leaves the catalog saying
"not due", so a re-run (or a crashed run re-run) does only what is left.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.futures import wait
from prefect.task_runners import ThreadPoolTaskRunner

from sohoa.errors import ConflictError
from sohoa.logs import get_logger
from sohoa.model import DocumentStatus, Verdict
from sohoa.settings import Settings

from flows import resources
from flows.ingest import DOCUMENTS_IN_FLIGHT, RETRY_ON_IO
from signing.timestamps import current_tsa, newest_timestamp

log = get_logger(__name__)
SELECT_BATCH = 500  # documents selected per catalog query (a run goes on until nothing is left)


@dataclass(frozen=True)
class Reverification:
    """Outcome of one ``reverify`` run: verdict counts and the documents needing attention."""

    counts: dict[str, int]
    problems: tuple[tuple[str, str], ...]  # (document id, verdict) of every document not valid


def reverify_document(document_id: str, settings: Settings) -> Verdict:
    """Verify one stored document's signed PDF against its catalogued extraction hash."""
    from signing import verify_pdf

    store = resources.storage_for(settings)
    doc = store.catalog.get(document_id)
    with tempfile.TemporaryDirectory(prefix="sohoa-reverify-") as tmp:
        path = Path(tmp) / "signed.pdf"
        path.write_bytes(store.pdf_bytes(document_id))
        return verify_pdf(path, settings, expected_extraction_sha256=doc.extraction_sha256).verdict


@task(name="reverify-document", task_run_name="reverify {document_id}", **RETRY_ON_IO)
def reverify_task(document_id: str, settings: Settings) -> Verdict:
    return reverify_document(document_id, settings)


@flow(name="reverify", task_runner=ThreadPoolTaskRunner(max_workers=DOCUMENTS_IN_FLIGHT))
def reverify(settings: Settings) -> Reverification:
    """Verify every active document of the catalog; report those that are not valid."""
    try:
        resources.prepare(settings)
        active = [d.id for d in resources.storage_for(settings).catalog.all() if d.status is DocumentStatus.ACTIVE]
        futures = {doc_id: reverify_task.submit(doc_id, settings) for doc_id in active}
        wait(list(futures.values()))
        verdicts = {doc_id: f.result() for doc_id, f in futures.items()}
    finally:
        resources.release(settings)
    problems = tuple((d, v.value) for d, v in verdicts.items() if v is not Verdict.VALID)
    return Reverification(dict(Counter(v.value for v in verdicts.values())), problems)


# --- archive re-timestamping ---------------------------------------------------------


@dataclass(frozen=True)
class Retimestamping:
    """Outcome of one ``retimestamp`` run."""

    surveyed: int  # documents whose newest timestamp was read into the catalog
    retimestamped: tuple[str, ...]  # ids given a new archive timestamp (new object version)
    failed: tuple[tuple[str, str], ...]  # (document id, reason) after every retry; re-run to retry


@contextmanager
def _stored_pdf(document_id: str, settings: Settings) -> Iterator[Path]:
    """The document's catalogued PDF (hash-checked) in a private temporary file."""
    with tempfile.TemporaryDirectory(prefix="sohoa-archive-") as tmp:
        path = Path(tmp) / "signed.pdf"
        path.write_bytes(resources.storage_for(settings).pdf_bytes(document_id))
        yield path


def survey_document(document_id: str, settings: Settings) -> None:
    """Record the stored PDF's newest timestamp and its TSA certificate's expiry in the catalog."""
    with _stored_pdf(document_id, settings) as path:
        resources.storage_for(settings).record_archive(document_id, newest_timestamp(path))


def retimestamp_document(document_id: str, settings: Settings) -> bool:
    """Give the stored PDF a new document timestamp and store it as a new version; False when
    another run re-timestamped it meanwhile (nothing is lost: both revisions stay locked)."""
    from signing import retimestamp

    store = resources.storage_for(settings)
    previous = store.catalog.get(document_id).sha256
    with _stored_pdf(document_id, settings) as path:
        retimestamp(path, settings)
        try:
            store.store_retimestamped(document_id, path, newest_timestamp(path), previous)
        except ConflictError:
            return False
    log.info("flows.retimestamped", document_id=document_id)
    return True


@task(name="survey-document", task_run_name="survey {document_id}", **RETRY_ON_IO)
def survey_task(document_id: str, settings: Settings) -> None:
    survey_document(document_id, settings)


@task(name="retimestamp-document", task_run_name="retimestamp {document_id}", **RETRY_ON_IO)
def retimestamp_task(document_id: str, settings: Settings) -> bool:
    return retimestamp_document(document_id, settings)


@task(name="current-tsa", **RETRY_ON_IO)
def current_tsa_task(settings: Settings) -> datetime | None:
    """Until when today's TSA certificate is valid (a task: the TSA may need retries)."""
    return current_tsa(settings).tsa_not_after


def _run_all(task_fn: Any, ids: list[str], settings: Settings) -> dict[str, Any]:
    """Each id through ``task_fn`` in parallel; an id's value, or the exception it ended with."""
    futures = {doc_id: task_fn.submit(doc_id, settings) for doc_id in ids}
    wait(list(futures.values()))
    return {doc_id: f.result(raise_on_failure=False) for doc_id, f in futures.items()}


def _survey_all(settings: Settings, failed: dict[str, str]) -> int:
    """Survey every document whose TSA expiry is unknown, batch after batch."""
    catalog, surveyed = resources.storage_for(settings).catalog, 0
    while ids := [i for i in catalog.unsurveyed(SELECT_BATCH + len(failed)) if i not in failed]:
        for doc_id, result in _run_all(survey_task, ids, settings).items():
            if isinstance(result, BaseException):
                failed[doc_id] = f"{type(result).__name__}: {result}"
            else:
                surveyed += 1
    return surveyed


def _due(settings: Settings, now: datetime, tsa_not_after: datetime | None, skip: set[str]) -> list[str]:
    """The next documents due, per the module's rule (see the docstring)."""
    older_than = now - timedelta(days=settings.retimestamp_after_days)
    margin = now + timedelta(days=settings.retimestamp_tsa_margin_days)
    expiring_before = min(margin, tsa_not_after) if tsa_not_after else margin
    catalog = resources.storage_for(settings).catalog
    return [i for i in catalog.due_for_timestamp(older_than, expiring_before, SELECT_BATCH + len(skip)) if i not in skip]


@flow(name="retimestamp", task_runner=ThreadPoolTaskRunner(max_workers=DOCUMENTS_IN_FLIGHT))
def retimestamp_archive(settings: Settings) -> Retimestamping:
    """Survey, then re-timestamp every signed document that is due; one failure never stops the run."""
    failed: dict[str, str] = {}
    done: list[str] = []
    handled: set[str] = set()  # this run's documents: never selected twice, whatever the clock says
    try:
        resources.prepare(settings)
        surveyed = _survey_all(settings, failed)
        now, tsa_not_after = datetime.now(timezone.utc), current_tsa_task(settings)
        while ids := _due(settings, now, tsa_not_after, handled | set(failed)):
            for doc_id, result in _run_all(retimestamp_task, ids, settings).items():
                handled.add(doc_id)
                if isinstance(result, BaseException):
                    failed[doc_id] = f"{type(result).__name__}: {result}"
                elif result:  # False: another run re-timestamped it meanwhile
                    done.append(doc_id)
    finally:
        resources.release(settings)
    return Retimestamping(surveyed, tuple(done), tuple(sorted(failed.items())))
