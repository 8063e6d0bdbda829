"""Fixtures of the api tests (registered in conftest.py): an app with one client per role.

``api_offline`` needs no server: it serves only what happens before the store
is touched (authentication, authorisation, validation, limits). ``api_online``
runs on the session MinIO and a fresh catalog, for everything else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sohoa.model import DocumentMeta, SignedDocument, StoredDocument, sha256_file
from sohoa.settings import Settings, load_settings
from tests.fixtures_signing import DevPkiFixture

PORTAL_PROCEDURES = ("1.001234", "2.000889")


@dataclass
class ApiHarness:
    """A running app, a client for it, and an API key per role (``portal``, ``staff``, ``auditor``, ``admin``)."""

    app: FastAPI
    client: TestClient
    keys: dict[str, str]

    def as_role(self, role: str) -> dict[str, str]:
        return {"X-API-Key": self.keys[role]}


def harness(settings: Settings) -> Iterator[ApiHarness]:
    from api import create_app
    from api.security import Role

    app = create_app(settings)
    registry = app.state.services.registry
    keys = {}
    for role in Role:
        procedures = PORTAL_PROCEDURES if role is Role.PORTAL else ()
        record, secret = registry.create(f"test-{role.value}", role, agency="Sở Tư pháp", procedures=procedures)
        keys[role.value] = f"{record.client_id}.{secret}"
    with TestClient(app) as client:
        yield ApiHarness(app, client, keys)


@pytest.fixture(scope="module")
def api_offline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiHarness]:
    """The app with no object store or catalog behind it (a handler reaching them would fail)."""
    var = tmp_path_factory.mktemp("api") / "var"
    yield from harness(load_settings(var_dir=var, s3_endpoint="127.0.0.1:9", database_url="sqlite:////nonexistent/x.db"))


@pytest.fixture
def api_online(settings: Settings) -> Iterator[ApiHarness]:
    """The app on the session MinIO with its own buckets and a fresh SQLite catalog under ``var``."""
    yield from harness(settings)


@pytest.fixture
def api_signed(settings: Settings, dev_pki: DevPkiFixture) -> Iterator[ApiHarness]:
    """The app on the session MinIO and PKI (manifests and audit checkpoints signed, verification trusted)."""
    yield from harness(dev_pki.signing_settings(settings))


def store_signed_pdf(api: ApiHarness, signed_pdf: Path, original: str, meta: DocumentMeta | None = None) -> StoredDocument:
    """Store the session's really signed sample PDF as a document coming from scan ``original``."""
    from tests.fixtures_signing import SAMPLE_META, sample_extraction

    extraction = sample_extraction()
    signed = SignedDocument(signed_pdf, sha256_file(signed_pdf), extraction.sha256(), "officer", datetime.now(UTC), "B-LT")
    store = api.app.state.services.store()
    return store.store_signed(signed, extraction, meta or SAMPLE_META, hashlib.sha256(original.encode()).hexdigest())
