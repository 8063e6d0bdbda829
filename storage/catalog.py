"""The catalog: one row per stored document, the index portals query.

SQLite by default, PostgreSQL in production; the schema is brought to the
latest Alembic revision when the catalog is opened. The catalog is a *view* of
the object store: every row can be rebuilt from the MinIO manifests
(``Storage.reindex``), so nothing here is the only copy of anything.
Nothing is deleted within retention: superseding and revoking change status.
"""

from __future__ import annotations

import fcntl
import functools
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine, RowMapping
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

from sohoa.errors import CatalogError, InputFileError, NotFoundError
from sohoa.model import ArchiveTimestamp, DocType, DocumentMeta, DocumentStatus, StoredDocument
from storage import pg_direct
from storage.pg_direct import IDLE_PING_SECONDS
from storage.schema import documents

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_OWNER_JUNK = re.compile(r"[\s.]")
_MIGRATING = threading.Lock()  # Alembic's ``context`` proxy is module-global: one migration per process at a time
BULK_ROWS = 1000  # rows per INSERT executemany in ``rebuild``
MIGRATION_LOCK_KEY = int.from_bytes(b"sohoa", "big")  # the PostgreSQL advisory lock id of catalog migrations
POOL_SIZE = 20  # connections kept per process: above the concurrent requests of an API worker, so none is
# opened and closed per request (an overflow connection costs a PostgreSQL backend start)
POOL_OVERFLOW = 20
POOL_RECYCLE_SECONDS = 1800
_T = TypeVar("_T")


def normalise_owner_id(owner_id: str) -> str:
    """Citizen ID or enterprise code as stored: spaces and dots removed (a branch keeps ``-001``)."""
    return _OWNER_JUNK.sub("", owner_id)


