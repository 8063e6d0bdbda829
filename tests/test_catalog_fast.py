"""The portal query through psycopg (``storage.pg_direct``) answers exactly what SQLAlchemy's path answers:
same documents, same order, same Python values and types, for every filter combination."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from sohoa.errors import CatalogError
from sohoa.model import DocType, DocumentMeta, DocumentStatus, StoredDocument
from storage import catalog as catalog_module
from storage import pg_direct
from storage.catalog import Catalog
from storage.local_postgres import PostgresServer

OWNERS = ("079301234567", "0312345678-001")
TYPES = (DocType.CCCD_FRONT, DocType.BIRTH_CERTIFICATE)


@pytest.fixture(scope="module")
def pg_catalog(postgres_server: PostgresServer) -> Iterator[Catalog]:
    """Two owners' documents in every status, with and without validity, procedure and signature time."""
    catalog = Catalog.open(postgres_server.create_database(f"t_{uuid.uuid4().hex[:12]}"))
    statuses = (DocumentStatus.ACTIVE, DocumentStatus.ACTIVE, DocumentStatus.SUPERSEDED, DocumentStatus.DRAFT)
    for n in range(24):
        status = statuses[n % 4]
        catalog.put(StoredDocument(
            id=f"doc{n:04d}", doc_type=TYPES[n % 2], owner_id=OWNERS[n % 3 == 0],
            owner_name=None if n % 5 == 0 else "NGUYỄN THỊ “AN”",
            status=status, fields={"id_number": OWNERS[0], "n": n, "ghi_chú": None if n % 2 else "a\\b\"c\n"},
            sha256=f"{n:064x}", extraction_sha256=f"{n + 1:064x}", pdf_key=f"documents/doc{n:04d}.pdf",
            manifest_key=f"documents/doc{n:04d}.json", original_key=None if n % 3 else f"originals/{n}",
            original_sha256=f"{n:02d}" * 32, signer=None if status is DocumentStatus.DRAFT else "SỞ TƯ PHÁP",
            signed_at=None if status is DocumentStatus.DRAFT else datetime(2026, 1, 1, 8, 0, n, 1000 * n, tzinfo=UTC),
            meta=DocumentMeta(dossier_code=f"HS-{n}" if n % 2 else None, procedure_code=("1.001", "2.002", None)[n % 3],
                              agency="UBND" if n % 4 else None, owner_id=OWNERS[n % 3 == 0]),
            issue_date=date(2020, 1, 1) + timedelta(days=n) if n % 6 else None,
            valid_until=(date(2026, 11, 1) + timedelta(days=5 * n)) if n % 4 != 1 else None,
            superseded_by="doc0000" if status is DocumentStatus.SUPERSEDED else None,
        ), pdf_version=None)  # fmt: skip
    yield catalog
    catalog.close()


def _filters() -> Iterator[tuple[str, DocType | None, date | None, str | None, int, int]]:
    """Every combination of the portal query's filters, paging included, over owners with and without documents."""
    for owner, doc_type, valid_on, procedure, (limit, offset) in itertools.product(
        (*OWNERS, "079 301.234.567", "nobody"), (None, *TYPES), (None, date(2026, 12, 1)), (None, "1.001"),
        ((50, 0), (2, 1)),
    ):
        yield owner, doc_type, valid_on, procedure, limit, offset


def _same_documents(fast: list[StoredDocument], slow: list[StoredDocument]) -> None:
    assert fast == slow
    for a, b in zip(fast, slow, strict=True):
        assert [type(getattr(a, f)) for f in vars(a)] == [type(getattr(b, f)) for f in vars(b)]


@pytest.mark.parametrize("status", [DocumentStatus.ACTIVE, DocumentStatus.SUPERSEDED, DocumentStatus.DRAFT])
def test_psycopg_path_answers_as_sqlalchemy(pg_catalog: Catalog, status: DocumentStatus) -> None:
    compared = 0
    for owner, doc_type, valid_on, procedure, limit, offset in _filters():
        statement, params = catalog_module._find(owner, doc_type, valid_on, procedure, limit, offset, status)
        fast = pg_catalog.find(owner, doc_type, valid_on, procedure, limit, offset, status)
        _same_documents(fast, pg_catalog._rows(statement, params))
        compared += len(fast)
    assert compared > 50  # the filters leave documents to compare


def test_awaited_path_answers_as_sqlalchemy(pg_catalog: Catalog) -> None:
    """``find_async`` (the API's portal query, on the event loop) against SQLAlchemy's path."""

    async def compare() -> int:
        connections = pg_direct.AsyncConnections(pg_direct.libpq_url(pg_catalog.engine), 2)
        compared = 0
        try:
            for owner, doc_type, valid_on, procedure, limit, offset in _filters():
                statement, params = catalog_module._find(owner, doc_type, valid_on, procedure, limit, offset,
                                                         DocumentStatus.ACTIVE)  # fmt: skip
                fast = await pg_catalog.find_async(connections, owner, doc_type, valid_on, procedure, limit, offset)
                _same_documents(fast, pg_catalog._rows(statement, params))
                compared += len(fast)
        finally:
            await connections.close()
        return compared

    assert asyncio.run(compare()) > 30


def test_awaited_path_survives_a_dropped_connection_and_drops_a_cancelled_one(pg_catalog: Catalog) -> None:
    """Real faults: the server ends the idle connection's session (``pg_terminate_backend``), and a
    statement is cancelled halfway (``pg_sleep`` under a timeout). The read is repeated once on a fresh
    connection; the cancelled connection is closed, never handed to the next statement."""
    connections = pg_direct.AsyncConnections(pg_direct.libpq_url(pg_catalog.engine), 2)

    async def backend_pids() -> set[int]:
        return {row[0] for row in await connections.rows("SELECT pg_backend_pid()", {})}

    async def scenario() -> None:
        try:
            first = await backend_pids()
            with pg_catalog.engine.begin() as conn:
                conn.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": next(iter(first))})
            assert len(await pg_catalog.find_async(connections, OWNERS[0])) > 0
            assert await backend_pids() != first
            [(sleeping, _)] = connections._idle  # the one the next statement takes
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(connections.rows("SELECT pg_sleep(30)", {}), 0.5)
            assert sleeping.closed and not connections._idle
            assert len(await pg_catalog.find_async(connections, OWNERS[0])) > 0
        finally:
            await connections.close()

    asyncio.run(scenario())


def test_psycopg_path_reports_a_dead_server_as_catalog_error(postgres_server: PostgresServer) -> None:
    """A catalog whose server is gone: the bilingual CatalogError, not a driver exception."""
    catalog = Catalog.open(postgres_server.create_database(f"t_{uuid.uuid4().hex[:12]}"))
    catalog.close()
    gone = Catalog(catalog_module.create_catalog_engine(catalog.engine.url.set(port=1).render_as_string(hide_password=False)))
    with pytest.raises(CatalogError):
        gone.find(OWNERS[0])
    connections = pg_direct.AsyncConnections(pg_direct.libpq_url(gone.engine), 1, connect_timeout=5)
    with pytest.raises(CatalogError):
        asyncio.run(gone.find_async(connections, OWNERS[0]))
    gone.close()
