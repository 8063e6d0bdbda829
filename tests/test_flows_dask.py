"""Scale-out: the batch flow with its document tasks on a local Dask cluster of two worker processes."""

from __future__ import annotations

from pathlib import Path

from flows.batch import Outcome
from flows.ingest import ingest_batch_on_dask
from sohoa.settings import Settings
from storage import open_storage
from tests.fixtures_flows import CCCD, NOTICE, variant


def test_batch_runs_on_a_local_dask_cluster_of_two_workers(
    flow_settings: Settings, tmp_path: Path, prefect_server: None
) -> None:
    batch = tmp_path / "batch"
    variant(CCCD, batch / "HS-1" / "cccd.png", "dask-test")
    variant(NOTICE, batch / "HS-2" / "notice.png", "dask-test")

    summary = ingest_batch_on_dask(batch, None, flow_settings, workers=2)

    assert summary.complete
    assert {o.name: o.outcome for o in summary.outcomes} == {
        "HS-1/cccd.png": Outcome.STORED, "HS-2/notice.png": Outcome.NEEDS_REVIEW,
    }
    with open_storage(flow_settings) as store:
        assert sorted(d.id for d in store.catalog.all()) == sorted(str(o.document_id) for o in summary.outcomes)
