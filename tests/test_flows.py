"""The batch flow end to end: real OCR, real signing (dev PKI), real MinIO, real Prefect server.

Batches are 2–4 single-page synthetic documents; OCR dominates their time.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flows import ingest_batch
from flows.cli import run_ingest
from flows.batch import BatchSummary, Outcome
from sohoa.model import DocumentStatus
from sohoa.settings import Settings
from storage import open_storage
from tests.fixtures_flows import CCCD, NOTICE, cccd_without_qr, corrupt_pdf, variant


def _by_name(summary: BatchSummary) -> dict[str, Outcome]:
    return {o.name: o.outcome for o in summary.outcomes}


def test_corrupt_file_is_quarantined_with_its_reason_and_the_rest_stored(
    flow_settings: Settings, tmp_path: Path, prefect_server: None, capsys: pytest.CaptureFixture[str]
) -> None:
    batch = tmp_path / "batch"
    variant(CCCD, batch / "HS-1" / "cccd.png", "quarantine-test")
    corrupt_pdf(batch / "HS-1" / "scan.pdf")

    summary = run_ingest(batch, None, flow_settings)  # what `sohoa ingest` runs

    outcomes = {o.name: o for o in summary.outcomes}
    assert _by_name(summary) == {"HS-1/cccd.png": Outcome.STORED, "HS-1/scan.pdf": Outcome.QUARANTINED}
    assert summary.complete
    bad = outcomes["HS-1/scan.pdf"]
    with open_storage(flow_settings) as store:
        stored = store.catalog.get(str(outcomes["HS-1/cccd.png"].document_id))
        key = f"quarantine/{summary.batch_id}/HS-1/scan.pdf.reason.json"
        reason = json.loads(store.objects.get_bytes(flow_settings.bucket_quarantine, key))
    assert stored.status is DocumentStatus.ACTIVE and stored.owner_id == "001099012345"
    assert stored.meta.dossier_code == "HS-1"
    assert reason["code"] == bad.reason and bad.reason in ("truncated_file", "corrupt_file")
    printed = capsys.readouterr().err
    assert "Cách ly / quarantined" in printed and f"HS-1/scan.pdf — {bad.reason}" in printed


def test_same_batch_twice_stores_nothing_twice_and_ocrs_nothing_twice(
    flow_settings: Settings, tmp_path: Path, prefect_server: None
) -> None:
    batch = tmp_path / "batch"
    variant(CCCD, batch / "HS-1" / "cccd.png", "twice-test")
    variant(NOTICE, batch / "HS-2" / "notice.png", "twice-test")

    first = ingest_batch(batch, None, flow_settings)
    second = ingest_batch(batch, None, flow_settings)
    shutil.rmtree(flow_settings.var_dir / "flows" / "done")  # as if killed before the ledger was written
    third = ingest_batch(batch, None, flow_settings)

    assert first.complete and not any(o.reused for o in first.outcomes)
    assert all(o.reused for o in second.outcomes + third.outcomes)
    assert _by_name(first) == _by_name(second) == _by_name(third)
    assert [o.document_id for o in first.outcomes] == [o.document_id for o in third.outcomes]
    assert not (flow_settings.var_dir / "work" / str(first.outcomes[0].sha256)).exists()  # stored: work folder gone
    with open_storage(flow_settings) as store:
        rows = store.catalog.all()
        versions = list(
            store.objects.client.list_objects(flow_settings.bucket_documents, prefix="", recursive=True, include_version=True)
        )
    assert sorted(r.id for r in rows) == sorted(str(o.document_id) for o in first.outcomes)
    pdf_versions = [v for v in versions if str(v.object_name).endswith((".pdf",))]
    assert len(pdf_versions) == 2  # one signed PDF, one draft PDF: nothing written twice


def test_reviewed_draft_is_signed_and_stored_once_with_the_reviewers_values(
    flow_settings: Settings, tmp_path: Path, prefect_server: None
) -> None:
    from flows import finalize, reverify
    from signing import read_embedded_extraction

    batch = tmp_path / "batch"
    cccd_without_qr(batch / "HS-3" / "cccd-no-qr.png")
    draft = ingest_batch(batch, None, flow_settings).outcomes[0]
    assert draft.outcome is Outcome.NEEDS_REVIEW

    reviewed = {"place_of_origin": "Xã Mẫu Sơn, Huyện Thử, Hà Nội", "id_number": "001099012346"}
    stored = finalize(str(draft.document_id), reviewed, flow_settings)
    again = finalize(str(draft.document_id), reviewed, flow_settings)
    rerun = ingest_batch(batch, None, flow_settings).outcomes[0]

    assert stored.id == again.id == draft.document_id and stored.status is DocumentStatus.ACTIVE
    assert stored.fields["id_number"] == "001099012346" and again.sha256 == stored.sha256
    assert rerun.outcome is Outcome.STORED and rerun.reused
    with open_storage(flow_settings) as store:
        signed = tmp_path / "signed.pdf"
        signed.write_bytes(store.pdf_bytes(stored.id))
        assert len(store.catalog.all()) == 1
    embedded = read_embedded_extraction(signed)
    assert embedded["fields"]["id_number"]["source"] == "review"
    assert embedded["fields"]["id_number"]["confidence"] == 1.0
    assert embedded["fields"]["id_number"]["alternatives"][0]["value"] == "001099012345"
    assert reverify(flow_settings).counts == {"valid": 1}
