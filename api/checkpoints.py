"""Signed audit checkpoints made by a child process of each API worker, at low CPU priority.

A checkpoint signs the chain head (CMS) and stores it under object lock in
MinIO. Made by a thread of the API worker, it held the worker's interpreter
lock in Python for its CPU time — about 10 ms in steady state, and over a
second for the first one, which imports the signing stack — while every
request of that process waited. Measured at 1,000 portal queries per second
(``bench/api.py``'s open loop, 100,000 documents, 2 workers, a checkpoint every
100 entries and at most one per 5 s per worker, 2026-12-07): p99 31-33 ms with
checkpoints in a thread and 12-14 ms with none, when the first checkpoint fell
inside the measured 10 s; with it before (a 10 s warm-up), three alternating
pairs gave p99 26/68/83 ms in a thread and 44/19/29 ms here. In a child
process the work holds no lock of the worker's, and at ``NICENESS`` the kernel
gives it only the CPU the requests leave; under load a checkpoint is late by
milliseconds, never lost (the next one covers the whole chain up to its head).
The price: one more process per API worker (its imports, ~3 s of CPU once at
low priority, and its memory).

The child opens its own storage from the worker's settings on first use and
keeps it; a child that dies (killed, out of memory) is replaced at the next
checkpoint, and the failure of the one in hand is raised to the caller. A
worker that dies without closing (SIGKILL, the OOM killer) takes its child with
it: the child watches its parent and exits once orphaned (its task queue never
reports the end: the child holds a write end of it too), and it ignores Ctrl-C,
which reaches the whole process group — its worker stops it.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from sohoa.settings import Settings

if TYPE_CHECKING:
    from storage import Storage

NICENESS = 10  # CFS weight 110 against a request-serving process's 1024
ORPHAN_CHECK_SECONDS = 1.0

_storage: Storage | None = None  # the child's own, opened by ``_open_child``


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(0)  # nothing of the child's is half-written: a checkpoint is one create-only object


def _open_child(settings: Settings) -> None:
    """The child's start: lower priority, bound to its worker's life, the same logs, its own storage."""
    global _storage
    os.nice(NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), name="orphan-watch", daemon=True).start()
    from sohoa import logs
    from storage import open_storage

    logs.configure()
    import signing  # noqa: F401 - the signing stack, imported now rather than inside the first checkpoint

    storage = open_storage(settings)
    atexit.register(storage.__exit__, None, None, None)
    _storage = storage


def _checkpoint_in_child() -> str | None:
    assert _storage is not None, "the pool's initializer opens it"
    return _storage.audit.checkpoint()


class CheckpointProcess:
    """``checkpoint()`` runs ``AuditLog.checkpoint`` in this process's checkpoint child, started on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"), _open_child, (self._settings,))
            return self._pool

    def checkpoint(self) -> str | None:
        """Sign and store the chain head; its object key, or None for an empty log or a repeat."""
        pool = self._executor()
        try:
            return pool.submit(_checkpoint_in_child).result()
        except BrokenProcessPool:
            with self._lock:  # the next checkpoint starts a fresh child
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False)
            raise

    def close(self) -> None:
        """Let a running checkpoint finish, then stop the child."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
