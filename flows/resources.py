"""One open ``Storage`` per process and settings, shared by the document tasks.

Opening storage checks four buckets and migrates the catalog (Alembic, whose
module-level context is not thread-safe), so the flow opens it once, under a
lock, instead of once per document from several threads. ``Storage`` itself is
safe to share: the S3 client and the SQLAlchemy engine pool their connections.
``prepare`` also creates the development PKI before documents run in
parallel; ``release`` closes the storage at the end of a flow run.
"""

from __future__ import annotations

import threading

from sohoa.settings import Settings, SignerBackend
from storage import Storage, open_storage

_lock = threading.Lock()
_open: dict[str, Storage] = {}


def _key(settings: Settings) -> str:
    return settings.model_dump_json()


def storage_for(settings: Settings) -> Storage:
    """The process's open storage for ``settings``, opened on first use."""
    key = _key(settings)
    with _lock:
        if key not in _open:
            _open[key] = open_storage(settings)
        return _open[key]


def _uses_dev_pki(settings: Settings) -> bool:
    """True when signing falls back to the development PKI (signer, TSA or trust roots not configured)."""
    no_signer = settings.signer_backend is SignerBackend.PKCS12 and settings.signer_pkcs12 is None
    return no_signer or settings.tsa_url is None or not settings.trust_roots


def prepare(settings: Settings) -> None:
    """Open storage and, on embedded defaults, create the development PKI once, before documents run
    in parallel (its first start generates keys and must not race with itself)."""
    storage_for(settings)
    if _uses_dev_pki(settings):
        from signing.devpki import ensure_dev_pki

        with _lock:
            ensure_dev_pki(settings)


def release(settings: Settings) -> None:
    """Close the storage opened for ``settings`` in this process, if any."""
    with _lock:
        store = _open.pop(_key(settings), None)
    if store is not None:
        store.catalog.close()
