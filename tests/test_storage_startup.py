"""First opens of storage racing each other: threads of one process, then separate processes.

Every opener targets buckets and a catalog that do not exist yet, so all of them
try to create the buckets and run the migrations at the same moment (a barrier
in threads, a go-file for processes). Each must succeed and leave lock-enabled,
encrypted buckets and a catalog at the latest revision. Runs on SQLite and on
PostgreSQL (``catalog_url``). Without an endpoint, racing threads must start one
embedded MinIO between them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory

from sohoa.settings import Settings
from storage import open_storage
from storage.catalog import MIGRATIONS
from storage.local_minio import ensure_local_minio, free_port, stop_local_minio
from tests.cli_run import settings_env

OPENERS = 4
CHILD = """
import sys, time
from pathlib import Path
from sohoa.settings import load_settings
from storage import open_storage
go = Path(sys.argv[1])
Path(sys.argv[2]).touch()
while not go.exists():
    time.sleep(0.005)
open_storage(load_settings(), sign=False).catalog.close()
"""


def _assert_ready(settings: Settings) -> None:
    """Every bucket lock-enabled with a default retention and SSE; the catalog at Alembic head."""
    with open_storage(settings, sign=False) as store:
        client = store.objects.client
        for bucket in (settings.bucket_documents, settings.bucket_originals, settings.bucket_quarantine, settings.bucket_audit):
            assert client.get_object_lock_config(bucket).mode is not None, bucket
            assert client.get_bucket_encryption(bucket) is not None, bucket
        with store.catalog.engine.connect() as conn:
            version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert version == [ScriptDirectory.from_config(config).get_current_head()]


def test_threads_opening_storage_at_once(storage_settings: Settings) -> None:
    start = threading.Barrier(OPENERS)
    errors: list[BaseException] = []

    def open_once() -> None:
        start.wait()
        try:
            open_storage(storage_settings, sign=False).catalog.close()
        except BaseException as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=open_once) for _ in range(OPENERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    _assert_ready(storage_settings)


def _wait_until_ready(markers: list[Path], children: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 300
    while not all(m.exists() for m in markers):
        if time.monotonic() > deadline or any(c.poll() is not None for c in children):
            pytest.fail("an opener process did not get ready")
        time.sleep(0.05)


def test_processes_opening_storage_at_once(storage_settings: Settings, tmp_path: Path) -> None:
    env = {**os.environ, **settings_env(storage_settings)}
    go = tmp_path / "go"
    markers = [tmp_path / f"ready-{i}" for i in range(OPENERS)]
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(go), str(m)], env=env, stderr=subprocess.PIPE) for m in markers
    ]
    try:
        _wait_until_ready(markers, children)
        go.touch()
        failures = [c.communicate(timeout=300)[1].decode()[-2000:] for c in children]
    finally:
        for c in children:
            if c.poll() is None:
                c.kill()
    assert [c.returncode for c in children] == [0] * OPENERS, failures
    _assert_ready(storage_settings)


def test_threads_starting_the_embedded_minio_at_once_start_one(settings: Settings, tmp_path: Path) -> None:
    """With no endpoint configured, storage starts the embedded MinIO; racing openers must share one."""
    embedded = Settings(**{**settings.model_dump(), "s3_endpoint": None, "var_dir": tmp_path / "var",
                           "local_minio_port": free_port()})
    start = threading.Barrier(OPENERS)
    endpoints: list[str] = []
    errors: list[BaseException] = []

    def start_once() -> None:
        start.wait()
        try:
            endpoints.append(ensure_local_minio(embedded))
        except BaseException as e:  # collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=start_once) for _ in range(OPENERS)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert errors == []
        assert endpoints == [f"127.0.0.1:{embedded.local_minio_port}"] * OPENERS
        assert (embedded.var_dir / "minio" / "minio.pid").exists()
    finally:
        stop_local_minio(embedded)