def create_catalog_engine(url: str) -> Engine:
    """An engine for ``url``. For SQLite the file's folder is created on the way and writers
    from several threads (batch flows, API workers) wait up to 30 s for the lock instead of failing.

    For PostgreSQL the pool keeps ``POOL_SIZE`` connections and pings only a connection that sat
    idle ``IDLE_PING_SECONDS`` or more (``_ping_when_idle``) instead of every checkout (SQLAlchemy's
    ``pool_pre_ping`` costs a round trip per query); a connection that breaks while in use fails its
    statement, marks the pool stale, and reads retry once (``Catalog._read``)."""
    if url.startswith("sqlite:"):
        if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        return sa.create_engine(url, connect_args={"timeout": 30})
    engine = sa.create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_recycle=POOL_RECYCLE_SECONDS)
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection at checkout only when it was idle ``IDLE_PING_SECONDS`` or more (the
    server may have restarted or dropped it meanwhile); a failed ping makes the pool open a new one."""

    @sa.event.listens_for(engine, "checkin")
    def _checked_in(_: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, _: Any) -> None:
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as e:  # noqa: BLE001 - any failure means this connection is unusable
            raise DisconnectionError("idle connection failed its ping") from e


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """An exclusive ``flock`` on ``<database>.lock`` (other processes and threads wait); none in memory.

    SQLite runs Alembic's DDL outside a transaction, so two first opens would
    both find no schema and both create it."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _serialise_in_database(connection: sa.Connection) -> None:
    """On PostgreSQL, hold a transaction-scoped advisory lock until the migration commits, so
    concurrent first opens (any host) migrate one after the other; the later ones find ``head``."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})


def alembic_config() -> Config:
    """Alembic's configuration for the catalog's migrations (the caller puts its connection in ``attributes``)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the latest Alembic revision (idempotent, safe to call concurrently
    from threads and processes: Alembic's module-level context is used by one thread at a time,
    and a file lock (SQLite) or an advisory lock (PostgreSQL) orders processes)."""
    config = alembic_config()
    try:
        with _MIGRATING, _sqlite_file_lock(engine), engine.begin() as connection:
            _serialise_in_database(connection)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as e:
        raise CatalogError("Không nâng cấp được danh mục", "Catalog migration failed", detail=str(e)[:300]) from e


def _row_to_document(row: RowMapping | dict[str, Any]) -> StoredDocument:
    return StoredDocument(
        id=row["id"],
        doc_type=DocType(row["doc_type"]),
        owner_id=row["owner_id"],
        owner_name=row["owner_name"],
        status=DocumentStatus(row["status"]),
        fields=dict(row["fields"]),
        sha256=row["sha256"],
        extraction_sha256=row["extraction_sha256"],
        pdf_key=row["pdf_key"],
        manifest_key=row["manifest_key"],
        original_key=row["original_key"],
        original_sha256=row["original_sha256"],
        signer=row["signer"],
        signed_at=row["signed_at"],
        meta=DocumentMeta(
            dossier_code=row["dossier_code"],
            procedure_code=row["procedure_code"],
            agency=row["agency"],
            owner_id=row["owner_id"],
        ),
        issue_date=row["issue_date"],
        valid_until=row["valid_until"],
        superseded_by=row["superseded_by"],
        revoked_reason=row["revoked_reason"],
    )


@dataclass(frozen=True)
class CatalogRow:
    """What one row holds beyond the document: the object version of its PDF, its newest timestamp."""

    document: StoredDocument
    pdf_version: str | None
    archive: ArchiveTimestamp | None = None


def _document_to_row(doc: StoredDocument, pdf_version: str | None, archive: ArchiveTimestamp | None = None) -> dict[str, Any]:
    return {
        "id": doc.id,
        "doc_type": doc.doc_type.value,
        "owner_id": doc.owner_id,
        "owner_name": doc.owner_name,
        "dossier_code": doc.meta.dossier_code,
        "procedure_code": doc.meta.procedure_code,
        "agency": doc.meta.agency,
        "issue_date": doc.issue_date,
        "valid_until": doc.valid_until,
        "status": doc.status.value,
        "fields": dict(doc.fields),
        "sha256": doc.sha256,
        "extraction_sha256": doc.extraction_sha256,
        "pdf_key": doc.pdf_key,
        "pdf_version": pdf_version,
        "manifest_key": doc.manifest_key,
        "original_key": doc.original_key,
        "original_sha256": doc.original_sha256,
        "signer": doc.signer,
        "signed_at": doc.signed_at,
        "superseded_by": doc.superseded_by,
        "revoked_reason": doc.revoked_reason,
        "timestamped_at": archive.at if archive else None,
        "tsa_not_after": archive.tsa_not_after if archive else None,
    }


def _doc_type(value: DocType | str) -> DocType:
    try:
        return DocType(value)
    except ValueError as e:
        raise InputFileError(f"Loại giấy tờ không hợp lệ: {value}", f"Unknown document type: {value}") from e


def find_query(
    owner_id: str,
    doc_type: DocType | str | None = None,
    valid_on: date | None = None,
    procedure: str | None = None,
    limit: int = 50,
    offset: int = 0,
    status: DocumentStatus = DocumentStatus.ACTIVE,
) -> sa.Select[Any]:
    """The portal query (served by ``ix_documents_portal``) with its values bound; the benchmark EXPLAINs this."""
    statement, params = _find(owner_id, doc_type, valid_on, procedure, limit, offset, status)
    return statement.params(params)


def _find(
    owner_id: str, doc_type: DocType | str | None, valid_on: date | None, procedure: str | None, limit: int,
    offset: int, status: DocumentStatus,
) -> tuple[sa.Select[Any], dict[str, Any]]:  # fmt: skip
    """The portal query's statement (built once per combination of filters) and its parameter values."""
    params: dict[str, Any] = {"owner_id": normalise_owner_id(owner_id), "status": status.value, "limit": limit,
                              "offset": offset}  # fmt: skip
    if doc_type is not None:
        params["doc_type"] = _doc_type(doc_type).value
    if valid_on is not None:
        params["valid_on"] = valid_on
    if procedure is not None:
        params["procedure"] = procedure
    return _find_statement(doc_type is not None, valid_on is not None, procedure is not None), params


