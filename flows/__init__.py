"""Prefect flows and batch operations.

Public face: ``ingest_batch`` and ``finalize`` (Prefect flows), ``reverify``
and ``retimestamp_archive`` (maintenance flows), ``flows.cli.run_ingest`` and ``flows.demo.run_demo``. The flows are imported lazily so an edge can set
Prefect's environment (``flows.runtime.configure_prefect``) before Prefect is
imported.
"""

from __future__ import annotations

from typing import Any

__all__ = ["finalize", "ingest_batch", "retimestamp_archive", "reverify"]
_HOMES = {"ingest_batch": "flows.ingest", "finalize": "flows.review", "reverify": "flows.maintenance",
          "retimestamp_archive": "flows.maintenance"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'flows' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES[name]), name)
