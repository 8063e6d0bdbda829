"""Periodic validation of stored documents (the ``reverify`` flow).

Each active document's stored PDF (the exact version the catalog recorded,
checked against its hash) is verified as an auditor would, against the
extraction hash the catalog holds. A document that is no longer ``valid``
(revoked signer, broken timestamp, altered bytes) is reported with its checks;
nothing is changed. One task per document, the verification itself runs in
``signing.verify_pdf``.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, task
from prefect.futures import wait
from prefect.task_runners import ThreadPoolTaskRunner

from sohoa.model import DocumentStatus, Verdict
from sohoa.settings import Settings

from flows import resources
from flows.ingest import DOCUMENTS_IN_FLIGHT, RETRY_ON_IO


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
