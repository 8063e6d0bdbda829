"""The audit chain: intact it verifies; a deleted, reordered or edited entry is detected and located."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from storage import Storage
from storage.audit import AuditLog
from storage.schema import audit_entries
from tests.fixtures_storage import MakeDocument, store


@pytest.fixture
def log(storage: Storage) -> AuditLog:
    """Six entries: portal reads, a reuse, a review, with a signed-off checkpoint after the fifth."""
    audit = storage.audit
    for n in range(1, 7):
        audit.append(f"portal-{n % 2}", "portal", "read", f"doc-{n}", "thủ tục 1.001", {"request": f"R{n}"})
        if n == 5:
            audit.checkpoint()
    return audit


def _exec(audit: AuditLog, statement: sa.Executable) -> None:
    """Tamper as an attacker with DDL rights: switch the append-only triggers off, then change rows."""
    with audit.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        else:
            conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_entries_no_update"))
            conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_entries_no_delete"))
        conn.execute(statement)


@pytest.mark.parametrize("statement", [audit_entries.delete(), audit_entries.update().values(purpose="x")])
def test_database_refuses_changes(log: AuditLog, statement: sa.Executable) -> None:
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        with log.engine.begin() as conn:
            conn.execute(statement)
    assert log.verify().ok


def test_intact_chain_verifies(log: AuditLog) -> None:
    result = log.verify()
    assert result.ok, result.describe()
    assert (result.entries, result.checkpoints) == (6, 1)
    assert "toàn vẹn" in result.describe() and "intact" in result.describe()


def test_deleted_entry_is_located(log: AuditLog) -> None:
    _exec(log, audit_entries.delete().where(audit_entries.c.seq == 3))
    result = log.verify()
    assert not result.ok
    assert (result.bad_seq, result.problem) == (3, "missing")
    assert "3" in result.describe()


def test_renumbered_deletion_is_located(log: AuditLog) -> None:
    """Deleting entry 3 and renumbering the rest hides the gap; the hash link still breaks at 3."""
    _exec(log, audit_entries.delete().where(audit_entries.c.seq == 3))
    for seq in range(4, 7):
        _exec(log, audit_entries.update().where(audit_entries.c.seq == seq).values(seq=seq - 1))
    result = log.verify()
    assert (result.ok, result.bad_seq, result.problem) == (False, 3, "broken_link")


def test_reordered_entries_are_located(log: AuditLog) -> None:
    _exec(log, audit_entries.update().where(audit_entries.c.seq == 2).values(seq=100))
    _exec(log, audit_entries.update().where(audit_entries.c.seq == 4).values(seq=2))
    _exec(log, audit_entries.update().where(audit_entries.c.seq == 100).values(seq=4))
    result = log.verify()
    assert (result.ok, result.bad_seq, result.problem) == (False, 2, "broken_link")


def test_edited_entry_is_located(log: AuditLog) -> None:
    _exec(log, audit_entries.update().where(audit_entries.c.seq == 4).values(purpose="không có lý do"))
    result = log.verify()
    assert (result.ok, result.bad_seq, result.problem) == (False, 4, "edited")
    assert "sửa" in result.describe() and "edited" in result.describe()


def test_deleted_tail_is_caught_by_checkpoint(log: AuditLog) -> None:
    _exec(log, audit_entries.delete().where(audit_entries.c.seq >= 5))
    result = log.verify()
    assert (result.ok, result.bad_seq, result.problem) == (False, 5, "tail_missing")


def test_rewritten_chain_is_caught_by_checkpoint(log: AuditLog) -> None:
    """An attacker with database access rebuilds a consistent chain without entry 2: only the locked checkpoint knows."""
    with log.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(audit_entries).order_by(audit_entries.c.seq)).mappings()]
    _exec(log, audit_entries.delete())
    for row in rows:
        if row["seq"] != 2:
            log.append(row["actor"], row["role"], row["action"], row["document_id"], row["purpose"])
    result = log.verify()
    assert (result.ok, result.bad_seq, result.problem) == (False, 5, "rewritten")


def test_owner_sees_accesses_to_own_documents(storage: Storage, make_document: MakeDocument) -> None:
    doc = store(storage, make_document("owner-log"))
    storage.audit.append("cong-dvc", "portal", "reuse", doc.id, "đăng ký thường trú")
    storage.audit.append("cong-dvc", "portal", "read", "someone-else", "khác")
    (entry,) = storage.audit.entries_for_owner("079301234567")
    assert (entry.actor, entry.action, entry.document_id, entry.purpose) == ("cong-dvc", "reuse", doc.id, "đăng ký thường trú")
    assert storage.audit.entries_for_owner("001099012345") == []


def test_concurrent_appends_form_one_chain(storage: Storage) -> None:
    """Four threads appending at once (API workers): every entry lands, the chain stays linear."""
    from concurrent.futures import ThreadPoolExecutor

    def worker(n: int) -> list[int]:
        return [storage.audit.append(f"worker-{n}", "portal", "read", f"doc-{i}", "tải").seq for i in range(10)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        seqs = sorted(s for chunk in pool.map(worker, range(4)) for s in chunk)
    assert seqs == list(range(1, 41))
    result = storage.audit.verify()
    assert result.ok and result.entries == 40


def test_append_many_is_one_linked_batch_across_writers(storage: Storage) -> None:
    """Batches from two connections pools (two API processes) interleave whole, never entry by entry."""
    from concurrent.futures import ThreadPoolExecutor

    from storage.audit import NewEntry
    from storage.catalog import create_catalog_engine

    other = AuditLog(create_catalog_engine(str(storage.audit.engine.url.render_as_string(hide_password=False))),
                     storage.objects, storage.audit.bucket, 1, None)

    def batch(n: int) -> list[int]:
        writer = storage.audit if n % 2 else other
        entries = [NewEntry(f"proc-{n % 2}", "portal", "find", f"doc-{n}-{i}", "tra cứu", {"n": n}) for i in range(5)]
        return [e.seq for e in writer.append_many(entries)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        batches = list(pool.map(batch, range(12)))
    other.engine.dispose()
    assert all(b == list(range(b[0], b[0] + 5)) for b in batches)  # each batch contiguous
    assert sorted(s for b in batches for s in b) == list(range(1, 61))
    result = storage.audit.verify()
    assert result.ok and result.entries == 60, result.describe()
    assert storage.audit.append_many([]) == []


def test_checkpoint_falls_due_when_a_batch_crosses_a_boundary(storage: Storage) -> None:
    from storage.audit import NewEntry

    audit = AuditLog(storage.audit.engine, storage.objects, storage.audit.bucket, 1, None, checkpoint_every=10)
    first = audit.append_many([NewEntry("a", "portal", "find", None, "p")] * 9, checkpoint=False)
    assert not audit.checkpoint_due(first) and audit.verify().checkpoints == 0
    second = audit.append_many([NewEntry("a", "portal", "find", None, "p")] * 3)
    assert audit.checkpoint_due(second)
    assert audit.verify().checkpoints == 1 and audit.verify().ok


def test_checkpoint_turns_are_spaced_for_the_whole_deployment(storage: Storage) -> None:
    """``claim_checkpoint``: one turn per spacing, whoever asks (the row is shared by every process)."""
    audit = storage.audit
    assert audit.claim_checkpoint(timedelta(minutes=1))
    assert not audit.claim_checkpoint(timedelta(minutes=1))
    assert audit.claim_checkpoint(timedelta(0))
