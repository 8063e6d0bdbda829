"""The access trail: an append-only, hash-chained log with signed checkpoints.

Each entry's ``hash`` is SHA-256 over its own content (sequence number
included) and the previous entry's hash, so deleting, reordering or editing an
entry breaks the chain exactly where it happened. The table lives in the
catalog database and this class offers no update or delete. Rewriting the whole
chain is caught by checkpoints: every ``checkpoint_every`` entries the chain
head (seq, hash) is written to the audit bucket under COMPLIANCE lock, its CMS
signature embedded in the same object (so no reader ever sees a checkpoint
without its signature). A deleted tail is caught the same way.

Writers: ``append_many`` writes a batch in one transaction under a chain lock;
the API group-commits concurrent requests' entries through it (``api.auditing``).
On PostgreSQL that transaction is one statement (``sohoa_audit_append``,
migration 0004): the lock is held only while the server links and inserts the
batch, never across a round trip, so several API processes barely wait on it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import IntegrityError as DbIntegrityError
from sqlalchemy.exc import SQLAlchemyError

from sohoa.errors import AuditChainError, CatalogError, ConflictError, NotFoundError
from sohoa.logs import get_logger
from storage import pg_direct
from storage.catalog import normalise_owner_id
from storage.manifest import SIGNATURE_SUFFIX, canonical
from storage.objects import COMPLIANCE, ObjectStore
from storage.schema import audit_checkpoint_claim, audit_entries, documents
from storage.signer import DetachedSigner

log = get_logger(__name__)
GENESIS = "0" * 64
CHECKPOINT_PREFIX = "checkpoints/"
EMBEDDED_SIGNATURE = "signature"  # base64 CMS over the canonical JSON of the checkpoint's other keys
CHAIN_LOCK = int.from_bytes(b"sohoa:au", "big")  # PostgreSQL advisory lock serialising chain writers (≠ migrations' key)


@dataclass(frozen=True)
class NewEntry:
    """An access to record: who (actor, role), what (action, document), why (purpose); seq and hash come later."""

    actor: str
    role: str
    action: str
    document_id: str | None
    purpose: str | None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class AuditEntry:
    """One access: who (actor, role), when, what (action, document) and why (purpose)."""

    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    document_id: str | None
    purpose: str | None
    detail: dict[str, Any] | None
    prev_hash: str
    hash: str

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "actor": self.actor,
            "role": self.role,
            "action": self.action,
            "document_id": self.document_id,
            "purpose": self.purpose,
        }


def _hashed_body(seq: int, at: datetime, actor: str, role: str, action: str, document_id: str | None,
                 purpose: str | None, detail: str | None, prev_hash: str) -> bytes:
    """The canonical JSON an entry's hash is taken over."""
    return canonical({"seq": seq, "at": at.isoformat(), "actor": actor, "role": role, "action": action,
                      "document_id": document_id, "purpose": purpose, "detail": detail, "prev": prev_hash})


def entry_hash(seq: int, at: datetime, actor: str, role: str, action: str, document_id: str | None,
               purpose: str | None, detail: str | None, prev_hash: str) -> str:
    """The chain hash of one entry; ``at`` at microsecond precision in UTC."""
    return hashlib.sha256(_hashed_body(seq, at, actor, role, action, document_id, purpose, detail, prev_hash)).hexdigest()


_PREV_GENESIS = b'"prev":"' + GENESIS.encode() + b'"'  # only ever structural: quotes inside JSON strings are escaped
_SEQ_ZERO_END = b',"seq":0}'  # "seq" sorts last among the hashed keys


def hash_parts(at: datetime, new: NewEntry, detail: str | None) -> tuple[bytes, bytes]:
    """An entry's hashed JSON around its two values known only under the chain lock:
    (everything up to and including ``"prev":"``, everything from the closing quote up to ``"seq":``).
    ``head + prev_hash + tail + str(seq) + "}"`` is exactly ``_hashed_body`` (``sohoa_audit_append``
    completes it in PostgreSQL)."""
    body = _hashed_body(0, at, new.actor, new.role, new.action, new.document_id, new.purpose, detail, GENESIS)
    before, mark, after = body.partition(_PREV_GENESIS)
    if not mark or not after.endswith(_SEQ_ZERO_END):
        raise AuditChainError("Không dựng được nội dung băm của mục nhật ký",
                              "unexpected canonical form of an audit entry")
    return before + b'"prev":"', b'"' + after[:-2]


def _row_hash(row: RowMapping) -> str:
    return entry_hash(row["seq"], row["at"], row["actor"], row["role"], row["action"], row["document_id"],
                      row["purpose"], row["detail"], row["prev_hash"])


_APPEND = ("SELECT entry_seq, entry_prev_hash, entry_hash "
           "FROM sohoa_audit_append(%(lock)s::bigint, %(at)s, %(entries)s::json)")


