"""Session fixtures that start real servers: MinIO and PostgreSQL on free loopback ports.

Nothing here is a mock. Each server is started once per test session in a
temporary folder and stopped at the end; tests get clients or settings
pointing at them. Tests that need the catalog use ``catalog_url``, which runs
them once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = [
    "tests.fixtures_signing",
    "tests.fixtures_storage",
    "tests.fixtures_extract",
    "tests.fixtures_flows",
    "tests.fixtures_api",
]

from sohoa.settings import PROJECT_ROOT, Settings, load_settings
from storage.local_minio import MinioServer, free_port, minio_version
from storage.local_postgres import PostgresServer

ACCESS_KEY = "sohoa-test"
SECRET_KEY = "sohoa-test-secret-key"


def _announce(config: pytest.Config, line: str) -> None:
    """Say in the test output which real server was started (CI logs must show it)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line(f"[sohoa] {line}")


@pytest.fixture(scope="session")
def minio_server(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Iterator[MinioServer]:
    """A real MinIO server for the whole session."""
    base = tmp_path_factory.mktemp("minio")
    server = MinioServer.start(
        bin_dir=PROJECT_ROOT / "bin",
        data_dir=base / "data",
        port=free_port(),
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
    )
    _announce(pytestconfig, f"started {minio_version(PROJECT_ROOT / 'bin')} at {server.endpoint}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_server(pytestconfig: pytest.Config) -> Iterator[PostgresServer]:
    """A real PostgreSQL cluster for the whole session (in /tmp: the postgres user must reach it)."""
    server = PostgresServer.start(Path(tempfile.mkdtemp(prefix="sohoa-pg-")), free_port())
    _announce(pytestconfig, f"started PostgreSQL on 127.0.0.1:{server.port}")
    yield server
    server.stop(remove=True)


@pytest.fixture(params=["sqlite", "postgres"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty catalog database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def settings(tmp_path: Path, minio_server: MinioServer) -> Settings:
    """Settings pointing at the session MinIO with buckets unique to this test."""
    suffix = uuid.uuid4().hex[:8]
    return load_settings(
        var_dir=tmp_path / "var",
        s3_endpoint=minio_server.endpoint,
        s3_access_key=ACCESS_KEY,
        s3_secret_key=SECRET_KEY,
        bucket_documents=f"docs-{suffix}",
        bucket_originals=f"orig-{suffix}",
        bucket_quarantine=f"quar-{suffix}",
        bucket_audit=f"audit-{suffix}",
        retention_days_signed=1,
        retention_days_draft=1,
    )
