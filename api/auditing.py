"""Group commit of audit entries: every access is durable in the chain before its answer leaves.

A request queues its entries and waits for them. One flush at a time takes
everything queued so far and appends it with ``AuditLog.append_many`` in a
single transaction, then resolves the futures of all those requests. While one
flush commits, the next requests queue up, so the batch grows with the load by
itself (no fixed timer: an idle service answers after one commit, a busy one
shares each commit between many requests). Who flushes: a request thread
waiting in ``AuditWriter.write`` that finds no flush running does it for
everyone queued (leader/follower: no hand-over to another thread and back on
the request's path), and the writer thread does it for entries given to
``submit`` with no thread waiting on them. If a flush fails, every request
waiting on it gets the error (HTTP 503) and none of its entries is in the
chain: nothing is lost silently and nothing is retried behind the caller's
back, so nothing is written twice. A ``submit`` future cancelled before its
flush starts (the request went away unanswered) is dropped with its entries;
once its flush has started they are written.

Signed checkpoints that fall due are handed by a second thread to ``checkpoint``
(in the API: a low-priority child process, ``api.checkpoints``, so their CMS
signature and MinIO writes never hold up a request), at most one every
``CHECKPOINT_MIN_SECONDS`` (each covers the whole chain up to its head).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass

from sohoa.errors import CatalogError, SohoaError
from sohoa.logs import get_logger
from storage.audit import AuditEntry, AuditLog, NewEntry

log = get_logger(__name__)
MAX_BATCH_ENTRIES = 5000  # one INSERT of this many rows still commits in milliseconds
CHECKPOINT_MIN_SECONDS = 5.0  # a signed checkpoint costs ~0.1-0.5 s of CPU (CMS signature, locked MinIO writes)


@dataclass
class _Pending:
    entries: Sequence[NewEntry]
    future: Future[list[AuditEntry]]
    led: bool  # a thread waits in ``write`` and flushes it itself if nobody else does first


def _unavailable(error: BaseException) -> CatalogError:
    """What each waiting request receives when its flush failed: a fresh 503 naming the cause."""
    cause = error.code if isinstance(error, SohoaError) else type(error).__name__
    return CatalogError("Không ghi được nhật ký truy cập; hãy thử lại", "the access could not be audited; retry",
                        detail=cause)  # fmt: skip


class AuditWriter:
    """Group commit for one process: request threads flush for each other, a writer thread for the rest.

    ``audit_log`` is called by whoever flushes first (opening storage never
    blocks the event loop); ``checkpoint`` signs and stores the chain head when
    a flush crossed a checkpoint boundary. Several processes may each run a
    writer: the chain itself is serialised by ``AuditLog.append_many``'s lock.
    """

    def __init__(self, audit_log: Callable[[], AuditLog], checkpoint: Callable[[], object]) -> None:
        self._audit_log = audit_log
        self._checkpoint = checkpoint
        self._queue: deque[_Pending] = deque()
        self._wake = threading.Condition()
        self._flushing = False  # one flush at a time, whoever runs it
        self._checkpoint_due = threading.Event()
        self._stopping = threading.Event()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._write_loop, name="audit-writer", daemon=True),
            threading.Thread(target=self._checkpoint_loop, name="audit-checkpoints", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, entries: Sequence[NewEntry]) -> Future[list[AuditEntry]]:
        """Queue ``entries`` (kept together, in order); the future resolves once they are committed."""
        return self._queue_up(entries, led=False)

    def write(self, entries: Sequence[NewEntry]) -> list[AuditEntry]:
        """Blocking form, for handlers running in a worker thread: this thread flushes everything queued
        when no flush is running, else waits for the running one (and leads the next if still needed)."""
        future = self._queue_up(entries, led=True)
        while not future.done():
            with self._wake:
                while self._flushing and not future.done():
                    self._wake.wait()
                if future.done():
                    break
                batch = self._claim()
            self._flush_claimed(batch)
        return future.result()

    def _queue_up(self, entries: Sequence[NewEntry], *, led: bool) -> Future[list[AuditEntry]]:
        future: Future[list[AuditEntry]] = Future()
        if not entries:
            future.set_result([])
            return future
        with self._wake:
            if self._closed:
                raise CatalogError("Dịch vụ đang dừng", "the service is shutting down")
            self._queue.append(_Pending(entries, future, led))
            if not led and not self._flushing:  # a running flush wakes everyone when it ends
                self._wake.notify_all()
        return future

    def _claim(self) -> list[_Pending]:
        """With ``_wake`` held and no flush running: start one with everything queued (up to
        ``MAX_BATCH_ENTRIES`` entries), skipping requests that went away unanswered."""
        self._flushing = True
        taken, count = [], 0
        while self._queue and (not taken or count + len(self._queue[0].entries) <= MAX_BATCH_ENTRIES):
            pending = self._queue.popleft()
            if pending.future.set_running_or_notify_cancel():  # False: the request went away unanswered
                taken.append(pending)
                count += len(pending.entries)
        return taken

    def _take(self) -> list[_Pending] | None:
        """The writer thread's next flush: once no flush runs and an entry without a waiting thread is
        queued (or, once closed, anything); None once closed and drained."""
        with self._wake:
            while True:
                if self._closed and not self._queue:
                    return None
                if not self._flushing and (self._closed or any(not p.led for p in self._queue)):
                    return self._claim()
                self._wake.wait()

    def _write_loop(self) -> None:
        while (batch := self._take()) is not None:
            self._flush_claimed(batch)

    def _flush_claimed(self, batch: list[_Pending]) -> None:
        """Run a claimed flush, then let the next one start and wake everyone waiting."""
        try:
            if batch:
                self._flush(batch)
        finally:
            with self._wake:
                self._flushing = False
                self._wake.notify_all()

    def _flush(self, batch: list[_Pending]) -> None:
        """Append the whole batch in one transaction, then answer every request in it."""
        try:
            audit = self._audit_log()
            written = audit.append_many([e for p in batch for e in p.entries], checkpoint=False)
        except BaseException as e:  # noqa: BLE001 - every waiter must hear of any failure
            log.error("audit_flush_failed", entries=sum(len(p.entries) for p in batch), error=type(e).__name__)
            for pending in batch:
                pending.future.set_exception(_unavailable(e))
            return
        start = 0
        for pending in batch:
            pending.future.set_result(written[start : start + len(pending.entries)])
            start += len(pending.entries)
        if audit.checkpoint_due(written):
            self._checkpoint_due.set()

    def _checkpoint_loop(self) -> None:
        """Sign and store the chain head when a flush crossed a checkpoint boundary, at most once per
        ``CHECKPOINT_MIN_SECONDS``: under load the head moves on while signing, and the next checkpoint
        covers everything since, so the cost stays bounded however fast entries come."""
        while not self._closed:
            self._checkpoint_due.wait()
            self._checkpoint_due.clear()
            if self._closed:
                return
            try:
                self._checkpoint()
            except Exception as e:  # noqa: BLE001 - entries are durable; the next boundary checkpoints again
                log.error("audit_checkpoint_failed", error=type(e).__name__)
            self._stopping.wait(CHECKPOINT_MIN_SECONDS)

    def close(self, timeout: float = 10.0) -> None:
        """Flush what is queued, then stop both threads."""
        with self._wake:
            self._closed = True
            self._wake.notify_all()
        self._stopping.set()
        self._checkpoint_due.set()
        for thread in self._threads:
            thread.join(timeout)
