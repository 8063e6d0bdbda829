"""The PostgreSQL catalog survives its pooled connections being dropped (a server restart, a DBA's kill).

The pool does not ping every checkout (a round trip per query on the portal's
hot path): a connection idle ``IDLE_PING_SECONDS`` is pinged, and a read that
meets a connection broken while busy is run once more. The fault is real: the
server terminates the catalog's backends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from sohoa.model import DocType, DocumentMeta, DocumentStatus, StoredDocument
from storage import catalog as catalog_module
from storage.catalog import Catalog
from storage.local_postgres import PostgresServer

OWNER = "079301234567"


@pytest.fixture
def pg_catalog(postgres_server: PostgresServer) -> Iterator[Catalog]:
    catalog = Catalog.open(postgres_server.create_database(f"t_{uuid.uuid4().hex[:12]}"))
    yield catalog
    catalog.close()


def _document(doc_id: str) -> StoredDocument:
    return StoredDocument(id=doc_id, doc_type=DocType.CCCD_FRONT, owner_id=OWNER, owner_name="NGUYỄN THỊ AN",
                          status=DocumentStatus.ACTIVE, fields={"id_number": OWNER}, sha256="a" * 64,
                          extraction_sha256="b" * 64, pdf_key=f"documents/{doc_id}.pdf",
                          manifest_key=f"documents/{doc_id}.json", original_key=None, original_sha256=doc_id * 8,
                          signer="officer", signed_at=datetime(2026, 3, 1, tzinfo=UTC),
                          meta=DocumentMeta(procedure_code="1.001"))  # fmt: skip


def _kill_backends(catalog: Catalog) -> int:
    """Terminate every server backend of the catalog's database (from a connection of its own)."""
    admin = sa.create_engine(catalog.engine.url, poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        killed = conn.execute(
            sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")  # fmt: skip
        ).scalar_one()
    admin.dispose()
    return int(killed)


def test_a_read_on_a_dropped_connection_is_run_again(pg_catalog: Catalog) -> None:
    pg_catalog.put(_document("doc0001"), None)
    assert [d.id for d in pg_catalog.find(OWNER)] == ["doc0001"]
    assert _kill_backends(pg_catalog) >= 1  # the pooled connection, used a moment ago: not pinged
    assert [d.id for d in pg_catalog.find(OWNER)] == ["doc0001"]
    assert pg_catalog.get("doc0001").owner_name == "NGUYỄN THỊ AN"


def test_an_idle_connection_is_pinged_before_a_write(pg_catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    pg_catalog.put(_document("doc0001"), None)
    assert _kill_backends(pg_catalog) >= 1
    monkeypatch.setattr(catalog_module, "IDLE_PING_SECONDS", 0.0)  # every pooled connection counts as idle
    pg_catalog.put(_document("doc0002"), None)  # writes are not retried: only the ping can save this one
    assert sorted(d.id for d in pg_catalog.find(OWNER)) == ["doc0001", "doc0002"]
