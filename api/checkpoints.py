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

A served worker starts its child before it takes requests (``prepare``, from
``api.app.app_from_environment``): started at the first checkpoint instead,
under load, the child's ~3 s of imports at low priority stretched over seconds
of traffic, and the first signature measured after a saturating warm-up took
2-3 s while requests around it queued (p99 at 1,000 req/s 30-67 ms in those
runs, 9-17 ms in the runs after). Preparing only imports: the child opens its
own storage from the worker's settings at its first checkpoint (so a worker
with nothing to sign starts no object store or PKI) and keeps it. A child that
dies (killed, out of memory) is replaced at the next checkpoint, and the
failure of the one in hand is raised to the caller. A
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
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

from sohoa.settings import Settings

from api.auditing import CHECKPOINT_MIN_SECONDS

if TYPE_CHECKING:
    from storage import Storage

T = TypeVar("T")
NICENESS = 10  # CFS weight 110 against a request-serving process's 1024
ORPHAN_CHECK_SECONDS = 1.0

_settings: Settings | None = None  # the worker's, given to ``_open_child``
_storage: Storage | None = None  # the child's own, opened at its first checkpoint


def _exit_when_orphaned(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(ORPHAN_CHECK_SECONDS)
    os._exit(0)  # nothing of the child's is half-written: a checkpoint is one create-only object


def _open_child(settings: Settings) -> None:
    """The child's start: lower priority, bound to its worker's life, the same logs, the signing stack."""
    global _settings
    os.nice(NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), name="orphan-watch", daemon=True).start()
    from sohoa import logs

    logs.configure()
    import signing  # noqa: F401 - the signing stack, imported now rather than inside the first checkpoint
    import storage  # noqa: F401

    _settings = settings


def _started() -> None:
    """Nothing: once it returns, the pool's initializer (``_open_child``) has run."""


def _checkpoint_in_child(spacing_seconds: float) -> bool:
    global _storage
    if _storage is None:
        from storage import open_storage

        assert _settings is not None, "the pool's initializer keeps them"
        _storage = open_storage(_settings)
        atexit.register(_storage.__exit__, None, None, None)
    if not _storage.audit.claim_checkpoint(timedelta(seconds=spacing_seconds)):
        return False
    _storage.audit.checkpoint()
    return True


class CheckpointProcess:
    """``checkpoint()`` runs ``AuditLog.checkpoint`` in this process's checkpoint child (started by ``prepare``
    or on first use) when this process wins the deployment's turn, at most one per ``spacing_seconds``."""

    def __init__(self, settings: Settings, spacing_seconds: float = CHECKPOINT_MIN_SECONDS) -> None:
        self._settings = settings
        self._spacing = spacing_seconds
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(1, multiprocessing.get_context("spawn"), _open_child, (self._settings,))
            return self._pool

    def prepare(self) -> None:
        """Start the child now and wait until its imports are done."""
        self._run(_started)

    def checkpoint(self) -> bool:
        """Sign and store the chain head (nothing for an empty log or a head already signed); False when
        another process of the deployment took its turn less than ``spacing_seconds`` ago
        (``AuditLog.claim_checkpoint``): then nothing is done now, and the caller tries again later."""
        return self._run(_checkpoint_in_child, self._spacing)

    def _run(self, call: Callable[..., T], *args: object) -> T:
        pool = self._executor()
        try:
            return pool.submit(call, *args).result()
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
