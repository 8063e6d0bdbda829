"""Group-committed audit: every portal read is in the chain before its answer, even 200 at once,
and a flush that fails answers 503 to every waiting request without losing or doubling an entry;
signed checkpoints are made by a low-priority child process that is replaced when it dies.

The failure is real: the audit table is renamed away in the database under the
running app, so the writer's transaction fails exactly as it would on a lost table.
"""

from __future__ import annotations

import asyncio
import pickle
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import anyio
import httpx
import psutil
import pytest
import sqlalchemy as sa

from sohoa.errors import CatalogError
from sohoa.settings import Settings
from storage import Storage
from storage.audit import AuditEntry, NewEntry
from storage.schema import audit_entries
from tests.fixtures_api import PORTAL_PROCEDURES, ApiHarness, harness, store_signed_pdf
from tests.fixtures_signing import DevPkiFixture

OWNER = "0312345678"  # the sample's enterprise code
PARALLEL = 200


@pytest.fixture
def api_catalog(settings: Settings, catalog_url: str, dev_pki: DevPkiFixture) -> Iterator[ApiHarness]:
    """The app with signed checkpoints on the parametrised catalog (SQLite, then PostgreSQL)."""
    yield from harness(dev_pki.signing_settings(Settings(**{**settings.model_dump(), "database_url": catalog_url})))


def _params(purpose: str) -> dict[str, str]:
    return {"owner_id": OWNER, "purpose": purpose, "for_procedure": PORTAL_PROCEDURES[0]}


async def _finds(api: ApiHarness, purposes: list[str]) -> list[httpx.Response]:
    """All requests in flight at once on the app's own event loop machinery (ASGI, no sockets)."""
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sohoa") as client:
        return await asyncio.gather(
            *(client.get("/v1/documents", params=_params(p), headers=api.as_role("portal")) for p in purposes)
        )


def _find_purposes(api: ApiHarness) -> Counter[str]:
    engine = api.app.state.services.store().audit.engine
    with engine.connect() as conn:
        return Counter(conn.execute(sa.select(audit_entries.c.purpose).where(audit_entries.c.action == "find")).scalars())


def _rename(api: ApiHarness, old: str, new: str) -> None:
    with api.app.state.services.store().audit.engine.begin() as conn:
        conn.execute(sa.text(f"ALTER TABLE {old} RENAME TO {new}"))


def test_parallel_reads_are_all_audited_in_one_chain(api_catalog: ApiHarness, signed_pdf: Path) -> None:
    doc = store_signed_pdf(api_catalog, signed_pdf, "scan-parallel")
    purposes = [f"hồ sơ số {i}" for i in range(PARALLEL)]
    answers = asyncio.run(_finds(api_catalog, purposes))
    assert [r.status_code for r in answers] == [200] * PARALLEL
    assert all([d["id"] for d in r.json()["documents"]] == [doc.id] for r in answers)
    assert _find_purposes(api_catalog) == Counter(purposes)  # each read exactly once
    audit = api_catalog.app.state.services.store().audit
    result = audit.verify()
    assert result.ok and result.entries == PARALLEL, result.describe()


def test_failed_flush_answers_503_to_every_waiter_and_loses_nothing(api_catalog: ApiHarness, signed_pdf: Path) -> None:
    store_signed_pdf(api_catalog, signed_pdf, "scan-fault")
    before = [f"trước {i}" for i in range(20)]
    assert {r.status_code for r in asyncio.run(_finds(api_catalog, before))} == {200}

    _rename(api_catalog, "audit_entries", "audit_entries_away")
    try:
        during = [f"trong lúc hỏng {i}" for i in range(50)]
        answers = asyncio.run(_finds(api_catalog, during))
    finally:
        _rename(api_catalog, "audit_entries_away", "audit_entries")
    assert [r.status_code for r in answers] == [503] * len(during)
    assert {r.json()["code"] for r in answers} == {"catalog"}
    assert "nhật ký" in answers[0].json()["vi"] and "audited" in answers[0].json()["en"]
    assert all("documents" not in r.json() for r in answers)  # nothing shown that was not audited

    after = [f"sau {i}" for i in range(20)]
    assert {r.status_code for r in asyncio.run(_finds(api_catalog, after))} == {200}
    assert _find_purposes(api_catalog) == Counter(before + after)  # none of the refused reads, none twice
    result = api_catalog.app.state.services.store().audit.verify()
    assert result.ok and result.entries == len(before) + len(after), result.describe()


def _signs_here(storage: Storage) -> Callable[[], bool]:
    """A writer's ``checkpoint`` signing in this process, whose turn it always is."""

    def checkpoint() -> bool:
        storage.audit.checkpoint()
        return True

    return checkpoint


def test_requests_gone_before_and_after_their_flush_began(storage: Storage) -> None:
    """The writer is held in its first flush (a gate in front of the real audit log, a test device): the
    request cancelled while that flush runs is still written, one cancelled while queued is not, the
    others are, and later writes still work."""
    from api.auditing import AuditWriter

    async def scenario() -> None:
        gate, started = asyncio.Event(), asyncio.Event()

        async def append(entries: list[NewEntry]) -> list[AuditEntry]:
            started.set()
            await gate.wait()
            return await asyncio.to_thread(storage.audit.append_many, entries, checkpoint=False)

        writer = AuditWriter(append, storage.audit.checkpoint_due, _signs_here(storage))
        first = asyncio.create_task(writer.write([NewEntry("p", "portal", "find", "d1", "một")]))
        await started.wait()
        first.cancel()  # its flush has begun: written all the same
        gone = asyncio.create_task(writer.write([NewEntry("p", "portal", "find", "d2", "hai")]))
        kept = asyncio.create_task(writer.write([NewEntry("p", "portal", "find", "d3", "ba")]))
        await asyncio.sleep(0)  # both queued behind the held flush
        gone.cancel()
        gate.set()
        assert [e.seq for e in await kept] == [2]
        for cancelled in (first, gone):
            with pytest.raises(asyncio.CancelledError):
                await cancelled
        assert [e.purpose for e in await writer.write([NewEntry("p", "portal", "find", "d4", "bốn")])] == ["bốn"]
        await writer.close()
        with pytest.raises(CatalogError):
            await writer.write([NewEntry("p", "portal", "find", "d5", "năm")])

    asyncio.run(scenario())
    with storage.audit.engine.connect() as conn:
        assert list(conn.execute(sa.select(audit_entries.c.purpose).order_by(audit_entries.c.seq)).scalars()) == ["một", "ba", "bốn"]
    assert storage.audit.verify().ok


def test_closing_gives_up_on_a_stuck_flush_and_answers_every_waiter(storage: Storage) -> None:
    """A flush that never ends (a gate never opened in front of the real audit log, a test device): closing
    waits ``timeout``, then the request in that flush gets the 503 and the one queued behind it the
    shutting-down error; nothing is written."""
    from api.auditing import AuditWriter

    async def scenario() -> list[BaseException | list[AuditEntry]]:
        started = asyncio.Event()

        async def append(entries: list[NewEntry]) -> list[AuditEntry]:
            started.set()
            await asyncio.Event().wait()
            return await asyncio.to_thread(storage.audit.append_many, entries, checkpoint=False)

        writer = AuditWriter(append, storage.audit.checkpoint_due, _signs_here(storage))
        stuck = asyncio.create_task(writer.write([NewEntry("p", "portal", "find", "d1", "kẹt")]))
        await started.wait()
        behind = asyncio.create_task(writer.write([NewEntry("p", "portal", "find", "d2", "sau")]))
        await asyncio.sleep(0)
        await writer.close(timeout=0.5)
        return await asyncio.gather(stuck, behind, return_exceptions=True)

    stuck, behind = asyncio.run(scenario())
    assert isinstance(stuck, CatalogError) and "audited" in stuck.en
    assert isinstance(behind, CatalogError) and "shutting down" in behind.en
    assert storage.audit.head()[0] == 0


def test_requests_on_the_loop_and_from_worker_threads_are_grouped_and_written_once(storage: Storage) -> None:
    """Requests awaiting on the loop and blocking handlers in worker threads (``anyio.from_thread.run``, as
    ``api.backend.audit`` does) write at once: every entry lands exactly once, in fewer commits than
    writes (the group commit groups), and the chain verifies."""
    from api.auditing import AuditWriter

    commits = []

    async def append(entries: list[NewEntry]) -> list[AuditEntry]:
        commits.append(len(entries))
        return await asyncio.to_thread(storage.audit.append_many, entries, checkpoint=False)

    def pairs(n: int) -> list[list[NewEntry]]:
        return [[NewEntry("r", "portal", "find", f"r{n}-{i}", f"write {n}.{i}"),
                 NewEntry("r", "portal", "find", f"r{n}-{i}", "second")] for i in range(8)]  # fmt: skip

    async def scenario() -> list[int]:
        writer = AuditWriter(append, storage.audit.checkpoint_due, _signs_here(storage))

        async def on_loop(n: int) -> list[int]:
            return [e.seq for pair in pairs(n) for e in await writer.write(pair)]

        def in_thread(n: int) -> list[int]:
            return [e.seq for pair in pairs(n) for e in anyio.from_thread.run(writer.write, pair)]

        results = await asyncio.gather(*(on_loop(n) for n in range(8)),
                                       *(anyio.to_thread.run_sync(in_thread, n) for n in range(8, 16)))  # fmt: skip
        await writer.close()
        return [s for seqs in results for s in seqs]

    written = asyncio.run(scenario())
    assert sorted(written) == list(range(1, 16 * 8 * 2 + 1))
    assert sum(commits) == 16 * 8 * 2 and len(commits) < 16 * 8
    result = storage.audit.verify()
    assert result.ok and result.entries == 16 * 8 * 2, result.describe()


def _checkpoint_children() -> list[psutil.Process]:
    from api.checkpoints import NICENESS

    return [c for c in psutil.Process().children() if c.nice() >= NICENESS]


def test_checkpoints_are_made_by_a_low_priority_child_process(api_catalog: ApiHarness, signed_pdf: Path) -> None:
    """200 reads cross two checkpoint boundaries (every 100 entries): a signed checkpoint is stored
    by a child of this process running at ``NICENESS``, and the chain verifies against it."""
    store_signed_pdf(api_catalog, signed_pdf, "scan-checkpoint")
    assert not _checkpoint_children()
    assert {r.status_code for r in asyncio.run(_finds(api_catalog, [f"điểm {i}" for i in range(PARALLEL)]))} == {200}
    audit = api_catalog.app.state.services.store().audit
    deadline = time.monotonic() + 120
    while (result := audit.verify()).checkpoints == 0 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert result.ok and result.checkpoints >= 1 and result.entries == PARALLEL, result.describe()
    assert len(_checkpoint_children()) == 1


def test_a_served_app_starts_its_checkpoint_child_before_its_first_request(settings: Settings) -> None:
    """``create_app(served=True)`` (every server worker): the low-priority child is up once the app has
    started, before any request, and stops with the app; nothing is signed or stored for an empty log."""
    from fastapi.testclient import TestClient

    from api import create_app

    app = create_app(settings, served=True)
    assert not _checkpoint_children()
    with TestClient(app):
        (child,) = _checkpoint_children()
        assert child.is_running()
        assert app.state.services._store is None  # the worker's storage: still unopened
    child.wait(30)
    assert not _checkpoint_children()


def test_a_killed_checkpoint_child_fails_its_checkpoint_and_the_next_one_starts_afresh(api_catalog: ApiHarness) -> None:
    from api.checkpoints import CheckpointProcess

    services = api_catalog.app.state.services
    audit = services.store().audit
    checkpoints = CheckpointProcess(services.settings, spacing_seconds=0)
    try:
        audit.append_many([NewEntry("p", "portal", "find", "d1", "một")], checkpoint=False)
        first = checkpoints.checkpoint()
        (child,) = _checkpoint_children()
        child.kill()
        child.wait(30)
        audit.append_many([NewEntry("p", "portal", "find", "d2", "hai")], checkpoint=False)
        with pytest.raises(BrokenProcessPool):
            checkpoints.checkpoint()
        second = checkpoints.checkpoint()
        assert [c.pid for c in _checkpoint_children()] != [child.pid]
    finally:
        checkpoints.close()
    assert first is True and second is True
    result = audit.verify()
    assert result.ok and result.checkpoints == 2, result.describe()


ORPHAN_SCRIPT = """
import pickle, sys, psutil
from api.checkpoints import NICENESS, CheckpointProcess
checkpoints = CheckpointProcess(pickle.loads(open(sys.argv[1], "rb").read()))
checkpoints.checkpoint()  # an empty log: nothing to sign, but the child is up
print(*[p.pid for p in psutil.Process().children() if p.nice() >= NICENESS], flush=True)
input()
"""


def test_two_workers_checkpointing_at_once_sign_once(api_catalog: ApiHarness) -> None:
    """Two checkpoint children (as two workers' after crossing the same boundary) asked at the same moment:
    one signs, the other is told it is not its turn; the chain has one checkpoint."""
    from concurrent.futures import ThreadPoolExecutor

    from api.checkpoints import CheckpointProcess

    services = api_catalog.app.state.services
    services.store().audit.append_many([NewEntry("p", "portal", "find", "d1", "một")], checkpoint=False)
    workers = [CheckpointProcess(services.settings, spacing_seconds=600) for _ in range(2)]
    try:
        for worker in workers:
            worker.prepare()
        with ThreadPoolExecutor(2) as pool:
            made = sorted(pool.map(lambda worker: worker.checkpoint(), workers))
    finally:
        for worker in workers:
            worker.close()
    assert made == [False, True]
    result = services.store().audit.verify()
    assert result.ok and result.checkpoints == 1, result.describe()


def test_a_writer_told_it_is_not_its_turn_checkpoints_one_spacing_later(storage: Storage,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The boundary this writer crossed is still covered when another process had the turn: it asks again
    after the spacing (shortened here), with no further traffic."""
    import api.auditing
    from api.auditing import AuditWriter

    monkeypatch.setattr(api.auditing, "CHECKPOINT_MIN_SECONDS", 0.2)
    answers = [False, True]

    def checkpoint() -> bool:
        return answers.pop(0)

    async def scenario() -> None:
        writer = AuditWriter(lambda entries: asyncio.to_thread(storage.audit.append_many, entries, checkpoint=False),
                             lambda written: True, checkpoint)  # fmt: skip
        await writer.write([NewEntry("p", "portal", "find", "d1", "một")])
        deadline = time.monotonic() + 30
        while answers and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await writer.close()

    asyncio.run(scenario())
    assert answers == []  # asked twice: refused, then made


def test_a_checkpoint_child_exits_when_its_worker_is_killed(settings: Settings, tmp_path: Path) -> None:
    """A worker killed with SIGKILL (no shutdown, as by the OOM killer) leaves no checkpoint child behind."""
    pickled = tmp_path / "settings.pickle"
    pickled.write_bytes(pickle.dumps(settings))
    worker = subprocess.Popen([sys.executable, "-c", ORPHAN_SCRIPT, str(pickled)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)  # fmt: skip
    try:
        assert worker.stdout is not None
        (child,) = [psutil.Process(int(pid)) for pid in worker.stdout.readline().split()]
    finally:
        worker.kill()
        worker.wait(30)
    child.wait(30)  # psutil.TimeoutExpired if it outlives its worker
