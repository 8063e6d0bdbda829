"""Session fixtures of the storage tests (registered in conftest.py).

Documents are built as plain domain objects (``Extraction``, ``SignedDocument``)
around a small real PDF written with pikepdf, so the storage tests need neither
OCR nor the PKI. ``storage`` opens a real ``Storage`` on the session MinIO and
the parametrised catalog (SQLite, then PostgreSQL).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pikepdf
import pytest

from sohoa.model import Decision, DocType, DocumentMeta, Extraction, Field, SignedDocument, Source, StoredDocument
from sohoa.settings import PROJECT_ROOT, Settings
from storage import Storage, open_storage
from storage.local_minio import MinioServer, free_port


def write_pdf(path: Path, text: str) -> Path:
    """A one-page PDF whose content stream carries ``text`` (so every call can differ)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    pdf.pages[0].Contents = pdf.make_stream(f"% {text}\nBT ET".encode())
    pdf.save(path)
    return path


def extraction_for(doc_type: DocType, values: dict[str, str | int | None]) -> Extraction:
    fields = {name: Field(name, value, 0.99, Source.OCR) for name, value in values.items()}
    return Extraction(doc_type, Decision.AUTO_APPROVED, fields)


def cccd_values(id_number: str, name: str, expiry: str) -> dict[str, str | int | None]:
    return {
        "id_number": id_number,
        "full_name": name,
        "date_of_birth": "1990-05-01",
        "sex": "Nữ",
        "nationality": "Việt Nam",
        "place_of_origin": "Hà Nội",
        "place_of_residence": "Quận 1, TP. Hồ Chí Minh",
        "expiry_date": expiry,
    }


@dataclass(frozen=True)
class Prepared:
    """Everything ``store_signed`` takes, for one document."""

    signed: SignedDocument
    extraction: Extraction
    meta: DocumentMeta
    original_sha256: str


MakeDocument = Callable[..., Prepared]


@pytest.fixture
def make_document(tmp_path: Path) -> MakeDocument:
    """Build a stored-ready document; ``original`` names the scan it came from (its hash is derived)."""

    def make(
        original: str,
        doc_type: DocType = DocType.CCCD_FRONT,
        values: dict[str, str | int | None] | None = None,
        signed_at: datetime | None = None,
        meta: DocumentMeta | None = None,
    ) -> Prepared:
        values = values if values is not None else cccd_values("079301234567", "NGUYỄN THỊ AN", "2031-05-01")
        extraction = extraction_for(doc_type, values)
        when = signed_at or datetime.now(timezone.utc).replace(microsecond=0)
        pdf = write_pdf(tmp_path / f"{original}-{when:%Y%m%d%H%M%S}.pdf", f"{original} {when.isoformat()}")
        data = pdf.read_bytes()
        signed = SignedDocument(pdf, hashlib.sha256(data).hexdigest(), extraction.sha256(), "SỞ TƯ PHÁP (thử nghiệm)", when, "B-T")
        return Prepared(signed, extraction, meta or DocumentMeta(procedure_code="1.001"), hashlib.sha256(original.encode()).hexdigest())

    return make


@pytest.fixture
def storage_settings(settings: Settings, catalog_url: str) -> Settings:
    """The test's settings with the parametrised catalog (SQLite, then PostgreSQL)."""
    return Settings(**{**settings.model_dump(), "database_url": catalog_url})


@pytest.fixture
def storage(storage_settings: Settings) -> Iterator[Storage]:
    """A real Storage; manifests unsigned here (signatures are covered where the PKI runs)."""
    with open_storage(storage_settings, sign=False) as store:
        yield store


def store(storage: Storage, prepared: Prepared) -> StoredDocument:
    return storage.store_signed(prepared.signed, prepared.extraction, prepared.meta, prepared.original_sha256)


@pytest.fixture
def object_storage(settings: Settings, tmp_path: Path) -> Iterator[Storage]:
    """A real Storage on a SQLite catalog, for tests about the object store only."""
    local = Settings(**{**settings.model_dump(), "database_url": f"sqlite:///{tmp_path / 'objects.sqlite3'}"})
    with open_storage(local, sign=False) as opened:
        yield opened


def start_minio(data_dir: Path, port: int | None = None) -> MinioServer:
    """A MinIO server of one test alone (stopping it disturbs no other test); ``port`` to restart one."""
    from tests.conftest import ACCESS_KEY, SECRET_KEY

    return MinioServer.start(bin_dir=PROJECT_ROOT / "bin", data_dir=data_dir, port=port or free_port(),
                             access_key=ACCESS_KEY, secret_key=SECRET_KEY)


@pytest.fixture
def own_minio(tmp_path: Path) -> Iterator[MinioServer]:
    """A MinIO server of this test alone, stopped at the end (stopping it twice is harmless)."""
    server = start_minio(tmp_path / "minio" / "data")
    yield server
    server.stop()
