"""The portal query through psycopg (``storage.pg_direct``) answers exactly what SQLAlchemy's path answers:
same documents, same order, same Python values and types, for every filter combination."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from sohoa.errors import CatalogError
from sohoa.model import DocType, DocumentMeta, DocumentStatus, StoredDocument
from storage import catalog as catalog_module
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


@pytest.mark.parametrize("status", [DocumentStatus.ACTIVE, DocumentStatus.SUPERSEDED, DocumentStatus.DRAFT])
def test_psycopg_path_answers_as_sqlalchemy(pg_catalog: Catalog, status: DocumentStatus) -> None:
    compared = 0
    for owner, doc_type, valid_on, procedure, (limit, offset) in itertools.product(
        (*OWNERS, "079 301.234.567", "nobody"), (None, *TYPES), (None, date(2026, 12, 1)), (None, "1.001"),
        ((50, 0), (2, 1)),
    ):
        statement, params = catalog_module._find(owner, doc_type, valid_on, procedure, limit, offset, status)
        slow = pg_catalog._rows(statement, params)
        fast = pg_catalog.find(owner, doc_type, valid_on, procedure, limit, offset, status)
        assert fast == slow
        for a, b in zip(fast, slow, strict=True):
            assert [type(getattr(a, f)) for f in vars(a)] == [type(getattr(b, f)) for f in vars(b)]
        compared += len(fast)
    assert compared > 50  # the filters leave documents to compare


def test_psycopg_path_reports_a_dead_server_as_catalog_error(postgres_server: PostgresServer) -> None:
    """A catalog whose server is gone: the bilingual CatalogError, not a driver exception."""
    catalog = Catalog.open(postgres_server.create_database(f"t_{uuid.uuid4().hex[:12]}"))
    catalog.close()
    gone = Catalog(catalog_module.create_catalog_engine(catalog.engine.url.set(port=1).render_as_string(hide_password=False)))
    with pytest.raises(CatalogError):
        gone.find(OWNERS[0])
    gone.close()
