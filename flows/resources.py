"""One open ``Storage`` per process and settings, shared by the document tasks.

Opening storage checks four buckets and migrates the catalog (Alembic, whose
module-level context is not thread-safe), so the flow opens it once, under a
lock, instead of once per document from several threads. ``Storage`` itself is
safe to share: the S3 client and the SQLAlchemy engine pool their connections.
``release`` closes it at the end of a flow run.
"""

from __future__ import annotations

import threading

from sohoa.settings import Settings
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


def release(settings: Settings) -> None:
    """Close the storage opened for ``settings`` in this process, if any."""
    with _lock:
        store = _open.pop(_key(settings), None)
    if store is not None:
        store.catalog.close()
