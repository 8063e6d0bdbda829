"""The certomancer animator as a background process that can always be found and stopped.

The animator is started directly (``signing/certomancer_animator.py``: certomancer's
CLI in the interpreter's own process, no shell, no wrapper) in a new session,
so the pid written to the pid file is the animator itself *and* the id of its
process group: stopping signals the whole
group (``os.killpg``), so nothing it might spawn survives it. Before signalling,
``/proc/<pid>/cmdline`` is checked to still be a certomancer animator on the
expected port, so a stale pid file never kills an unrelated process that reused
the pid. Callers serialise start and stop with ``devpki``'s file lock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from sohoa.errors import ConfigurationError
from sohoa.logs import get_logger

log = get_logger(__name__)

STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL
# Children of this process, kept so that stopping one also reaps it (no zombie left behind).
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def start(argv: Sequence[str], log_path: Path, pid_file: Path, serving: Callable[[], bool], timeout: float) -> int:
    """Start the animator detached, record its pid at once, wait until ``serving()``; return the pid.

    The pid is written before waiting so a caller interrupted during start-up
    still leaves a pid file ``stop`` can act on. A process that exits or does
    not serve within ``timeout`` seconds is stopped and reported.
    """
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(list(argv), stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    _CHILDREN[process.pid] = process
    pid_file.write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _forget(pid_file, process.pid)
            raise ConfigurationError(
                "PKI phát triển không khởi động được", "the development PKI exited at start", detail=f"see {log_path}"
            )
        try:
            if serving():
                return process.pid
        except Exception:  # e.g. another PKI answers on the port: ours must not linger
            stop(pid_file, port=None)
            raise
        time.sleep(0.2)
    stop(pid_file, port=None)
    raise ConfigurationError("PKI phát triển không phản hồi", "the development PKI did not answer", detail=str(log_path))


def running_pid(pid_file: Path, port: int | None) -> int | None:
    """The pid in ``pid_file`` if it is a live certomancer animator (on ``port`` when given)."""
    pid = _read_pid(pid_file)
    return pid if pid is not None and is_animator(pid, port) else None


def _read_pid(pid_file: Path) -> int | None:
    try:
        return int(pid_file.read_text())
    except (OSError, ValueError):
        return None


def is_animator(pid: int, port: int | None) -> bool:
    """True when ``pid`` runs certomancer's ``animate`` (with ``--port <port>`` when given)."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    if not any(b"certomancer" in arg for arg in args) or b"animate" not in args:
        return False
    return port is None or f"--port\0{port}".encode() in b"\0".join(args)


def stop(pid_file: Path, port: int | None) -> bool:
    """Stop the animator named by ``pid_file`` and its process group; True if one was running.

    SIGTERM first, SIGKILL after ``STOP_TIMEOUT`` seconds; returns once the
    process is gone (and reaped when it is our child). The pid file is removed.
    """
    pid = running_pid(pid_file, port)
    if pid is None:
        _forget(pid_file, _read_pid(pid_file))
        return False
    _signal_group(pid, signal.SIGTERM)
    if not _wait_gone(pid, STOP_TIMEOUT):
        _signal_group(pid, signal.SIGKILL)
        _wait_gone(pid, STOP_TIMEOUT)
    _forget(pid_file, pid)
    log.info("devpki.stopped", pid=pid)
    return True


def stop_children() -> list[int]:
    """Stop every animator this process started and has not stopped yet (test-session teardown)."""
    stopped = []
    for pid in list(_CHILDREN):
        if is_animator(pid, None):
            _signal_group(pid, signal.SIGTERM)
            if not _wait_gone(pid, STOP_TIMEOUT):
                _signal_group(pid, signal.SIGKILL)
                _wait_gone(pid, STOP_TIMEOUT)
            stopped.append(pid)
        _CHILDREN.pop(pid, None)
    return stopped


def _signal_group(pid: int, signum: int) -> None:
    """Signal the animator's process group (its pid: it leads its own session)."""
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        pass


def _wait_gone(pid: int, timeout: float) -> bool:
    """Wait until ``pid`` no longer runs; reap it when it is our child."""
    child = _CHILDREN.get(pid)
    if child is not None:
        try:
            child.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_animator(pid, None):
            return True
        time.sleep(0.05)
    return False


def _forget(pid_file: Path, pid: int | None) -> None:
    """Remove the pid file; reap ``pid`` if it is our child and has exited."""
    pid_file.unlink(missing_ok=True)
    child = _CHILDREN.get(pid) if pid is not None else None
    if child is not None and child.poll() is not None:
        _CHILDREN.pop(child.pid, None)
