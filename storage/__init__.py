"""Storage: MinIO under object lock, the catalog and the audit log.

``open_storage(settings)`` connects to the S3 endpoint (starting the embedded
MinIO when ``settings.s3_endpoint`` is empty), makes sure every bucket exists
with object lock and default encryption, opens the catalog (migrating it) and
returns a ``Storage`` to use as a context manager. It is safe to call from
several threads and processes at once (flow workers, API workers): the local
MinIO is started once under a file lock, buckets are ensured convergently and
catalog migrations are serialised (``storage.catalog.migrate``).
"""

from __future__ import annotations

import os

import certifi
import urllib3
from minio import Minio

from sohoa.settings import Settings
from storage.audit import AuditEntry, AuditLog, AuditVerification
from storage.catalog import Catalog, normalise_owner_id
from storage.objects import COMPLIANCE, GOVERNANCE, ObjectStore
from storage.signer import DetachedSigner, EngineSigner
from storage.store import Storage

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 120.0  # per socket read: generous for a loaded server, finite for a hung one
POOL_SIZE = 16

__all__ = [
    "AuditEntry",
    "AuditLog",
    "AuditVerification",
    "Catalog",
    "ObjectStore",
    "Storage",
    "normalise_owner_id",
    "open_object_store",
    "open_storage",
]


def _http_client() -> urllib3.PoolManager:
    """The S3 client's connections: the minio SDK's defaults, but a dead server is noticed in
    seconds (its default waits 5 minutes per attempt) and enough connections for the flows'
    documents in flight plus ``reindex``'s readers."""
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S),
        maxsize=POOL_SIZE,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )


def open_object_store(settings: Settings) -> ObjectStore:
    """Connect and ensure the four buckets (lock-enabled, SSE-S3, default retention)."""
    from storage.local_minio import ensure_local_minio

    endpoint = settings.s3_endpoint or ensure_local_minio(settings)
    client = Minio(
        endpoint,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key.get_secret_value(),
        secure=settings.s3_secure,
        region=settings.s3_region,
        http_client=_http_client(),
    )
    objects = ObjectStore(client)
    objects.ensure_bucket(settings.bucket_documents, COMPLIANCE, settings.retention_days_signed)
    objects.ensure_bucket(settings.bucket_originals, GOVERNANCE, settings.retention_days_signed)
    objects.ensure_bucket(settings.bucket_quarantine, GOVERNANCE, settings.retention_days_draft)
    objects.ensure_bucket(settings.bucket_audit, COMPLIANCE, settings.retention_days_signed)
    return objects


def open_storage(settings: Settings, *, signer: DetachedSigner | None = None, sign: bool = True) -> Storage:
    """A ready ``Storage``; manifests and audit checkpoints are signed by the signing engine
    (or ``signer``) unless ``sign`` is False (then they are stored unsigned and not checked)."""
    objects = open_object_store(settings)
    catalog = Catalog.open(settings.catalog_url)
    active_signer = (signer or EngineSigner(settings)) if sign else None
    audit = AuditLog(catalog.engine, objects, settings.bucket_audit, settings.retention_days_signed, active_signer)
    return Storage(settings, objects, catalog, audit, active_signer)