def _with_detail_json(entries: Sequence[NewEntry]) -> list[tuple[NewEntry, str | None]]:
    """Each entry with its detail as the canonical JSON that is hashed and stored."""
    return [(e, json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else None) for e in entries]


def _append_params(rows: list[tuple[NewEntry, str | None]], at: datetime) -> dict[str, Any]:
    """``_APPEND``'s parameters: the batch travels as one JSON array (one parameter to encode, not ten
    arrays escaped element by element), each entry with its hashed JSON around the values known only
    under the chain lock (``hash_parts``)."""
    entries = []
    for new, detail in rows:
        head, tail = hash_parts(at, new, detail)
        entries.append([new.actor, new.role, new.action, new.document_id, new.purpose, detail,
                        head.decode(), tail.decode()])  # fmt: skip
    return {"lock": CHAIN_LOCK, "at": at.replace(tzinfo=None), "entries": json.dumps(entries, ensure_ascii=False)}


def _written(rows: list[tuple[NewEntry, str | None]], links: Sequence[tuple[int, str, str]],
             at: datetime) -> list[AuditEntry]:  # fmt: skip
    """The appended entries, from what was sent and the (seq, prev_hash, hash) links the chain gave them."""
    return [AuditEntry(seq, at, new.actor, new.role, new.action, new.document_id, new.purpose,
                       json.loads(detail) if detail else None, prev, digest)
            for (new, detail), (seq, prev, digest) in zip(rows, links, strict=True)]  # fmt: skip


def _append_failed(error: BaseException) -> CatalogError:
    return CatalogError("Không ghi được nhật ký", "Audit append failed", detail=type(error).__name__)


