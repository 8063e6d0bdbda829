"""The MinIO server program, wrapped once.

Two uses: the embedded default (``ensure_local_minio`` starts a single-node
server with data under ``var/minio`` and leaves it running, like a development
database) and the test suite (``MinioServer.start`` on a free port in a
temporary folder, stopped at the end). The server gets a static SSE key
(``MINIO_KMS_SECRET_KEY``) generated once and kept beside its data, so buckets
can default to SSE-S3. Everything else talks to it only through the S3 API.
"""

from __future__ import annotations

import base64
import fcntl
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from sohoa.errors import MissingDependencyError, StorageError
from sohoa.logs import get_logger
from sohoa.settings import Settings

log = get_logger(__name__)
KMS_KEY_NAME = "sohoa-sse"


def free_port() -> int:
    """A loopback TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def minio_binary(bin_dir: Path) -> Path:
    path = bin_dir / "minio"
    if not path.exists():
        raise MissingDependencyError(
            "Chưa có máy chủ MinIO; hãy chạy scripts/setup",
            f"MinIO server not found at {path}; run scripts/setup",
        )
    return path


def minio_version(bin_dir: Path) -> str:
    """What ``minio --version`` prints on its first line (the pinned release)."""
    out = subprocess.run([minio_binary(bin_dir), "--version"], capture_output=True, timeout=30, check=False)
    return out.stdout.decode(errors="replace").splitlines()[0].strip()


def _kms_key(data_dir: Path) -> str:
    """The server's static SSE key as ``name:base64``, created once with mode 0600."""
    key_file = data_dir.parent / f"{data_dir.name}.kms-key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(f"{KMS_KEY_NAME}:{base64.b64encode(secrets.token_bytes(32)).decode()}")
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _healthy(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{endpoint}/minio/health/live", timeout=1) as r:
            return bool(r.status == 200)
    except OSError:
        return False


@dataclass
class MinioServer:
    """A running MinIO server process on loopback."""

    endpoint: str
    access_key: str
    secret_key: str
    data_dir: Path
    process: subprocess.Popen[bytes] | None

    @classmethod
    def start(
        cls,
        *,
        bin_dir: Path,
        data_dir: Path,
        port: int,
        access_key: str,
        secret_key: str,
        detach: bool = False,
        timeout: float = 60.0,
    ) -> MinioServer:
        """Start a single-drive server and wait until it answers its health check."""
        binary = minio_binary(bin_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        endpoint = f"127.0.0.1:{port}"
        env = {
            **os.environ,
            "MINIO_ROOT_USER": access_key,
            "MINIO_ROOT_PASSWORD": secret_key,
            "MINIO_KMS_SECRET_KEY": _kms_key(data_dir),
            "MINIO_BROWSER": "off",
            "MINIO_UPDATE": "off",
            "MINIO_CALLHOME_ENABLE": "off",
        }
        log_file = (data_dir.parent / f"{data_dir.name}.log").open("ab")
        process = subprocess.Popen(
            [binary, "server", str(data_dir), "--address", endpoint, "--console-address", f"127.0.0.1:{free_port()}", "--quiet"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=detach,
        )
        log_file.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise StorageError("MinIO không khởi động được", "MinIO exited at start", detail=f"see {data_dir}.log")
            if _healthy(endpoint):
                log.info("minio.started", endpoint=endpoint, pid=process.pid, version=minio_version(bin_dir))
                return cls(endpoint, access_key, secret_key, data_dir, process)
            time.sleep(0.2)
        process.kill()
        raise StorageError("MinIO không phản hồi", "MinIO did not become healthy", detail=endpoint)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def ensure_local_minio(settings: Settings) -> str:
    """Endpoint of the embedded MinIO, started in the background if it is not running.

    Processes and threads opening storage at once start one server: the start
    is serialised by an ``flock`` on ``var/minio/start.lock`` and the health
    check repeated under it."""
    endpoint = f"127.0.0.1:{settings.local_minio_port}"
    if _healthy(endpoint):
        return endpoint
    folder = settings.var_dir / "minio"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "start.lock").open("a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if _healthy(endpoint):
            return endpoint
        server = MinioServer.start(
            bin_dir=settings.bin_dir,
            data_dir=folder / "data",
            port=settings.local_minio_port,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key.get_secret_value(),
            detach=True,
        )
        assert server.process is not None
        (folder / "minio.pid").write_text(str(server.process.pid))
    return endpoint


def stop_local_minio(settings: Settings) -> None:
    """Stop the embedded MinIO started by ``ensure_local_minio``, if any."""
    pid_file = settings.var_dir / "minio" / "minio.pid"
    if not pid_file.exists():
        return
    try:
        os.kill(int(pid_file.read_text()), signal.SIGTERM)
    except (ProcessLookupError, ValueError):
        pass
    pid_file.unlink()
