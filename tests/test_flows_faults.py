"""The batch flow under real faults: its process killed with SIGKILL, its MinIO stopped and restarted."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from flows import ingest_batch
from flows.batch import BatchSummary, Outcome
from sohoa.model import sha256_file
from sohoa.settings import PROJECT_ROOT, Settings
from storage import open_storage
from storage.local_minio import MinioServer
from tests.fixtures_storage import start_minio
from tests.cli_run import settings_env
from tests.fixtures_flows import CCCD, NOTICE, prefect_api_url, variant

FINISHED = (Outcome.STORED, Outcome.NEEDS_REVIEW)


def _four_documents(batch: Path, tag: str) -> list[Path]:
    """Two CCCDs (signed and stored) and two notices (drafts), all distinct contents."""
    return [
        variant(CCCD, batch / "HS-1" / "cccd-a.png", f"{tag}-1"),
        variant(NOTICE, batch / "HS-1" / "notice-a.png", f"{tag}-2"),
        variant(CCCD, batch / "HS-2" / "cccd-b.png", f"{tag}-3"),
        variant(NOTICE, batch / "HS-2" / "notice-b.png", f"{tag}-4"),
    ]


def _finished(settings: Settings) -> int:
    done = settings.var_dir / "flows" / "done"
    return len(list(done.glob("*.json"))) if done.exists() else 0


def _wait_for(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail("the batch made no progress in time")
        time.sleep(0.2)


def _assert_stored_once(settings: Settings, files: list[Path]) -> None:
    """One catalog row and one manifest per file, each row naming its own original."""
    with open_storage(settings) as store:
        rows = store.catalog.all()
        manifests = list(store.objects.keys(settings.bucket_documents, "", "/manifest.json"))
    assert sorted(r.original_sha256 or "" for r in rows) == sorted(sha256_file(f) for f in files)
    assert len(manifests) == len(files)


def test_kill_9_mid_batch_then_rerun_stores_every_document_exactly_once(
    flow_settings: Settings, tmp_path: Path, prefect_server: None
) -> None:
    batch = tmp_path / "batch"
    files = _four_documents(batch, "kill")
    env = {**os.environ, **settings_env(flow_settings), "SOHOA_PREFECT_API_URL": prefect_api_url()}
    child = subprocess.Popen(
        [PROJECT_ROOT / ".venv" / "bin" / "sohoa", "ingest", str(batch)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        _wait_for(lambda: _finished(flow_settings) >= 1 or child.poll() is not None, timeout=600)
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # the flow process and its OCR workers, like a power cut
        child.wait()
    finished_before = _finished(flow_settings)
    assert 1 <= finished_before < len(files), "the kill must land mid-batch"

    summary: BatchSummary = ingest_batch(batch, None, flow_settings)

    assert summary.complete and all(o.outcome in FINISHED for o in summary.outcomes)
    assert sum(o.reused for o in summary.outcomes) >= finished_before
    _assert_stored_once(flow_settings, files)


def test_minio_stopped_mid_batch_then_restarted_the_batch_completes(
    flow_settings: Settings, own_minio: MinioServer, tmp_path: Path, prefect_server: None
) -> None:
    settings = Settings(**{**flow_settings.model_dump(), "s3_endpoint": own_minio.endpoint})
    batch = tmp_path / "batch"
    files = _four_documents(batch, "minio")[:3]
    (batch / "HS-2" / "notice-b.png").unlink()
    result: list[BatchSummary] = []
    runner = threading.Thread(target=lambda: result.append(ingest_batch(batch, None, settings)))
    runner.start()
    restarted = own_minio
    try:
        _wait_for(lambda: _finished(settings) >= 1 or not runner.is_alive(), timeout=600)
        own_minio.stop()
        assert _finished(settings) < len(files), "MinIO must stop mid-batch"
        time.sleep(3)  # documents now in flight meet a dead object store
        restarted = start_minio(own_minio.data_dir, port=int(own_minio.endpoint.rsplit(":", 1)[1]))
        runner.join(timeout=600)
        assert result and result[0].complete, result and result[0].outcomes
        assert all(o.outcome in FINISHED for o in result[0].outcomes)
        _assert_stored_once(settings, files)
    finally:
        restarted.stop()
        own_minio.stop()
