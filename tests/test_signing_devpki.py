"""The development PKI's animator process: one per PKI folder, and nothing left behind when stopped."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import psutil
import pytest

from signing.devpki import ensure_dev_pki, stop_dev_pki
from sohoa.errors import ConfigurationError
from sohoa.settings import PROJECT_ROOT, Settings, load_settings
from sohoa.tools import run
from storage.local_minio import free_port
from tests.fixtures_signing import DevPkiFixture


def _animators(port: int) -> list[int]:
    """Pids of live certomancer animators serving ``port`` (zombies have no command line)."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        args = proc.info["cmdline"] or []
        if any("certomancer" in arg for arg in args) and "animate" in args and str(port) in args:
            found.append(proc.info["pid"])
    return found


def _fresh(tmp_path: Path) -> Settings:
    return load_settings(var_dir=tmp_path / "var", dev_pki_port=free_port())


def test_start_then_stop_leaves_no_process(tmp_path: Path) -> None:
    settings = _fresh(tmp_path)
    try:
        pki = ensure_dev_pki(settings)
        assert _animators(settings.dev_pki_port) == [int(pki.pid_file.read_text())]
    finally:
        stop_dev_pki(settings)
    assert _animators(settings.dev_pki_port) == []
    assert not pki.pid_file.exists()
    stop_dev_pki(settings)  # stopping twice is harmless


ENSURE = (
    "import sys; from pathlib import Path; from signing.devpki import ensure_dev_pki; "
    "from sohoa.settings import load_settings; "
    "print(ensure_dev_pki(load_settings(var_dir=Path(sys.argv[1]), dev_pki_port=int(sys.argv[2]))).base_url)"
)


def test_concurrent_ensure_yields_one_animator(tmp_path: Path) -> None:
    """Two processes and two threads create the same fresh PKI at once: one key set, one animator."""
    settings = _fresh(tmp_path)
    results: list[str] = []

    def in_process() -> None:
        results.append(ensure_dev_pki(settings).base_url)

    def in_child() -> None:
        argv = [sys.executable, "-c", ENSURE, str(settings.var_dir), str(settings.dev_pki_port)]
        results.append(run(argv, timeout=120, cwd=PROJECT_ROOT).stdout.decode().strip())

    workers = [threading.Thread(target=job) for job in (in_child, in_child, in_process, in_process)]
    try:
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert len(results) == 4 and set(results) == {f"http://127.0.0.1:{settings.dev_pki_port}"}
        pid = int((settings.var_dir / "pki" / "animator.pid").read_text())
        assert _animators(settings.dev_pki_port) == [pid]
        assert len(list((settings.var_dir / "pki" / "keys").glob("*.key.pem"))) == 11
    finally:
        stop_dev_pki(settings)
    assert _animators(settings.dev_pki_port) == []


def test_animator_ends_itself_when_its_pki_folder_is_gone(tmp_path: Path) -> None:
    """A script that deletes its temporary PKI folder without stop_dev_pki leaves no animator behind."""
    import shutil
    import time

    settings = _fresh(tmp_path)
    pki = ensure_dev_pki(settings)
    pid = int(pki.pid_file.read_text())
    shutil.rmtree(pki.pki_dir)
    deadline = time.monotonic() + 60  # the watchdog looks every 2 s; generous on a loaded machine
    while _animators(settings.dev_pki_port) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _animators(settings.dev_pki_port) == [], f"animator {pid} still running"


def test_another_pki_on_the_port_is_refused(dev_pki: DevPkiFixture, tmp_path: Path) -> None:
    """A second PKI folder pointed at the session PKI's port must not silently reuse foreign keys."""
    settings = load_settings(var_dir=tmp_path / "var", dev_pki_port=dev_pki.pki.port)
    with pytest.raises(ConfigurationError):
        ensure_dev_pki(settings)
    assert _animators(dev_pki.pki.port) == [int(dev_pki.pki.pid_file.read_text())]
