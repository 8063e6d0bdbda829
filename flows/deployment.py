"""Entry points of the ``prefect.yaml`` deployments: JSON parameters in, settings from the worker's environment.

A deployment's parameters travel through the Prefect server as JSON, so these
flows take plain strings and build ``Settings`` at the edge (the worker's
``SOHOA_*`` environment), then run the real flows as subflows.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from prefect import flow

from sohoa.settings import load_settings

from flows.ingest import ingest_batch
from flows.maintenance import reverify


@flow(name="ingest-folder")
def ingest_folder(directory: str, manifest: str | None = None) -> dict[str, Any]:
    """Ingest a batch folder visible to the worker; returns the summary as JSON."""
    summary = ingest_batch(Path(directory), Path(manifest) if manifest else None, load_settings())
    return {**asdict(summary), "complete": summary.complete}


@flow(name="reverify-all")
def reverify_all() -> dict[str, Any]:
    """Nightly re-verification of every active document."""
    return asdict(reverify(load_settings()))
