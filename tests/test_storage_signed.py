"""Storage with the real signing engine: a real PAdES document, signed manifests and checkpoints."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from signing import sign_pdf, verify_detached
from sohoa.errors import ConflictError, IntegrityError
from sohoa.model import DocType, StoredDocument
from sohoa.settings import Settings
from storage import Storage, open_storage
from storage.manifest import SIGNATURE_SUFFIX
from tests.fixtures_signing import SAMPLE_META, DevPkiFixture, sample_extraction


@pytest.fixture
def signed_storage(settings: Settings, dev_pki: DevPkiFixture, tmp_path: Path) -> Iterator[Storage]:
    """Storage signing manifests and checkpoints with the session development PKI (SQLite catalog)."""
    local = dev_pki.signing_settings(settings, database_url=f"sqlite:///{tmp_path / 'signed.sqlite3'}")
    with open_storage(local) as store:
        yield store


@pytest.fixture
def stored(signed_storage: Storage, result_pdf: Path, tmp_path: Path) -> StoredDocument:
    signed = sign_pdf(result_pdf, tmp_path / "signed.pdf", signed_storage.settings)
    return signed_storage.store_signed(signed, sample_extraction(), SAMPLE_META, "ab" * 32)


def test_manifest_is_signed_and_complete(signed_storage: Storage, stored: StoredDocument, tmp_path: Path) -> None:
    objects, bucket = signed_storage.objects, signed_storage.settings.bucket_documents
    body = objects.get_bytes(bucket, stored.manifest_key)
    assert verify_detached(body, objects.get_bytes(bucket, stored.manifest_key + SIGNATURE_SUFFIX), signed_storage.settings)
    manifest = json.loads(body)
    assert manifest["owner"]["id"] == "0312345678"
    assert manifest["fields"]["enterprise_name"] == "CÔNG TY TNHH SỐ HÓA"
    assert manifest["hashes"]["pdf_sha256"] == stored.sha256
    assert manifest["signer"]["name"] == stored.signer and manifest["signer"]["level"] == "B-LT"
    assert signed_storage.signed_pdf_for_cli(stored.id) == (tmp_path / "signed.pdf").read_bytes()


def test_forged_manifest_version_is_refused_by_reindex(signed_storage: Storage, stored: StoredDocument) -> None:
    objects, bucket = signed_storage.objects, signed_storage.settings.bucket_documents
    forged = objects.get_bytes(bucket, stored.manifest_key).replace(b"0312345678", b"0399999999")
    objects.client.put_object(bucket, stored.manifest_key, io.BytesIO(forged), len(forged))  # a new, latest version
    with pytest.raises(IntegrityError):
        signed_storage.reindex()


def test_signed_checkpoint_and_forged_one(signed_storage: Storage, stored: StoredDocument) -> None:
    audit = signed_storage.audit
    audit.append("cong-dvc", "portal", "read", stored.id, "kiểm tra")
    key = audit.checkpoint()
    assert key is not None and audit.verify().ok
    forged = json.dumps({"seq": 1, "hash": "0" * 64, "at": "2026-01-01T00:00:00+00:00"}).encode()
    audit.objects.client.put_object(audit.bucket, key, io.BytesIO(forged), len(forged))
    result = audit.verify()
    assert (result.ok, result.problem) == (False, "bad_signature")


def test_signed_revocation_survives_reindex_and_a_forged_one_does_not(
    signed_storage: Storage, stored: StoredDocument
) -> None:
    signed_storage.revoke(stored.id, "Thu hồi theo quyết định 12/QĐ")
    assert signed_storage.reindex() == 1
    assert signed_storage.get(stored.id).revoked_reason == "Thu hồi theo quyết định 12/QĐ"
    objects, bucket = signed_storage.objects, signed_storage.settings.bucket_documents
    key = stored.manifest_key.replace("manifest.json", "revocation.json")
    forged = objects.get_bytes(bucket, key).replace("12/QĐ".encode(), "99/QĐ".encode())
    objects.client.put_object(bucket, key, io.BytesIO(forged), len(forged))
    with pytest.raises(IntegrityError):
        signed_storage.reindex()


def test_crash_before_the_manifest_signature_is_completed(
    signed_storage: Storage, result_pdf: Path, tmp_path: Path
) -> None:
    """The manifest reached the store but its signature did not (written by an unsigned store), nor the row."""
    signed = sign_pdf(result_pdf, tmp_path / "crash.pdf", signed_storage.settings)
    with open_storage(signed_storage.settings, sign=False) as unsigned:
        doc = unsigned.store_signed(signed, sample_extraction(), SAMPLE_META, "cd" * 32)
        unsigned.catalog.rebuild([], [], [])  # the row is lost too
    assert signed_storage.store_signed(signed, sample_extraction(), SAMPLE_META, "cd" * 32) == doc
    assert signed_storage.reindex() == 1


def test_a_draft_type_correction_survives_reindex_and_a_forged_one_does_not(
    signed_storage: Storage, result_pdf: Path
) -> None:
    """A reviewer's type correction lives in the store (a signed record beside the draft's manifest), not only in
    the catalog, which ``reindex`` rebuilds from the store; the newest correction wins; a signed document ignores it."""
    draft = signed_storage.store_draft(result_pdf, sample_extraction(), SAMPLE_META, "ef" * 32)
    assert draft.doc_type is DocType.BUSINESS_REGISTRATION
    signed_storage.retype_draft(draft.id, DocType.BIRTH_CERTIFICATE)
    assert signed_storage.retype_draft(draft.id, DocType.ADMINISTRATIVE_DOCUMENT).doc_type is DocType.ADMINISTRATIVE_DOCUMENT
    assert signed_storage.reindex() == 1
    assert signed_storage.get(draft.id).doc_type is DocType.ADMINISTRATIVE_DOCUMENT

    objects, bucket = signed_storage.objects, signed_storage.settings.bucket_documents
    key = draft.manifest_key.replace("manifest.json", "types/000002.json")
    forged = objects.get_bytes(bucket, key).replace(b"administrative_document", b"birth_certificate")
    objects.client.put_object(bucket, key, io.BytesIO(forged), len(forged))
    with pytest.raises(IntegrityError):
        signed_storage.reindex()


def test_only_a_draft_type_can_be_corrected(signed_storage: Storage, stored: StoredDocument) -> None:
    with pytest.raises(ConflictError):
        signed_storage.retype_draft(stored.id, DocType.BIRTH_CERTIFICATE)
    assert signed_storage.get(stored.id).doc_type is stored.doc_type
