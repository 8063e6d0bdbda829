"""The object store: MinIO (or any S3 store with object lock) through the ``minio`` SDK.

Promises:
- every bucket is created with object lock (hence versioning) and default SSE-S3
  encryption, and is checked at start-up to be lock-enabled (``ObjectLockError``
  otherwise: object lock cannot be added to an existing bucket);
- every write records the content's SHA-256 in the object metadata
  (``x-amz-meta-sha256``) and carries an explicit retention (COMPLIANCE or
  GOVERNANCE, ``retain_days`` from now);
- ``put_new`` is create-only: the server refuses (``PreconditionFailed``) to
  write a key that already exists, so a manifest is never replaced;
- ``put_verified`` reads the version it wrote back and compares the hash.

No client error escapes: a server refusal (``S3Error``) becomes the
``StorageError`` subclass a caller can act on, and an unreachable, failing or
garbled server (urllib3's connection errors and timeouts, ``ServerError``,
``InvalidResponseError``) a plain ``StorageError``, which the flows retry.

Buckets are ensured convergently, so several threads or processes opening
storage at once (flow workers, API workers) all end with the same bucket:
a bucket another process just created is accepted, and its default retention
and encryption are set by whoever finds them missing (the same values).

Encryption: the embedded MinIO has a static key (``MINIO_KMS_SECRET_KEY``) and
buckets default to SSE-S3. In production MinIO is started with KES instead
(``MINIO_KMS_KES_ENDPOINT``, ``MINIO_KMS_KES_KEY_FILE``/``_CERT_FILE``,
``MINIO_KMS_KES_KEY_NAME``), backed by an HSM or Vault; the same SSE-S3 bucket
default then encrypts every object under the KES-managed key, or the operator
sets ``mc encrypt set sse-kms <key> <alias>/<bucket>`` for SSE-KMS with a
per-bucket key. Nothing in this module changes.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import urllib3.exceptions
from minio import Minio
from minio.commonconfig import COMPLIANCE, GOVERNANCE
from minio.error import MinioException, S3Error
from minio.helpers import ObjectWriteResult
from minio.objectlockconfig import DAYS, ObjectLockConfig
from minio.retention import Retention
from minio.sseconfig import Rule, SSEConfig

from sohoa.errors import ConflictError, IntegrityError, NotFoundError, ObjectLockError, SohoaError, StorageError
from sohoa.logs import get_logger

log = get_logger(__name__)
SHA256_META = "sha256"  # stored as x-amz-meta-sha256
LockMode = str  # minio.commonconfig.COMPLIANCE or GOVERNANCE
__all__ = ["COMPLIANCE", "GOVERNANCE", "ObjectStore", "PutResult", "sha256_bytes"]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class PutResult:
    """Where a write landed: the exact version that holds the content."""

    bucket: str
    key: str
    version_id: str | None
    sha256: str


def _storage_error(e: S3Error, what: str) -> SohoaError:
    """Map a server refusal to the error a caller can act on."""
    detail = f"{what}: {e.code}"
    if e.code in ("NoSuchKey", "NoSuchVersion", "NoSuchBucket"):
        return NotFoundError("Không tìm thấy đối tượng lưu trữ", "Stored object not found", detail=detail)
    if e.code == "PreconditionFailed":
        return ConflictError("Đối tượng đã tồn tại", "Object already exists", detail=detail)
    return StorageError("Kho đối tượng từ chối yêu cầu", "Object store refused the request", detail=detail)


@contextmanager
def _translated(what: str) -> Iterator[None]:
    """Turn every error of the S3 client into a sohoa error (``what`` names the object or bucket)."""
    try:
        yield
    except S3Error as e:
        raise _storage_error(e, what) from e
    except (MinioException, urllib3.exceptions.HTTPError) as e:  # unreachable, timed out, 5xx, garbled reply
        raise StorageError(
            "Không kết nối được kho đối tượng; hãy thử lại sau",
            "Object store unreachable or failing; retry later",
            detail=f"{what}: {type(e).__name__}",
        ) from e


class ObjectStore:
    """Lock-enabled buckets on one S3 endpoint."""

    def __init__(self, client: Minio) -> None:
        self.client = client

    # --- buckets ----------------------------------------------------------------------

    def ensure_bucket(self, bucket: str, mode: LockMode, days: int) -> None:
        """Create ``bucket`` right the first time, or check that an existing one is lock-enabled;
        complete a default retention or encryption a concurrent creator has not set yet."""
        with _translated(f"bucket {bucket}"):
            if not self.client.bucket_exists(bucket_name=bucket):
                self._make_bucket(bucket, mode, days)
            if self._lock_config(bucket).mode is None:
                self.client.set_object_lock_config(bucket_name=bucket, config=ObjectLockConfig(mode, days, DAYS))
            if self.client.get_bucket_encryption(bucket_name=bucket) is None:
                self.client.set_bucket_encryption(bucket_name=bucket, config=SSEConfig(Rule.new_sse_s3_rule()))

    def _make_bucket(self, bucket: str, mode: LockMode, days: int) -> None:
        """Create the bucket with object lock (its retention and encryption are set by the checks
        after this); another process creating it first is fine."""
        try:
            self.client.make_bucket(bucket_name=bucket, object_lock=True)
        except S3Error as e:
            if e.code != "BucketAlreadyOwnedByYou":
                raise
            return
        log.info("storage.bucket_created", bucket=bucket, mode=mode, days=days)

    def _lock_config(self, bucket: str) -> ObjectLockConfig:
        """The bucket's object lock configuration (``ObjectLockError`` when object lock is off)."""
        try:
            return self.client.get_object_lock_config(bucket_name=bucket)
        except S3Error as e:
            if e.code == "ObjectLockConfigurationNotFoundError":
                raise ObjectLockError(
                    f"Bucket {bucket} không bật khoá đối tượng; phải tạo lại bucket",
                    f"Bucket {bucket} lacks object lock; it must be recreated with object lock",
                ) from e
            raise

    # --- writes -----------------------------------------------------------------------

    def put_bytes(
        self, bucket: str, key: str, data: bytes, *, mode: LockMode, days: int, content_type: str, create_only: bool = False
    ) -> PutResult:
        """Write ``data`` as a new locked version; with ``create_only`` the key must not exist yet."""
        digest = sha256_bytes(data)
        retention = Retention(mode, datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=days))
        with _translated(key):
            if create_only:
                result = self._put_if_absent(bucket, key, data, digest, retention, content_type)
            else:
                result = self.client.put_object(
                    bucket_name=bucket,
                    object_name=key,
                    data=io.BytesIO(data),
                    length=len(data),
                    content_type=content_type,
                    metadata={SHA256_META: digest},
                    retention=retention,
                )
        return PutResult(bucket, key, result.version_id, digest)

    def _put_if_absent(
        self, bucket: str, key: str, data: bytes, digest: str, retention: Retention, content_type: str
    ) -> ObjectWriteResult:
        """A single PUT with ``If-None-Match: *``.

        minio 7.2 (pinned <8) has no public conditional put; its ``_put_object``
        sends exactly one PutObject request with the headers we give.
        """
        headers = {
            "Content-Type": content_type,
            "If-None-Match": "*",
            "x-amz-meta-" + SHA256_META: digest,
            "x-amz-object-lock-mode": retention.mode,
            "x-amz-object-lock-retain-until-date": retention.retain_until_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        return self.client._put_object(bucket_name=bucket, object_name=key, data=data, headers=headers)  # noqa: SLF001

    def put_verified(
        self, bucket: str, key: str, data: bytes, *, mode: LockMode, days: int, content_type: str, create_only: bool = False
    ) -> PutResult:
        """Write, then read the written version back and compare SHA-256 (``IntegrityError`` if not equal)."""
        result = self.put_bytes(bucket, key, data, mode=mode, days=days, content_type=content_type, create_only=create_only)
        back = sha256_bytes(self.get_bytes(bucket, key, version_id=result.version_id))
        if back != result.sha256:
            raise IntegrityError(
                "Nội dung đọc lại không khớp mã băm", "Read-back content does not match its hash", detail=key
            )
        return result

    def put_file(self, bucket: str, key: str, path: Path, sha256: str, *, mode: LockMode, days: int) -> PutResult:
        """Stream a (possibly large) file; ``sha256`` is the caller's hash of it."""
        retention = Retention(mode, datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=days))
        with _translated(key):
            result = self.client.fput_object(
                bucket_name=bucket, object_name=key, file_path=str(path), metadata={SHA256_META: sha256}, retention=retention
            )
        return PutResult(bucket, key, result.version_id, sha256)

    # --- reads ------------------------------------------------------------------------

    def get_bytes(self, bucket: str, key: str, *, version_id: str | None = None) -> bytes:
        with _translated(key):
            response = self.client.get_object(bucket_name=bucket, object_name=key, version_id=version_id)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def stored_sha256(self, bucket: str, key: str) -> str | None:
        """The SHA-256 recorded at write time, or None when the key does not exist."""
        with _translated(key):
            try:
                stat = self.client.stat_object(bucket_name=bucket, object_name=key)
            except S3Error as e:
                if e.code in ("NoSuchKey", "NoSuchVersion"):
                    return None
                raise
        return (stat.metadata or {}).get(f"x-amz-meta-{SHA256_META}")

    def keys(self, bucket: str, prefix: str, suffix: str = "") -> Iterator[str]:
        """Current keys under ``prefix`` ending with ``suffix``, in key order."""
        with _translated(prefix):
            for obj in self.client.list_objects(bucket_name=bucket, prefix=prefix, recursive=True):
                if obj.object_name and obj.object_name.endswith(suffix):
                    yield obj.object_name

    def presigned_get(
        self, bucket: str, key: str, *, expires: timedelta, version_id: str | None = None, issued_at: datetime | None = None
    ) -> str:
        """A GET URL valid for ``expires`` from ``issued_at`` (now by default); no credentials needed to use it."""
        with _translated(key):  # no request when the region is configured; a lookup otherwise
            return self.client.presigned_get_object(
                bucket_name=bucket, object_name=key, expires=expires, version_id=version_id, request_date=issued_at
            )
