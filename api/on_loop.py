"""What the requests served on one event loop share: the audit writer and the portal query's catalog read.

On PostgreSQL both are awaited on the loop itself (``storage.pg_direct.AsyncConnections``),
so the portal query (``GET /v1/documents``: one catalog read, one share of a group
commit) never hands over to a thread. Each hand-over costs little alone, but a
worker's event loop and its threads take turns on one interpreter lock: at 1,000
req/s on 2 cores every step of a request waited 3-4 times its own cost and p99
was 20-40 ms on 1,000,000 documents; awaited on the loop it was 10-25 ms, and
8-14 ms once checkpoints were spaced for the deployment (``api.checkpoints``;
bench/RESULTS.md). On SQLite (one writer, no async driver) the read and the
append run in the worker's query threads, awaited the same way.

One ``LoopServices`` per event loop, made on it by ``Services.on_loop``: a worker
process serves on one loop; tests and schemathesis also drive the app from
short-lived loops.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import date
from typing import Any, TypeVar

from sohoa.model import DocType, StoredDocument
from storage import pg_direct
from storage.audit import AuditEntry, NewEntry

from api.auditing import AuditWriter

QUERY_CONNECTIONS = 8  # catalog connections per loop; statements take ~0.3 ms, so few are ever busy at once
T = TypeVar("T")


class LoopServices:
    """The loop's audit writer (``writer``) and ``find``, over an open ``storage.Storage``."""

    def __init__(self, store: Any, threads: Executor, checkpoint: Callable[[], bool]) -> None:
        self._store = store
        self._threads = threads
        self.connections: pg_direct.AsyncConnections | None = None
        if store.catalog.engine.dialect.name == "postgresql":
            self.connections = pg_direct.AsyncConnections(pg_direct.libpq_url(store.catalog.engine), QUERY_CONNECTIONS)
        self.writer = AuditWriter(self._append, store.audit.checkpoint_due, checkpoint)

    async def _in_thread(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    async def _append(self, entries: list[NewEntry]) -> list[AuditEntry]:
        if self.connections is not None:
            return await self._store.audit.append_many_async(self.connections, entries)  # type: ignore[no-any-return]
        return await self._in_thread(functools.partial(self._store.audit.append_many, entries, checkpoint=False))

    async def find(self, owner_id: str, doc_type: DocType | None, valid_on: date | None, procedure: str | None,
                   limit: int, offset: int) -> list[StoredDocument]:  # fmt: skip
        """Active documents of ``owner_id``, newest signature first (``Storage.find``)."""
        if self.connections is not None:
            return await self._store.catalog.find_async(  # type: ignore[no-any-return]
                self.connections, owner_id, doc_type, valid_on, procedure, limit, offset)  # fmt: skip
        return await self._in_thread(functools.partial(self._store.find, owner_id, doc_type, valid_on, procedure,
                                                       limit, offset))  # fmt: skip

    async def close(self) -> None:
        """Commit what is queued, then close the idle catalog connections."""
        await self.writer.close()
        await self.close_connections()

    async def close_connections(self) -> None:
        """Close the idle catalog connections: all that can be done for a loop that was closed (its writer's
        tasks ended with it), from whichever loop runs now."""
        if self.connections is not None:
            await self.connections.close()
