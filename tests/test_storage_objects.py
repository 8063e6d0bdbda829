"""The object store against the real MinIO: locks hold, encryption is on, writes are idempotent."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from minio import Minio
from minio.commonconfig import GOVERNANCE
from minio.error import S3Error
from minio.retention import Retention

from sohoa.errors import ObjectLockError
from sohoa.settings import Settings
from storage import Storage, open_storage
from tests.fixtures_storage import MakeDocument, store


def _versions(client: Minio, bucket: str, key: str) -> list[str]:
    return [o.version_id for o in client.list_objects(bucket, prefix=key, include_version=True) if o.object_name == key]


def test_locked_version_cannot_be_deleted(object_storage: Storage, make_document: MakeDocument) -> None:
    doc = store(object_storage, make_document("scan-delete"))
    client = object_storage.objects.client
    bucket = object_storage.settings.bucket_documents
    (version,) = _versions(client, bucket, doc.pdf_key)
    with pytest.raises(S3Error) as refused:
        client.remove_object(bucket, doc.pdf_key, version_id=version)
    assert refused.value.code == "InvalidRequest"  # MinIO's answer for a version under retention
    assert "WORM protected" in refused.value.message
    with pytest.raises(S3Error) as shortened:
        client.set_object_retention(bucket, doc.pdf_key, Retention(GOVERNANCE, datetime.now(timezone.utc) + timedelta(minutes=1)), version_id=version)
    assert shortened.value.code == "InvalidRequest"  # COMPLIANCE cannot be shortened or downgraded
    assert "WORM protected" in shortened.value.message
    assert _versions(client, bucket, doc.pdf_key) == [version]


def test_locked_object_cannot_be_overwritten(object_storage: Storage, make_document: MakeDocument) -> None:
    prepared = make_document("scan-overwrite")
    doc = store(object_storage, prepared)
    client = object_storage.objects.client
    bucket = object_storage.settings.bucket_documents
    with pytest.raises(S3Error) as refused:  # the manifest is create-only: the server refuses a second write
        client._put_object(bucket, doc.manifest_key, b"{}", headers={"If-None-Match": "*"})  # noqa: SLF001
    assert refused.value.code == "PreconditionFailed"
    # A plain PUT only adds a version: the locked one is still there, byte for byte, and still served.
    client.put_object(bucket, doc.pdf_key, io.BytesIO(b"forged"), 6)
    assert len(_versions(client, bucket, doc.pdf_key)) == 2
    assert object_storage.pdf_bytes(doc.id) == prepared.signed.pdf_path.read_bytes()


def test_objects_are_encrypted_and_hashed(object_storage: Storage, make_document: MakeDocument) -> None:
    prepared = make_document("scan-sse")
    doc = store(object_storage, prepared)
    stat = object_storage.objects.client.stat_object(object_storage.settings.bucket_documents, doc.pdf_key)
    assert stat.metadata["x-amz-server-side-encryption"] == "AES256"
    assert stat.metadata["x-amz-meta-sha256"] == prepared.signed.sha256
    assert stat.metadata["x-amz-object-lock-mode"] == "COMPLIANCE"


def test_same_original_twice_is_one_document(object_storage: Storage, make_document: MakeDocument) -> None:
    first = store(object_storage, make_document("scan-twice"))
    again = store(object_storage, make_document("scan-twice", signed_at=datetime(2026, 1, 2, tzinfo=timezone.utc)))
    assert again == first
    client = object_storage.objects.client
    assert len(_versions(client, object_storage.settings.bucket_documents, first.pdf_key)) == 1


def test_original_stored_once(object_storage: Storage, tmp_path: Path) -> None:
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(b"\xff\xd8 not really a jpeg, kept as uploaded")
    digest = hashlib.sha256(scan.read_bytes()).hexdigest()
    assert object_storage.store_original(scan, digest) == f"originals/{digest}"
    assert object_storage.store_original(scan, digest) == f"originals/{digest}"
    client = object_storage.objects.client
    assert len(_versions(client, object_storage.settings.bucket_originals, f"originals/{digest}")) == 1


def test_presigned_url_works_then_expires(object_storage: Storage, make_document: MakeDocument) -> None:
    prepared = make_document("scan-presign")
    doc = store(object_storage, prepared)
    url = object_storage.presigned_url(doc.id)  # settings.presign_seconds: long enough on a loaded machine
    assert httpx.get(url).content == prepared.signed.pdf_path.read_bytes()
    # A 2 s URL issued 10 s ago (the signature carries its issue time): the server refuses it, no sleeping.
    expired = object_storage.objects.presigned_get(
        object_storage.settings.bucket_documents, doc.pdf_key, expires=timedelta(seconds=2),
        issued_at=datetime.now(timezone.utc) - timedelta(seconds=10),
    )
    response = httpx.get(expired)
    assert response.status_code == 403
    assert b"<Code>AccessDenied</Code>" in response.content and b"expired" in response.content


def test_bucket_without_lock_is_refused_at_startup(settings: Settings, tmp_path: Path) -> None:
    client = Minio(settings.s3_endpoint, access_key=settings.s3_access_key,
                   secret_key=settings.s3_secret_key.get_secret_value(), secure=False)
    client.make_bucket(settings.bucket_documents)  # created the wrong way: no object lock
    wrong = Settings(**{**settings.model_dump(), "database_url": f"sqlite:///{tmp_path / 'c.sqlite3'}"})
    with pytest.raises(ObjectLockError):
        open_storage(wrong, sign=False)


def test_quarantine_keeps_file_and_reason(object_storage: Storage, tmp_path: Path) -> None:
    from sohoa.errors import TruncatedFileError

    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.7\n1 0 obj")
    key = object_storage.quarantine("batch-7", "broken.pdf", bad, TruncatedFileError("Tệp bị cắt cụt", "File is truncated"))
    bucket = object_storage.settings.bucket_quarantine
    assert key == "quarantine/batch-7/broken.pdf"
    assert object_storage.objects.get_bytes(bucket, key) == bad.read_bytes()
    reason = object_storage.objects.get_bytes(bucket, key + ".reason.json").decode()
    assert '"code": "truncated_file"' in reason