def _lock_chain(conn: Connection) -> None:
    """Serialise chain writers for this transaction: an advisory lock on PostgreSQL, the database
    write lock on SQLite (taken now, before the head is read, instead of at the first insert)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(CHAIN_LOCK)))
    elif conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _to_entry(row: RowMapping) -> AuditEntry:
    detail = json.loads(row["detail"]) if row["detail"] else None
    return AuditEntry(row["seq"], row["at"], row["actor"], row["role"], row["action"], row["document_id"],
                      row["purpose"], detail, row["prev_hash"], row["hash"])


@dataclass(frozen=True)
class AuditVerification:
    """Outcome of ``AuditLog.verify``: ``ok``, or the first bad entry and what is wrong with it."""

    ok: bool
    entries: int
    checkpoints: int
    bad_seq: int | None = None
    problem: str | None = None  # "missing", "broken_link", "edited", "tail_missing", "rewritten", "bad_signature"
    vi: str = ""
    en: str = ""

    def describe(self) -> str:
        if self.ok:
            return (f"Chuỗi nhật ký toàn vẹn: {self.entries} mục, {self.checkpoints} điểm kiểm tra / "
                    f"audit chain intact: {self.entries} entries, {self.checkpoints} checkpoints")
        return (f"Nhật ký bị sửa đổi tại mục {self.bad_seq}: {self.vi} / "
                f"audit log tampered at entry {self.bad_seq}: {self.en}")


_PROBLEMS = {
    "missing": ("mục này đã bị xoá", "this entry was deleted"),
    "broken_link": (
        "liên kết với mục trước bị đứt (xoá hoặc đảo thứ tự)",
        "link to the previous entry is broken (deleted or reordered)",
    ),
    "edited": ("nội dung mục đã bị sửa", "the entry's content was edited"),
    "tail_missing": (
        "các mục cuối đã bị xoá so với điểm kiểm tra đã ký",
        "entries after this point were deleted (signed checkpoint is later)",
    ),
    "rewritten": ("chuỗi khác với điểm kiểm tra đã ký", "the chain differs from the signed checkpoint"),
    "bad_signature": ("chữ ký điểm kiểm tra không hợp lệ", "checkpoint signature is invalid"),
}


def _failure(problem: str, seq: int, entries: int, checkpoints: int) -> AuditVerification:
    vi, en = _PROBLEMS[problem]
    return AuditVerification(False, entries, checkpoints, seq, problem, vi, en)


class AuditLog:
    """Appends, checkpoints and verifies the chain in the catalog database."""

    def __init__(self, engine: Engine, objects: ObjectStore, bucket: str, retain_days: int,
                 signer: DetachedSigner | None, checkpoint_every: int = 100) -> None:
        self.engine = engine
        self.objects = objects
        self.bucket = bucket
        self.retain_days = retain_days
        self.signer = signer
        self.checkpoint_every = checkpoint_every

    def append(self, actor: str, role: str, action: str, document_id: str | None, purpose: str | None,
               detail: dict[str, Any] | None = None) -> AuditEntry:
        """Add one entry at the head (one transaction); a checkpoint follows when one falls due."""
        return self.append_many([NewEntry(actor, role, action, document_id, purpose, detail)])[0]

    def append_many(self, entries: Sequence[NewEntry], *, checkpoint: bool = True) -> list[AuditEntry]:
        """Add ``entries`` in order at the head, all in ONE transaction (all durable, or none).

        The chain is computed for the whole batch after the head is read under the
        chain lock (a PostgreSQL advisory lock, taken and released inside one
        statement; SQLite's write lock), so concurrent processes never interleave;
        a collision on the sequence number (a writer without the lock) is retried.
        ``checkpoint=False`` leaves a checkpoint that falls due to the caller (see
        ``checkpoint_due``), e.g. to run it off the hot path.
        """
        if not entries:
            return []
        rows = _with_detail_json(entries)
        for _ in range(20):
            try:
                written = self._insert_batch(rows)
            except (DbIntegrityError, psycopg.IntegrityError):
                continue
            except (SQLAlchemyError, psycopg.Error) as e:
                raise _append_failed(e) from e
            if checkpoint and self.checkpoint_due(written):
                self.checkpoint()
            return written
        raise AuditChainError("Nhật ký đang bị ghi tranh chấp", "Audit append kept colliding with other writers")

    def checkpoint_due(self, written: Sequence[AuditEntry]) -> bool:
        """Whether ``written`` (consecutive entries) crossed a multiple of ``checkpoint_every``."""
        return bool(written) and written[-1].seq // self.checkpoint_every > (written[0].seq - 1) // self.checkpoint_every

    def _insert_batch(self, rows: list[tuple[NewEntry, str | None]]) -> list[AuditEntry]:
        """One attempt at appending; every entry of the batch carries the same ``at``, the time the
        batch was handed over (taken before the chain lock is waited for)."""
        at = datetime.now(timezone.utc)
        append = self._append_in_database if self.engine.dialect.name == "postgresql" else self._append_here
        return _written(rows, append(rows, at), at)

    def _append_in_database(self, rows: list[tuple[NewEntry, str | None]], at: datetime) -> list[tuple[int, str, str]]:
        """PostgreSQL: one statement in autocommit, sent through psycopg (``storage.pg_direct``), whose
        function (``sohoa_audit_append``, migration 0004) takes the chain lock, reads the head, links and
        inserts the batch, and commits: the lock is never held across a round trip to this process.
        Returns (seq, prev_hash, hash) per entry."""
        return [(r[0], r[1], r[2]) for r in pg_direct.execute(self.engine, _APPEND, _append_params(rows, at))]

    async def append_many_async(self, connections: pg_direct.AsyncConnections,
                                entries: Sequence[NewEntry]) -> list[AuditEntry]:  # fmt: skip
        """``append_many(entries, checkpoint=False)`` awaited on an event loop, PostgreSQL only (``connections``
        made from ``pg_direct.libpq_url(self.engine)``): the same single statement, so the same chain.
        Sent once: ``sohoa_audit_append`` holds the chain lock, so no writer can collide with it."""
        if not entries:
            return []
        rows, at = _with_detail_json(entries), datetime.now(timezone.utc)
        try:
            links = await connections.rows(_APPEND, _append_params(rows, at))
        except psycopg.Error as e:
            raise _append_failed(e) from e
        return _written(rows, [(r[0], r[1], r[2]) for r in links], at)

    def _append_here(self, rows: list[tuple[NewEntry, str | None]], at: datetime) -> list[tuple[int, str, str]]:
        """SQLite: the head is read and the batch inserted in one transaction under the database write lock."""
        with self.engine.begin() as conn:
            _lock_chain(conn)
            head = conn.execute(
                sa.select(audit_entries.c.seq, audit_entries.c.hash).order_by(audit_entries.c.seq.desc()).limit(1)
            ).first()
            seq, prev = (head[0], head[1]) if head else (0, GENESIS)
            links, inserted = [], []
            for new, detail in rows:
                seq += 1
                digest = entry_hash(seq, at, new.actor, new.role, new.action, new.document_id, new.purpose, detail, prev)
                links.append((seq, prev, digest))
                inserted.append({"seq": seq, "at": at, "actor": new.actor, "role": new.role, "action": new.action,
                                 "document_id": new.document_id, "purpose": new.purpose, "detail": detail,
                                 "prev_hash": prev, "hash": digest})  # fmt: skip
                prev = digest
            conn.execute(audit_entries.insert(), inserted)
        return links

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last entry; (0, GENESIS) for an empty log."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(audit_entries.c.seq, audit_entries.c.hash).order_by(audit_entries.c.seq.desc()).limit(1)
            ).first()
        return (row[0], row[1]) if row else (0, GENESIS)

    def claim_checkpoint(self, spacing: timedelta) -> bool:
        """Take this process's turn to checkpoint, unless any process took one less than ``spacing`` ago.

        One conditional UPDATE of one row (migration 0005): the database serialises
        concurrent claims, and a claim waiting on another's re-reads the row, so
        exactly one of them wins each turn, in every process and on every host."""
        now = datetime.now(timezone.utc)
        claim = audit_checkpoint_claim
        with self.engine.begin() as conn:
            taken = conn.execute(claim.update().where(claim.c.id == 1, claim.c.claimed_at <= now - spacing)
                                 .values(claimed_at=now))  # fmt: skip
        return taken.rowcount == 1

    def checkpoint(self) -> str | None:
        """Store the signed chain head under COMPLIANCE lock; returns its key (None for an empty log or a repeat)."""
        seq, digest = self.head()
        if seq == 0:
            return None
        key = f"{CHECKPOINT_PREFIX}{seq:012d}.json"
        if self.objects.stored_sha256(self.bucket, key) is not None:
            return None
        body = {"seq": seq, "hash": digest, "at": datetime.now(timezone.utc).isoformat()}
        if self.signer is not None:  # in the same object: a checkpoint is never seen without its signature
            body[EMBEDDED_SIGNATURE] = base64.b64encode(self.signer.sign(canonical(body))).decode()
        try:
            self.objects.put_verified(self.bucket, key, canonical(body), mode=COMPLIANCE, days=self.retain_days,
                                      content_type="application/json", create_only=True)
        except ConflictError:  # another process checkpointed the same head
            return None
        log.info("audit.checkpoint", seq=seq)
        return key

    def _rows(self) -> Iterator[RowMapping]:
        with self.engine.connect() as conn:
            yield from conn.execution_options(yield_per=1000).execute(
                sa.select(audit_entries).order_by(audit_entries.c.seq)
            ).mappings()

    def _checkpoints(self) -> list[tuple[int, str, bool | None]]:
        """Stored checkpoints as (seq, hash, signature ok or None when not checked)."""
        found = []
        for key in self.objects.keys(self.bucket, CHECKPOINT_PREFIX, ".json"):
            raw = json.loads(self.objects.get_bytes(self.bucket, key))
            signature_ok = None if self.signer is None else self._signature_ok(key, raw)
            found.append((int(raw["seq"]), str(raw["hash"]), signature_ok))
        return found

    def _signature_ok(self, key: str, raw: dict[str, Any]) -> bool:
        """The embedded signature over the rest of the checkpoint, or (older checkpoints) ``<key>.p7s``."""
        assert self.signer is not None
        embedded = raw.pop(EMBEDDED_SIGNATURE, None)
        try:
            signature = (base64.b64decode(embedded) if embedded is not None
                         else self.objects.get_bytes(self.bucket, key + SIGNATURE_SUFFIX))  # fmt: skip
        except (NotFoundError, ValueError):  # a checkpoint without its signature proves nothing
            return False
        return bool(self.signer.verify(canonical(raw), signature))

    def verify(self) -> AuditVerification:
        """Recompute the chain, then hold it against every stored checkpoint; locate the first fault.

        Checkpoints are listed first: one made while the chain is read then never
        names an entry the read could miss (appends go on during verification)."""
        checkpoints = self._checkpoints()
        hashes: dict[int, str] = {}
        prev, expected = GENESIS, 1
        for row in self._rows():
            problem = "missing" if row["seq"] != expected else "broken_link" if row["prev_hash"] != prev else None
            if problem is None and _row_hash(row) != row["hash"]:
                problem = "edited"
            if problem is not None:
                return _failure(problem, expected if problem == "missing" else row["seq"], len(hashes), 0)
            hashes[row["seq"]] = prev = row["hash"]
            expected += 1
        for seq, digest, signature_ok in sorted(checkpoints):
            if signature_ok is False:
                return _failure("bad_signature", seq, len(hashes), len(checkpoints))
            if seq not in hashes:
                return _failure("tail_missing", expected, len(hashes), len(checkpoints))
            if hashes[seq] != digest:
                return _failure("rewritten", seq, len(hashes), len(checkpoints))
        return AuditVerification(True, len(hashes), len(checkpoints))

    def entries_for_owner(self, owner_id: str, limit: int = 200) -> list[AuditEntry]:
        """Accesses to an owner's documents, newest first (the citizen's access log)."""
        owned = sa.select(documents.c.id).where(documents.c.owner_id == normalise_owner_id(owner_id))
        query = (
            sa.select(audit_entries)
            .where(audit_entries.c.document_id.in_(owned))
            .order_by(audit_entries.c.seq.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_to_entry(r) for r in conn.execute(query).mappings()]