_DOCUMENT_COLUMNS = [c for c in documents.c if c.name not in {"pdf_version", "timestamped_at", "tsa_not_after"}]


@functools.cache  # 8 statements at most; building one costs more than running the query on SQLite
def _find_statement(by_type: bool, by_validity: bool, by_procedure: bool) -> sa.Select[Any]:
    c = documents.c
    query = sa.select(*_DOCUMENT_COLUMNS).where(c.owner_id == sa.bindparam("owner_id"), c.status == sa.bindparam("status"))
    if by_type:
        query = query.where(c.doc_type == sa.bindparam("doc_type"))
    if by_validity:
        query = query.where(sa.or_(c.valid_until.is_(None), c.valid_until >= sa.bindparam("valid_on")))
    if by_procedure:
        query = query.where(c.procedure_code == sa.bindparam("procedure"))
    limit, offset = sa.bindparam("limit", type_=sa.Integer), sa.bindparam("offset", type_=sa.Integer)
    return query.order_by(c.signed_at.desc(), c.id).limit(limit).offset(offset)


_SUPERSEDE = (
    documents.update()
    .where(documents.c.id == sa.bindparam("doc_id"))
    .values(status=DocumentStatus.SUPERSEDED.value, superseded_by=sa.bindparam("by"))
)
_REVOKE = (
    documents.update()
    .where(documents.c.id == sa.bindparam("doc_id"))
    .values(status=DocumentStatus.REVOKED.value, revoked_reason=sa.bindparam("reason"))
)


def _apply_status(conn: sa.Connection, superseded: list[tuple[str, str]], revoked: list[tuple[str, str]]) -> None:
    """Supersessions in the given order (each an executemany), then revocations, which win."""
    if superseded:
        conn.execute(_SUPERSEDE, [{"doc_id": doc_id, "by": by} for doc_id, by in superseded])
    if revoked:
        conn.execute(_REVOKE, [{"doc_id": doc_id, "reason": reason} for doc_id, reason in revoked])


