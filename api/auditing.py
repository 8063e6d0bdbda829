"""Group commit of audit entries: every access is durable in the chain before its answer leaves.

One writer per event loop (in a worker process: one), running on that loop. A
request queues its entries and awaits them. One flush at a time takes
everything queued so far and appends it in a single transaction (``append``),
then resolves the futures of all those requests. While one flush commits, the
next requests queue up, so the batch grows with the load by itself (no fixed
timer: an idle service answers after one commit, a busy one shares each commit
between many requests). On PostgreSQL ``append`` is itself awaited on the loop
(``AuditLog.append_many_async``), so the portal query's path never hands over
to a thread; handlers that run in worker threads reach the writer with
``anyio.from_thread.run``. If a flush fails, every request waiting on it gets
the error (HTTP 503) and none of its entries is in the chain: nothing is lost
silently and nothing is retried behind the caller's back, so nothing is written
twice. A request cancelled before its flush starts (it went away unanswered) is
dropped with its entries; once its flush has started they are written.

Signed checkpoints that fall due are handed to ``checkpoint`` in a thread (in
the API: a low-priority child process, ``api.checkpoints``, so their CMS
signature and MinIO writes never hold up a request), at most one every
``CHECKPOINT_MIN_SECONDS`` (each covers the whole chain up to its head). In the
API that spacing holds for the whole deployment: ``checkpoint`` answers False
when another process signed within it, and this writer tries again one spacing
later, so a boundary crossed here is still covered if traffic stops.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from sohoa.errors import CatalogError, SohoaError
from sohoa.logs import get_logger
from storage.audit import AuditEntry, NewEntry

log = get_logger(__name__)
MAX_BATCH_ENTRIES = 5000  # one INSERT of this many rows still commits in milliseconds
CHECKPOINT_MIN_SECONDS = 5.0  # a signed checkpoint costs ~0.1-0.5 s of CPU (CMS signature, locked MinIO writes)

Append = Callable[[list[NewEntry]], Awaitable[list[AuditEntry]]]


@dataclass
class _Pending:
    entries: Sequence[NewEntry]
    future: asyncio.Future[list[AuditEntry]]


def _unavailable(error: BaseException) -> CatalogError:
    """What each waiting request receives when its flush failed: a fresh 503 naming the cause."""
    cause = error.code if isinstance(error, SohoaError) else type(error).__name__
    return CatalogError("Không ghi được nhật ký truy cập; hãy thử lại", "the access could not be audited; retry",
                        detail=cause)  # fmt: skip


def _shutting_down() -> CatalogError:
    return CatalogError("Dịch vụ đang dừng", "the service is shutting down")


class AuditWriter:
    """Group commit on one event loop; make it on that loop.

    ``append`` writes a batch in one transaction and returns its entries;
    ``checkpoint_due`` says whether written entries crossed a checkpoint
    boundary (``AuditLog.checkpoint_due``); ``checkpoint`` (blocking) signs and
    stores the chain head, or answers False when it is another's turn. Several
    writers (processes, loops) may share one chain: it is serialised by the
    append's chain lock.
    """

    def __init__(self, append: Append, checkpoint_due: Callable[[Sequence[AuditEntry]], bool],
                 checkpoint: Callable[[], bool]) -> None:  # fmt: skip
        self._append = append
        self._checkpoint_due = checkpoint_due
        self._checkpoint = checkpoint
        self._queue: deque[_Pending] = deque()
        self._flushing: asyncio.Task[None] | None = None  # one flush at a time
        self._checkpointing: asyncio.Task[None] | None = None
        self._checkpoint_wanted = False
        self._closed = False

    async def write(self, entries: Sequence[NewEntry]) -> list[AuditEntry]:
        """Queue ``entries`` (kept together, in order) and return them once committed."""
        if not entries:
            return []
        if self._closed:
            raise _shutting_down()
        future: asyncio.Future[list[AuditEntry]] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(entries, future))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush_queued())
        return await future

    def _claim(self) -> list[_Pending]:
        """The next flush: everything queued (up to ``MAX_BATCH_ENTRIES`` entries), skipping requests
        that went away unanswered (their futures are cancelled)."""
        taken: list[_Pending] = []
        count = 0
        while self._queue and (not taken or count + len(self._queue[0].entries) <= MAX_BATCH_ENTRIES):
            pending = self._queue.popleft()
            if not pending.future.cancelled():
                taken.append(pending)
                count += len(pending.entries)
        return taken

    async def _flush_queued(self) -> None:
        try:
            while batch := self._claim():
                await self._flush(batch)
        finally:
            self._flushing = None

    async def _flush(self, batch: list[_Pending]) -> None:
        """Append the whole batch in one transaction, then answer every request in it."""
        try:
            written = await self._append([e for p in batch for e in p.entries])
        except BaseException as e:  # every waiter must hear of any failure, cancellation of this task included
            log.error("audit_flush_failed", entries=sum(len(p.entries) for p in batch), error=type(e).__name__)
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(_unavailable(e))
            if not isinstance(e, Exception):
                raise
            return
        start = 0
        for pending in batch:
            if not pending.future.done():  # done: cancelled after its flush began; its entries are written
                pending.future.set_result(written[start : start + len(pending.entries)])
            start += len(pending.entries)
        if self._checkpoint_due(written):
            self._checkpoint_wanted = True
            if self._checkpointing is None:
                self._checkpointing = asyncio.create_task(self._checkpoints())

    async def _checkpoints(self) -> None:
        """Sign and store the chain head while a flush has crossed a checkpoint boundary since the last,
        at most once per ``CHECKPOINT_MIN_SECONDS``: under load the head moves on while signing, and the
        next checkpoint covers everything since, so the cost stays bounded however fast entries come."""
        loop = asyncio.get_running_loop()
        try:
            while self._checkpoint_wanted and not self._closed:
                self._checkpoint_wanted = False
                try:
                    if not await loop.run_in_executor(None, self._checkpoint):
                        self._checkpoint_wanted = True  # another process signed just now: ours comes after it
                except Exception as e:  # noqa: BLE001 - entries are durable; the next boundary checkpoints again
                    log.error("audit_checkpoint_failed", error=type(e).__name__)
                await asyncio.sleep(CHECKPOINT_MIN_SECONDS)
        finally:
            self._checkpointing = None

    async def close(self, timeout: float = 10.0) -> None:
        """Refuse new entries, commit those queued (given up after ``timeout``: their requests get the
        503), stop checkpointing."""
        self._closed = True
        if self._flushing is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._flushing, timeout)
        while self._queue:  # left behind by a flush given up on
            pending = self._queue.popleft()
            if not pending.future.done():
                pending.future.set_exception(_shutting_down())
        if self._checkpointing is not None:
            self._checkpointing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointing
