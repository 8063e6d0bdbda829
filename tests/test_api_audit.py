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
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import httpx
import psutil
import pytest
import sqlalchemy as sa

from sohoa.settings import Settings
from storage import Storage
from storage.audit import NewEntry
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


def test_a_request_gone_before_its_flush_is_dropped_and_the_writer_lives_on(storage: Storage) -> None:
    """The writer is held at its first flush (a gate in front of the real audit log, a test device):
    a request cancelled while queued is not written, the others are, and later writes still work."""
    from api.auditing import AuditWriter

    gate = threading.Event()
    writer = AuditWriter(lambda: gate.wait() and storage.audit, storage.audit.checkpoint)  # type: ignore[return-value]
    try:
        first = writer.submit([NewEntry("p", "portal", "find", "d1", "một")])
        deadline = time.monotonic() + 60
        while not first.running() and time.monotonic() < deadline:  # wait until the writer holds it
            time.sleep(0.01)
        gone = writer.submit([NewEntry("p", "portal", "find", "d2", "hai")])
        assert gone.cancel()
        kept = writer.submit([NewEntry("p", "portal", "find", "d3", "ba")])
        gate.set()
        assert [e.seq for e in first.result()] == [1] and [e.seq for e in kept.result()] == [2]
        assert [e.purpose for e in writer.write([NewEntry("p", "portal", "find", "d4", "bốn")])] == ["bốn"]
    finally:
        gate.set()
        writer.close()
    with storage.audit.engine.connect() as conn:
        assert list(conn.execute(sa.select(audit_entries.c.purpose).order_by(audit_entries.c.seq)).scalars()) == ["một", "ba", "bốn"]
    assert storage.audit.verify().ok


def test_request_threads_and_the_writer_thread_flush_everything_once(storage: Storage) -> None:
    """Threads waiting in ``write`` flush for each other, the writer thread flushes what ``submit`` left
    with nobody waiting: every entry lands exactly once, the chain verifies, and the writer closes."""
    from concurrent.futures import ThreadPoolExecutor

    from api.auditing import AuditWriter

    writer = AuditWriter(lambda: storage.audit, storage.audit.checkpoint)
    try:
        queued = [writer.submit([NewEntry("w", "portal", "find", f"s{i}", f"submit {i}")]) for i in range(10)]

        def request(n: int) -> list[int]:
            pairs = [[NewEntry("r", "portal", "find", f"r{n}-{i}", f"write {n}.{i}"),
                      NewEntry("r", "portal", "find", f"r{n}-{i}", "second")] for i in range(8)]  # fmt: skip
            return [e.seq for pair in pairs for e in writer.write(pair)]

        with ThreadPoolExecutor(max_workers=8) as pool:
            written = [s for seqs in pool.map(request, range(8)) for s in seqs]
        written += [e.seq for f in queued for e in f.result(timeout=60)]
    finally:
        writer.close()
    assert sorted(written) == list(range(1, 8 * 8 * 2 + 10 + 1))
    result = storage.audit.verify()
    assert result.ok and result.entries == 8 * 8 * 2 + 10, result.describe()


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


def test_a_killed_checkpoint_child_fails_its_checkpoint_and_the_next_one_starts_afresh(api_catalog: ApiHarness) -> None:
    from api.checkpoints import CheckpointProcess

    services = api_catalog.app.state.services
    audit = services.store().audit
    checkpoints = CheckpointProcess(services.settings)
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
    assert first is not None and second is not None and first != second
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