class Catalog:
    """Queries and status changes of catalogued documents."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Reads are single SELECTs: in autocommit they need no BEGIN and ROLLBACK round trips.
        self._reader = engine.execution_options(isolation_level="AUTOCOMMIT")

    @classmethod
    def open(cls, url: str) -> Catalog:
        engine = create_catalog_engine(url)
        migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    def _read(self, query: sa.Select[Any], collect: Callable[[sa.CursorResult[Any]], _T],
              params: dict[str, Any] | None = None) -> _T:  # fmt: skip
        """Run a read; once more on a fresh connection when the pooled one turned out to be broken
        (a server restart since its last use: reads are safe to repeat)."""
        try:
            try:
                return self._run(query, collect, params)
            except DBAPIError as e:
                if not e.connection_invalidated:
                    raise
                return self._run(query, collect, params)
        except SQLAlchemyError as e:
            raise CatalogError("Lỗi truy vấn danh mục", "Catalog query failed", detail=type(e).__name__) from e

    def _run(self, query: sa.Select[Any], collect: Callable[[sa.CursorResult[Any]], _T],
             params: dict[str, Any] | None) -> _T:  # fmt: skip
        with self._reader.connect() as conn:
            return collect(conn.execute(query, params))

    def _rows(self, query: sa.Select[Any], params: dict[str, Any] | None = None) -> list[StoredDocument]:
        return self._read(query, lambda result: [_row_to_document(r) for r in result.mappings()], params)

    def _scalars(self, query: sa.Select[Any]) -> list[Any]:
        return self._read(query, lambda result: list(result.scalars()))

    def _write(self, statement: sa.Executable, params: list[dict[str, Any]] | None = None) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(statement, params) if params else conn.execute(statement)
        except SQLAlchemyError as e:
            raise CatalogError("Lỗi ghi danh mục", "Catalog write failed", detail=type(e).__name__) from e

    # --- writes -----------------------------------------------------------------------

    def put(self, doc: StoredDocument, pdf_version: str | None, archive: ArchiveTimestamp | None = None) -> None:
        """Insert the row, or replace it when the id exists (a draft becoming signed, a reconcile)."""
        row = _document_to_row(doc, pdf_version, archive)
        try:
            with self.engine.begin() as conn:
                conn.execute(documents.delete().where(documents.c.id == doc.id))
                conn.execute(documents.insert().values(**row))
        except SQLAlchemyError as e:
            raise CatalogError("Lỗi ghi danh mục", "Catalog write failed", detail=type(e).__name__) from e

    def rebuild(self, rows: list[CatalogRow], superseded: list[tuple[str, str]], revoked: list[tuple[str, str]]) -> int:
        """Replace every document row by ``rows`` (bulk insert), then apply the status changes,
        all in one transaction (``reindex``); returns the number of rows."""
        try:
            with self.engine.begin() as conn:
                conn.execute(documents.delete())
                for start in range(0, len(rows), BULK_ROWS):
                    chunk = rows[start : start + BULK_ROWS]
                    conn.execute(documents.insert(), [_document_to_row(r.document, r.pdf_version, r.archive) for r in chunk])
                _apply_status(conn, superseded, revoked)
        except SQLAlchemyError as e:
            raise CatalogError("Lỗi ghi danh mục", "Catalog write failed", detail=type(e).__name__) from e
        return len(rows)

    def apply_status(self, superseded: list[tuple[str, str]], revoked: list[tuple[str, str]]) -> None:
        """Mark (id, by) pairs superseded, then (id, reason) pairs revoked, in one transaction."""
        try:
            with self.engine.begin() as conn:
                _apply_status(conn, superseded, revoked)
        except SQLAlchemyError as e:
            raise CatalogError("Lỗi ghi danh mục", "Catalog write failed", detail=type(e).__name__) from e

    def set_archive(self, document_id: str, archive: ArchiveTimestamp, pdf: tuple[str, str | None] | None = None) -> None:
        """Record the document's newest timestamp; with ``pdf`` = (sha256, version id), the PDF
        revision that carries it (a re-timestamp) becomes the one served."""
        values: dict[str, Any] = {"timestamped_at": archive.at, "tsa_not_after": archive.tsa_not_after}
        if pdf is not None:
            values.update(sha256=pdf[0], pdf_version=pdf[1])
        self._write(documents.update().where(documents.c.id == document_id).values(**values))

    def mark_superseded(self, ids: Iterable[str], by: str) -> None:
        self.apply_status([(i, by) for i in ids], [])

    def mark_revoked(self, document_id: str, reason: str) -> None:
        self.apply_status([], [(document_id, reason)])

    def retype_draft(self, document_id: str, doc_type: DocType) -> None:
        """A reviewer's correction of a draft's type (finalising signs it as this type); drafts only."""
        self._write(documents.update().where(documents.c.id == document_id, documents.c.status == DocumentStatus.DRAFT.value)
                    .values(doc_type=doc_type.value))

    def mark_rejected(self, document_id: str, reason: str) -> None:
        """A draft refused in review: out of the queue for good, the reason kept (nothing deleted)."""
        self._write(documents.update().where(documents.c.id == document_id)
                    .values(status=DocumentStatus.REJECTED.value, revoked_reason=reason))

    # --- reads ------------------------------------------------------------------------

    def get(self, document_id: str) -> StoredDocument:
        found = self._rows(sa.select(documents).where(documents.c.id == document_id))
        if not found:
            raise NotFoundError("Không tìm thấy tài liệu", "Document not found", detail=document_id)
        return found[0]

    def in_status(self, status: DocumentStatus, limit: int = 50, offset: int = 0) -> list[StoredDocument]:
        """Documents in ``status`` in id order, one query (the review queue lists drafts)."""
        return self._rows(sa.select(documents).where(documents.c.status == status.value)
                          .order_by(documents.c.id).limit(limit).offset(offset))

    def by_original(self, original_sha256: str) -> StoredDocument | None:
        found = self._rows(sa.select(documents).where(documents.c.original_sha256 == original_sha256))
        return found[0] if found else None

    def pdf_version(self, document_id: str) -> str | None:
        """The exact object version of the document's PDF recorded at write time."""
        found = self._scalars(sa.select(documents.c.pdf_version).where(documents.c.id == document_id))
        return found[0] if found else None

    def find(
        self,
        owner_id: str,
        doc_type: DocType | str | None = None,
        valid_on: date | None = None,
        procedure: str | None = None,
        limit: int = 50,
        offset: int = 0,
        status: DocumentStatus = DocumentStatus.ACTIVE,
    ) -> list[StoredDocument]:
        """An owner's documents in ``status``, newest signature first; ``valid_on`` drops expired ones.
        On PostgreSQL the query runs through psycopg directly (``storage.pg_direct``: the API's hot path)."""
        statement, params = _find(owner_id, doc_type, valid_on, procedure, limit, offset, status)
        if self.engine.dialect.name == "postgresql":
            return [_row_to_document(row) for row in pg_direct.fetch(self.engine, statement, params)]
        return self._rows(statement, params)

    async def find_async(
        self,
        connections: pg_direct.AsyncConnections,
        owner_id: str,
        doc_type: DocType | str | None = None,
        valid_on: date | None = None,
        procedure: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[StoredDocument]:
        """``find`` of active documents awaited on an event loop, PostgreSQL only (``connections`` made from
        ``pg_direct.libpq_url(self.engine)``): the API's portal query, with no thread hand-over."""
        statement, params = _find(owner_id, doc_type, valid_on, procedure, limit, offset, DocumentStatus.ACTIVE)
        rows = await pg_direct.fetch_async(connections, statement, self.engine.dialect, params)
        return [_row_to_document(row) for row in rows]

    def ids(self, status: DocumentStatus | None = None) -> set[str]:
        """Ids of every document, or of those in ``status``."""
        query = sa.select(documents.c.id)
        if status is not None:
            query = query.where(documents.c.status == status.value)
        return set(self._scalars(query))

    def due_for_timestamp(self, older_than: datetime, tsa_expiring_before: datetime, limit: int) -> list[str]:
        """Ids of signed documents (active, superseded or revoked: all are kept as evidence) whose
        newest timestamp was made before ``older_than`` or whose TSA certificate expires before
        ``tsa_expiring_before``; oldest timestamp first."""
        newest = sa.func.coalesce(documents.c.timestamped_at, documents.c.signed_at)
        query = (
            sa.select(documents.c.id)
            .where(documents.c.status != DocumentStatus.DRAFT.value, documents.c.signed_at.is_not(None))
            .where(sa.or_(newest < older_than, documents.c.tsa_not_after < tsa_expiring_before))
            .order_by(newest, documents.c.id)
            .limit(limit)
        )
        return self._scalars(query)

    def unsurveyed(self, limit: int) -> list[str]:
        """Ids of signed documents whose TSA certificate expiry is not known yet."""
        query = (
            sa.select(documents.c.id)
            .where(documents.c.status != DocumentStatus.DRAFT.value, documents.c.signed_at.is_not(None))
            .where(documents.c.tsa_not_after.is_(None))
            .order_by(documents.c.id)
            .limit(limit)
        )
        return self._scalars(query)

    def all(self) -> list[StoredDocument]:
        """Every row in id order (reindex comparisons, exports)."""
        return self._rows(sa.select(documents).order_by(documents.c.id))
