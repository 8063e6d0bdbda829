"""Single statements on PostgreSQL through psycopg directly: the API's hot path.

Every portal request makes one catalog read (``Catalog.find``) and shares one
audit append (``AuditLog.append_many``). Through SQLAlchemy's Core execution
the read cost ~0.75 ms of CPU per call on PostgreSQL (execution context, result
metadata built from the cursor's description, a ``Connection`` and its
isolation-level handling around the pooled connection), through psycopg ~0.3 ms,
measured side by side (20k documents, one thread). So these statements run on a
connection of the engine's own pool, in autocommit (one statement needs no
BEGIN/ROLLBACK round trips). ``fetch`` compiles the SQLAlchemy ``Select`` once
and gives rows back as SQLAlchemy's column types would (``UtcDateTime``: aware
UTC); ``tests/test_catalog_fast.py`` compares both paths document by document.

The same statements can also be awaited on an asyncio event loop
(``AsyncConnections``, ``fetch_async``): the API serves its portal query that
way, with no hand-over to a thread and back. A worker's event loop and its
query threads otherwise take turns on one interpreter lock, and at 1,000 req/s
on 2 cores every step of a request waited 3-4 times its own cost (measured).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Sequence
from datetime import timezone
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import SQLAlchemyError

from sohoa.errors import CatalogError
from storage.schema import UtcDateTime

IDLE_PING_SECONDS = 10.0  # a connection idle this long is pinged before use; a busy one is not


@functools.cache  # one per filter combination: the statements themselves are cached by storage.catalog
def _compiled(statement: sa.Select[Any], dialect: Dialect) -> tuple[str, tuple[str, ...], frozenset[str]]:
    """(SQL with psycopg placeholders, column names in order, names of the UTC datetime columns)."""
    columns = list(statement.selected_columns)
    aware = frozenset(c.name for c in columns if isinstance(c.type, UtcDateTime))
    return str(statement.compile(dialect=dialect)), tuple(c.name for c in columns), aware


def _broken(connection: psycopg.Connection[Any] | psycopg.AsyncConnection[Any]) -> bool:
    return connection.broken or connection.closed


def execute(engine: Engine, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run one statement (psycopg placeholders) on a pooled connection in autocommit and return its rows;
    psycopg's errors pass through, and a connection found broken leaves the pool."""
    pooled = engine.raw_connection()
    connection: psycopg.Connection[Any] = pooled.driver_connection  # type: ignore[assignment]
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql, params)  # type: ignore[arg-type]
            return cursor.fetchall()
    except psycopg.Error:
        if _broken(connection):
            pooled.invalidate()
        raise
    finally:
        if not _broken(connection):
            connection.autocommit = False  # the same pool serves SQLAlchemy's transactions
        pooled.close()


def fetch(engine: Engine, statement: sa.Select[Any], params: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of ``statement`` (bind values in ``params``) as column name → value; run once more on a
    fresh connection when the pooled one was dropped since its last use (a read is safe to repeat)."""
    sql, names, aware = _compiled(statement, engine.dialect)
    try:
        try:
            rows = execute(engine, sql, params)
        except psycopg.OperationalError:
            rows = execute(engine, sql, params)
    except (psycopg.Error, SQLAlchemyError) as e:
        raise _query_failed(e) from e
    return _as_dicts(names, aware, rows)


def _query_failed(error: BaseException) -> CatalogError:
    return CatalogError("Lỗi truy vấn danh mục", "Catalog query failed", detail=type(error).__name__)


def _as_dicts(names: tuple[str, ...], aware: frozenset[str], rows: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
    found = [dict(zip(names, row, strict=True)) for row in rows]
    for row in found:
        for name in aware:
            if row[name] is not None:
                row[name] = row[name].replace(tzinfo=timezone.utc)
    return found


def libpq_url(engine: Engine) -> str:
    """The engine's database as a libpq connection URI (for connections made outside its pool)."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class AsyncConnections:
    """Connections for statements awaited on one asyncio event loop, in autocommit, at most ``size`` at once.

    A few lines rather than a pool library: the hot path needs no background
    maintenance, only reuse and a bound. A connection comes back to the idle
    list after its statement (also after a statement error: autocommit leaves it
    idle); one found broken, or whose statement was cancelled halfway (its state
    unknown), is closed instead. As in the engine's pool (``Catalog``), one idle
    ``ping_after`` seconds or more is pinged first and replaced if the server
    dropped it meanwhile: a write (the audit append) is never sent twice, so
    only the ping saves the first one after a restart. Made on the loop that
    uses it (its semaphore belongs to that loop).
    """

    def __init__(self, url: str, size: int, connect_timeout: int = 10, ping_after: float = IDLE_PING_SECONDS) -> None:
        self._url = url
        self._connect_timeout = connect_timeout
        self._ping_after = ping_after
        self._slots = asyncio.Semaphore(size)
        self._idle: list[tuple[psycopg.AsyncConnection[Any], float]] = []  # with the time it came back

    async def _connection(self) -> psycopg.AsyncConnection[Any]:
        while self._idle:
            connection, since = self._idle.pop()
            if time.monotonic() - since < self._ping_after:
                return connection
            try:
                await connection.execute("SELECT 1")
                return connection
            except psycopg.Error:
                await connection.close()
        return await psycopg.AsyncConnection.connect(self._url, autocommit=True, connect_timeout=self._connect_timeout)

    async def rows(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run one statement (psycopg placeholders) and return its rows; psycopg's errors pass through."""
        async with self._slots:
            connection = await self._connection()
            try:
                cursor = await connection.execute(sql, params)  # type: ignore[arg-type]
                found = await cursor.fetchall()
            except psycopg.Error:
                await self._put_back(connection)
                raise
            except BaseException:  # cancelled mid-statement: the connection's state is unknown
                await connection.close()
                raise
            await self._put_back(connection)
            return found

    async def _put_back(self, connection: psycopg.AsyncConnection[Any]) -> None:
        """Back to the idle list, stamped with the time, unless the server or the network broke it."""
        if _broken(connection):
            await connection.close()
        else:
            self._idle.append((connection, time.monotonic()))

    async def close(self) -> None:
        """Close the idle connections (closing waits on no I/O, so any loop may do it)."""
        idle, self._idle = self._idle, []
        for connection, _ in idle:
            await connection.close()


async def fetch_async(connections: AsyncConnections, statement: sa.Select[Any], dialect: Dialect,
                      params: dict[str, Any]) -> list[dict[str, Any]]:  # fmt: skip
    """``fetch`` awaited on the event loop: same statement, same rows, same one retry."""
    sql, names, aware = _compiled(statement, dialect)
    try:
        try:
            rows = await connections.rows(sql, params)
        except psycopg.OperationalError:
            rows = await connections.rows(sql, params)
    except psycopg.Error as e:
        raise _query_failed(e) from e
    return _as_dicts(names, aware, rows)
