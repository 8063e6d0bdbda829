"""Appending to the audit chain in PostgreSQL's one statement (``sohoa_audit_append``): the hashes it
computes are ``entry_hash``'s to the byte, and API processes appending at once still form one chain."""

from __future__ import annotations

import asyncio
import hashlib
import json
import multiprocessing
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from sohoa.errors import CatalogError
from sohoa.settings import Settings
from storage import Storage, open_storage, pg_direct
from storage.audit import AuditEntry, NewEntry, entry_hash, hash_parts
from storage.local_postgres import PostgresServer

# Everything a caller may put in an entry; NUL is refused by PostgreSQL's text type either way.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)
ENTRIES = st.lists(
    st.builds(NewEntry, actor=TEXT, role=TEXT, action=TEXT, document_id=st.none() | TEXT, purpose=st.none() | TEXT,
              detail=st.none() | st.dictionaries(TEXT, TEXT | st.integers(), max_size=3)),  # fmt: skip
    min_size=1,
    max_size=6,
)


@pytest.fixture
def pg_settings(settings: Settings, postgres_server: PostgresServer) -> Settings:
    url = postgres_server.create_database(f"t_{uuid.uuid4().hex[:12]}")
    return Settings(**{**settings.model_dump(), "database_url": url})


@pytest.fixture
def pg_storage(pg_settings: Settings) -> Iterator[Storage]:
    with open_storage(pg_settings, sign=False) as store:
        yield store


def _detail_text(entry: NewEntry) -> str | None:
    """The detail as ``AuditLog.append_many`` stores and hashes it."""
    return json.dumps(entry.detail, ensure_ascii=False, sort_keys=True) if entry.detail else None


@given(ENTRIES, st.integers(1, 10**12), st.text("0123456789abcdef", min_size=64, max_size=64))
def test_hash_parts_complete_to_the_entry_hash(entries: list[NewEntry], seq: int, prev: str) -> None:
    at = datetime(2026, 11, 23, 17, 30, 0, 123456, tzinfo=timezone.utc)
    for entry in entries:
        head, tail = hash_parts(at, entry, _detail_text(entry))
        completed = hashlib.sha256(head + prev.encode() + tail + str(seq).encode() + b"}").hexdigest()
        assert completed == entry_hash(seq, at, entry.actor, entry.role, entry.action, entry.document_id,
                                       entry.purpose, _detail_text(entry), prev)  # fmt: skip


@hypothesis_settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ENTRIES)
def test_database_hashes_are_entry_hash(pg_storage: Storage, entries: list[NewEntry]) -> None:
    """Quotes, backslashes, control characters, Vietnamese and astral characters: PostgreSQL links
    each batch exactly as Python's ``entry_hash`` would, and the whole chain verifies."""
    written = pg_storage.audit.append_many(entries, checkpoint=False)
    for entry, new in zip(written, entries, strict=True):
        assert entry.hash == entry_hash(entry.seq, entry.at, new.actor, new.role, new.action, new.document_id,
                                        new.purpose, _detail_text(new), entry.prev_hash)  # fmt: skip
    assert [e.seq for e in written] == list(range(written[0].seq, written[0].seq + len(entries)))
    assert pg_storage.audit.verify().ok


def _append_batches(settings: Settings, worker: int, batches: int, start: Any, out: Any) -> None:
    """One API-like process: ``batches`` batches of 7 entries, each batch appended in one call."""
    with open_storage(settings, sign=False) as store:
        start.wait(120)
        seqs = []
        for n in range(batches):
            entries = [NewEntry(f"proc-{worker}", "portal", "find", f"doc-{worker}-{n}-{i}", "tra cứu “đồng thời”",
                                {"batch": n}) for i in range(7)]  # fmt: skip
            seqs.append([e.seq for e in store.audit.append_many(entries, checkpoint=False)])
    out.put(seqs)


def test_two_processes_append_one_chain(pg_storage: Storage, pg_settings: Settings) -> None:
    """Two processes (two pools, as two uvicorn workers) appending at the same moment: every batch lands
    whole and contiguous, no entry is lost or doubled, and the chain verifies."""
    context = multiprocessing.get_context("spawn")
    start, out = context.Barrier(3), context.Queue()
    procs = [context.Process(target=_append_batches, args=(pg_settings, w, 30, start, out)) for w in range(2)]
    for proc in procs:
        proc.start()
    start.wait(120)
    results = [out.get(timeout=300) for _ in procs]
    for proc in procs:
        proc.join(60)
    batches = [b for r in results for b in r]
    assert all(b == list(range(b[0], b[0] + 7)) for b in batches)
    assert sorted(s for b in batches for s in b) == list(range(1, 2 * 30 * 7 + 1))
    result = pg_storage.audit.verify()
    assert result.ok and result.entries == 420, result.describe()


def test_awaited_append_links_the_same_chain(pg_storage: Storage) -> None:
    """``append_many_async`` (the API's group commit on its event loop) and ``append_many`` interleaved,
    batches of both also in flight at once: each batch contiguous, every hash ``entry_hash``, one chain."""
    audit = pg_storage.audit
    batch = [NewEntry("cổng", "portal", "find", f"d{i}", 'mục đích "trích dẫn" \\ \t', {"k": i, "ký": "tự"})
             for i in range(5)] + [NewEntry("a", "auditor", "verify", None, None)]  # fmt: skip

    async def appends() -> list[list[AuditEntry]]:
        connections = pg_direct.AsyncConnections(pg_direct.libpq_url(audit.engine), 3)
        try:
            together = await asyncio.gather(*(audit.append_many_async(connections, batch) for _ in range(6)))
            alone = [await audit.append_many_async(connections, batch), audit.append_many(batch, checkpoint=False),
                     await audit.append_many_async(connections, [])]  # fmt: skip
        finally:
            await connections.close()
        return [*together, *alone]

    written = asyncio.run(appends())
    assert written[-1] == []
    for entries in written[:-1]:
        assert [e.seq for e in entries] == list(range(entries[0].seq, entries[0].seq + len(batch)))
        for entry, new in zip(entries, batch, strict=True):
            assert (entry.actor, entry.document_id, entry.detail) == (new.actor, new.document_id, new.detail)
            assert entry.hash == entry_hash(entry.seq, entry.at, new.actor, new.role, new.action, new.document_id,
                                            new.purpose, _detail_text(new), entry.prev_hash)  # fmt: skip
    assert sorted(e.seq for entries in written for e in entries) == list(range(1, 8 * len(batch) + 1))
    result = audit.verify()
    assert result.ok and result.entries == 8 * len(batch), result.describe()


def test_an_idle_connection_is_pinged_before_an_awaited_append(pg_storage: Storage) -> None:
    """Real fault: the server ends the idle connection's session (``pg_terminate_backend``). An append is
    never sent twice, so without the ping it fails (a 503 in the API); pinged first, it is written."""
    audit = pg_storage.audit

    async def append_after_a_drop(ping_after: float) -> list[AuditEntry]:
        connections = pg_direct.AsyncConnections(pg_direct.libpq_url(audit.engine), 1, ping_after=ping_after)
        try:
            [(pid,)] = await connections.rows("SELECT pg_backend_pid()", {})
            with audit.engine.begin() as conn:
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            return await audit.append_many_async(connections, [NewEntry("p", "portal", "find", "d1", "sau khi rớt")])
        finally:
            await connections.close()

    with pytest.raises(CatalogError):
        asyncio.run(append_after_a_drop(ping_after=3600))
    assert [e.seq for e in asyncio.run(append_after_a_drop(ping_after=0))] == [1]
    assert audit.verify().ok
