"""Prefect's environment, set before Prefect is first imported.

Prefect reads its settings from the environment when it is imported, so the
edges (CLI, demo, bench, tests) call ``configure_prefect`` first. Defaults:
Prefect's home under ``var/prefect`` (not the user's ``~/.prefect``), no
telemetry (it only logs DNS errors on an offline machine), and the ephemeral
API unless ``prefect_api_url`` names a server. Values already in the
environment win, so an operator can still point at another server.
"""

from __future__ import annotations

import os
from pathlib import Path

from sohoa.logs import debugging
from sohoa.settings import Settings


def prefect_environment(settings: Settings) -> dict[str, str]:
    """The Prefect variables sohoa sets for ``settings``."""
    env = {
        "PREFECT_HOME": str(settings.var_dir / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "DEBUG" if debugging() else "WARNING",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        # the ephemeral server needs more than the default 20 s on a loaded 2-core machine
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    }
    if settings.prefect_api_url:
        env["PREFECT_API_URL"] = settings.prefect_api_url
    else:  # nobody reads an ephemeral server's logs; keep its SQLite quiet
        env["PREFECT_LOGGING_TO_API_ENABLED"] = "false"
    return env


def configure_prefect(settings: Settings) -> None:
    """Put sohoa's Prefect defaults into this process's environment (existing values win)."""
    for key, value in prefect_environment(settings).items():
        os.environ.setdefault(key, value)
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
