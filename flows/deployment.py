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

from flows.ingest import ingest_batch, ingest_batch_on_dask
from flows.maintenance import retimestamp_archive, reverify


@flow(name="ingest-folder")
def ingest_folder(directory: str, manifest: str | None = None, dask_address: str | None = None) -> dict[str, Any]:
    """Ingest a batch folder visible to the worker(s); with ``dask_address`` the documents spread over
    that Dask cluster (the folder must be visible to every Dask worker). Returns the summary as JSON."""
    settings, folder, listed = load_settings(), Path(directory), Path(manifest) if manifest else None
    if dask_address:
        summary = ingest_batch_on_dask(folder, listed, settings, dask_address)
    else:
        summary = ingest_batch(folder, listed, settings)
    return {**asdict(summary), "complete": summary.complete}


@flow(name="reverify-all")
def reverify_all() -> dict[str, Any]:
    """Nightly re-verification of every active document."""
    return asdict(reverify(load_settings()))


@flow(name="retimestamp-all")
def retimestamp_all() -> dict[str, Any]:
    """Weekly renewal of the archive timestamps that are due (settings from the worker's environment)."""
    return asdict(retimestamp_archive(load_settings()))
