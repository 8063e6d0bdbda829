"""The platform itself: real servers start, the CLI answers, errors map to exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest
import sqlalchemy

from sohoa.errors import ConfigurationError, EncryptedPdfError, ExitCode, NotFoundError, SohoaError
from sohoa.logs import mask
from sohoa.settings import PROJECT_ROOT, load_settings, settings_table
from storage.local_minio import MinioServer, free_port, minio_version
from storage.local_postgres import PostgresServer

SOHOA = [sys.executable, "-m", "sohoa.cli"]


def test_minio_binary_reports_pinned_build() -> None:
    version = minio_version(PROJECT_ROOT / "bin")
    assert version.startswith("minio version"), version
    assert "2026-02-12" in version, version


def test_minio_server_is_live(minio_server: MinioServer) -> None:
    with urllib.request.urlopen(f"http://{minio_server.endpoint}/minio/health/live", timeout=5) as r:
        assert r.status == 200


def test_postgres_cluster_answers(postgres_server: PostgresServer) -> None:
    engine = sqlalchemy.create_engine(postgres_server.url)
    with engine.connect() as conn:
        assert conn.execute(sqlalchemy.text("select 1 + 1")).scalar() == 2
    engine.dispose()


def test_help_is_bilingual() -> None:
    out = subprocess.run([*SOHOA, "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("ocr", "extract", "ingest", "sign", "find", "get", "verify", "serve"):
        assert command in out
    assert "Số hoá" in out


@pytest.mark.parametrize("args", [["verify"], ["verify", "--bogus", "x"], ["serve", "--port", "abc"],
                                  ["verify", "x.pdf", "--at", "June 2052"]])
def test_usage_errors_exit_2_with_a_message_not_a_traceback(args: list[str]) -> None:
    run = subprocess.run([*SOHOA, *args], capture_output=True, text=True)
    assert run.returncode == 2, run.stderr
    assert "Error:" in run.stderr and "Traceback" not in run.stderr


def test_errors_carry_exit_codes_and_both_languages() -> None:
    e = EncryptedPdfError("Tệp PDF bị mã hoá", "The PDF is encrypted")
    assert e.exit_code is ExitCode.BAD_INPUT and e.http_status == 422
    assert "mã hoá" in str(e) and "encrypted" in str(e)
    assert NotFoundError("x", "y").exit_code == 4
    assert issubclass(EncryptedPdfError, SohoaError)


def test_settings_reject_unknown_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_NO_SUCH_SETTING", "1")
    with pytest.raises(ConfigurationError, match="SOHOA_NO_SUCH_SETTING"):
        load_settings()


def test_settings_default_to_sqlite_under_var(tmp_path) -> None:
    s = load_settings(var_dir=tmp_path)
    assert s.catalog_url == f"sqlite:///{tmp_path / 'catalog.sqlite3'}"
    assert s.s3_endpoint is None


def test_logs_mask_id_numbers() -> None:
    assert mask("owner 079301234567 ok") == "owner *********567 ok"
    assert "0312687878" not in mask("tax 0312687878-001")
    assert mask("page 12 of 300") == "page 12 of 300"


def test_readme_settings_table_matches_the_settings() -> None:
    """README documents every setting as the code defines it (regenerate with ``sohoa.settings.settings_table``)."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert settings_table() in readme


def test_demo_stores_the_samples_and_answers_a_portal_query(tmp_path) -> None:
    """The README's first command's main job, from an empty ``var/``: embedded MinIO, PKI, SQLite, Prefect.

    Run as a user runs it (a child process, only ``SOHOA_*`` to move it off the
    default ports), then the local services it leaves running are stopped.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOHOA_", "PREFECT_"))}
    env |= {"SOHOA_VAR_DIR": str(tmp_path / "var"), "SOHOA_LOCAL_MINIO_PORT": str(free_port()),
            "SOHOA_DEV_PKI_PORT": str(free_port())}  # fmt: skip
    try:
        done = subprocess.run([*SOHOA, "demo"], capture_output=True, text=True, env=env, timeout=900, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        answer = json.loads(done.stdout)
        cards = [d for d in answer["documents"] if d["doc_type"] == "cccd_front"]
        assert cards and cards[0]["owner_id"] == "001099012345" and cards[0]["sha256"]
        assert "Đã lưu / stored" in done.stderr and "Chờ duyệt / needs review" in done.stderr
        assert (tmp_path / "var" / "catalog.sqlite3").is_file() and (tmp_path / "var" / "minio").is_dir()
    finally:
        subprocess.run([*SOHOA, "services", "stop"], capture_output=True, env=env, timeout=120, check=False)


def test_serve_never_logs_an_id_number_from_a_path_or_query(tmp_path) -> None:
    """The server's own log lines (uvicorn's and ours) for requests that carry a CCCD number in the path and query."""
    port, citizen = free_port(), "079301234567"
    env = {**os.environ, "SOHOA_VAR_DIR": str(tmp_path)}
    server = subprocess.Popen([*SOHOA, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        urls = [f"http://127.0.0.1:{port}/v1/owners/{citizen}/access-log?purpose=x",
                f"http://127.0.0.1:{port}/v1/documents?owner_id={citizen}&purpose=x"]  # fmt: skip
        answered = _statuses(urls, deadline=time.monotonic() + 120)
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0]
    assert answered == [401, 401], output
    assert '"request"' in output and "/v1/owners/{owner_id}/access-log" in output  # our line, by route template
    assert citizen not in output


def _statuses(urls: list[str], deadline: float) -> list[int]:
    """Each URL's status once the server answers (it imports the whole stack first)."""
    import urllib.error

    while True:
        try:
            statuses = []
            for url in urls:
                try:
                    urllib.request.urlopen(url, timeout=10)
                    statuses.append(200)
                except urllib.error.HTTPError as e:
                    statuses.append(e.code)
            return statuses
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
