"""Running ``sohoa`` as an operator does: a child process configured only by ``SOHOA_*`` variables."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from pydantic import SecretStr

from sohoa.settings import PROJECT_ROOT, Settings

SOHOA = PROJECT_ROOT / ".venv" / "bin" / "sohoa"


def settings_env(settings: Settings) -> dict[str, str]:
    """``settings`` as the ``SOHOA_*`` environment of a child process (the way operators configure sohoa)."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        text = json.dumps([str(v) for v in value]) if isinstance(value, tuple) else str(value)
        env[f"SOHOA_{name.upper()}"] = text
    return env


def run_sohoa(settings: Settings, *args: str | Path, extra_env: dict[str, str] | None = None,
              timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``sohoa ARGS`` with every setting of ``settings`` in its environment; output as text."""
    env = {**os.environ, **settings_env(settings), **(extra_env or {})}
    return subprocess.run([SOHOA, *map(str, args)], env=env, capture_output=True, text=True, timeout=timeout, check=False)
