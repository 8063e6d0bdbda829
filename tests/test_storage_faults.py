"""The object store when the server is gone or is not an S3 server: sohoa errors, never client errors.

A real MinIO of the test's own is stopped (connection refused: urllib3's
``MaxRetryError``), and the endpoint is pointed at a real web server that is
not S3 (``InvalidResponseError``). Every storage operation must raise a plain
``StorageError`` (bilingual, exit code 1, retried by the flows) chained to the
client's error, and the CLI must exit with the documented code.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import urllib3.exceptions
from minio.error import InvalidResponseError, MinioException

from flows.ingest import TRANSIENT
from sohoa.errors import ExitCode, StorageError
from sohoa.settings import Settings
from storage import Storage, open_storage
from storage.local_minio import MinioServer, free_port
from tests.cli_run import settings_env
from tests.fixtures_storage import MakeDocument, store


def _assert_translated(action: Callable[[], object], cause: tuple[type[BaseException], ...]) -> StorageError:
    with pytest.raises(StorageError) as raised:
        action()
    error = raised.value
    assert type(error) is StorageError, "an unreachable server is not 'not found' nor 'conflict'"
    assert error.vi and error.en and error.vi != error.en
    assert isinstance(error.__cause__, cause), repr(error.__cause__)
    assert isinstance(error, TRANSIENT), "the flows must retry it"
    back = pickle.loads(pickle.dumps(error))  # what a worker process (Dask, post-OCR pool) sends back
    assert (type(back), back.vi, back.en, back.detail) == (StorageError, error.vi, error.en, error.detail)
    return error


@pytest.fixture
def own_settings(settings: Settings, own_minio: MinioServer, tmp_path: Path) -> Settings:
    return Settings(**{**settings.model_dump(), "s3_endpoint": own_minio.endpoint,
                       "database_url": f"sqlite:///{tmp_path / 'faults.sqlite3'}"})


def test_stopped_minio_every_operation_raises_a_storage_error(
    own_settings: Settings, own_minio: MinioServer, make_document: MakeDocument, tmp_path: Path
) -> None:
    with open_storage(own_settings, sign=False) as storage:
        doc = store(storage, make_document("before-the-outage"))
        own_minio.stop()
        bucket = own_settings.bucket_documents
        refused = (urllib3.exceptions.HTTPError,)
        for action in (
            lambda: storage.objects.put_bytes(bucket, "k", b"x", mode="COMPLIANCE", days=1, content_type="text/plain"),
            lambda: storage.objects.get_bytes(bucket, doc.pdf_key),
            lambda: storage.objects.stored_sha256(bucket, doc.pdf_key),
            lambda: list(storage.objects.keys(bucket, "documents/")),
            lambda: storage.pdf_bytes(doc.id),
            lambda: store(storage, make_document("during-the-outage")),
            lambda: storage.store_original(tmp_path / "faults.sqlite3", "0" * 64),
        ):
            _assert_translated(action, refused)
    _assert_translated(lambda: open_storage(own_settings, sign=False), refused)


def test_cli_exits_with_the_failure_code_when_minio_is_down(own_settings: Settings, own_minio: MinioServer) -> None:
    own_minio.stop()
    env = {**os.environ, **settings_env(own_settings)}
    done = subprocess.run([sys.executable, "-m", "sohoa.cli", "find", "--owner", "079301234567"],
                          capture_output=True, env=env, timeout=120, check=False)
    assert done.returncode == ExitCode.FAILURE
    err = done.stderr.decode()
    assert "[storage]" in err and "Không kết nối được kho đối tượng" in err and "Object store unreachable" in err
    assert "Traceback" not in err


@pytest.fixture
def web_server(tmp_path: Path) -> Iterator[str]:
    """A real HTTP server that is not S3 (Python's static file server): a misconfigured endpoint."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        urllib3.PoolManager().request("GET", f"http://127.0.0.1:{port}/",
                                      retries=urllib3.Retry(connect=50, backoff_factor=0.1, backoff_max=0.5))
        yield f"127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait()


def test_endpoint_that_is_not_s3_raises_a_storage_error(settings: Settings, web_server: str, tmp_path: Path) -> None:
    wrong = Settings(**{**settings.model_dump(), "s3_endpoint": web_server,
                        "database_url": f"sqlite:///{tmp_path / 'wrong.sqlite3'}"})
    error = _assert_translated(lambda: open_storage(wrong, sign=False), (InvalidResponseError,))
    assert isinstance(error.__cause__, MinioException)
