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

``S3Error`` never escapes: it is translated to ``StorageError`` subclasses.

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
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from minio import Minio
from minio.commonconfig import COMPLIANCE, GOVERNANCE
from minio.error import S3Error
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


class ObjectStore:
    """Lock-enabled buckets on one S3 endpoint."""

    def __init__(self, client: Minio) -> None:
        self.client = client

    # --- buckets ----------------------------------------------------------------------

    def ensure_bucket(self, bucket: str, mode: LockMode, days: int) -> None:
        """Create ``bucket`` right the first time, or check that an existing one is lock-enabled."""
        try:
            if not self.client.bucket_exists(bucket_name=bucket):
                self.client.make_bucket(bucket_name=bucket, object_lock=True)
                self.client.set_object_lock_config(bucket_name=bucket, config=ObjectLockConfig(mode, days, DAYS))
                self.client.set_bucket_encryption(bucket_name=bucket, config=SSEConfig(Rule.new_sse_s3_rule()))
                log.info("storage.bucket_created", bucket=bucket, mode=mode, days=days)
            self._require_lock(bucket)
        except S3Error as e:
            raise _storage_error(e, f"bucket {bucket}") from e

    def _require_lock(self, bucket: str) -> None:
        try:
            config = self.client.get_object_lock_config(bucket_name=bucket)
        except S3Error as e:
            if e.code == "ObjectLockConfigurationNotFoundError":
                raise ObjectLockError(
                    f"Bucket {bucket} không bật khoá đối tượng; phải tạo lại bucket",
                    f"Bucket {bucket} lacks object lock; it must be recreated with object lock",
                ) from e
            raise
        if config.mode is None:
            raise ObjectLockError(
                f"Bucket {bucket} chưa có thời hạn lưu giữ mặc định",
                f"Bucket {bucket} has no default retention",
            )

    # --- writes -----------------------------------------------------------------------

    def put_bytes(
        self, bucket: str, key: str, data: bytes, *, mode: LockMode, days: int, content_type: str, create_only: bool = False
    ) -> PutResult:
        """Write ``data`` as a new locked version; with ``create_only`` the key must not exist yet."""
        digest = sha256_bytes(data)
        retention = Retention(mode, datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=days))
        try:
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
        except S3Error as e:
            raise _storage_error(e, key) from e
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
        try:
            result = self.client.fput_object(
                bucket_name=bucket, object_name=key, file_path=str(path), metadata={SHA256_META: sha256}, retention=retention
            )
        except S3Error as e:
            raise _storage_error(e, key) from e
        return PutResult(bucket, key, result.version_id, sha256)

    # --- reads ------------------------------------------------------------------------

    def get_bytes(self, bucket: str, key: str, *, version_id: str | None = None) -> bytes:
        try:
            response = self.client.get_object(bucket_name=bucket, object_name=key, version_id=version_id)
        except S3Error as e:
            raise _storage_error(e, key) from e
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()

    def stored_sha256(self, bucket: str, key: str) -> str | None:
        """The SHA-256 recorded at write time, or None when the key does not exist."""
        try:
            stat = self.client.stat_object(bucket_name=bucket, object_name=key)
        except S3Error as e:
            if e.code in ("NoSuchKey", "NoSuchVersion"):
                return None
            raise _storage_error(e, key) from e
        return (stat.metadata or {}).get(f"x-amz-meta-{SHA256_META}")

    def keys(self, bucket: str, prefix: str, suffix: str = "") -> Iterator[str]:
        """Current keys under ``prefix`` ending with ``suffix``, in key order."""
        try:
            for obj in self.client.list_objects(bucket_name=bucket, prefix=prefix, recursive=True):
                if obj.object_name and obj.object_name.endswith(suffix):
                    yield obj.object_name
        except S3Error as e:
            raise _storage_error(e, prefix) from e

    def presigned_get(
        self, bucket: str, key: str, *, expires: timedelta, version_id: str | None = None, issued_at: datetime | None = None
    ) -> str:
        """A GET URL valid for ``expires`` from ``issued_at`` (now by default); no credentials needed to use it."""
        return self.client.presigned_get_object(
            bucket_name=bucket, object_name=key, expires=expires, version_id=version_id, request_date=issued_at
        )
