"""A local record of finished files, so a re-run or a resumed run skips them.

One small JSON file per content SHA-256 under ``var/flows/done/``, written
atomically after the file's outcome is durable in the object store and catalog.
It is a shortcut, not the truth: a document stored but not yet recorded (a
kill -9 between the two) is found again through the catalog's unique index on
the original's SHA-256, so nothing is stored twice either way.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from sohoa.settings import Settings

from flows.batch import DocumentOutcome, Outcome


def _path(settings: Settings, sha256: str) -> Path:
    return settings.var_dir / "flows" / "done" / f"{sha256}.json"


def recorded(settings: Settings, sha256: str, name: str) -> DocumentOutcome | None:
    """The finished outcome of this content, renamed to ``name``, or None."""
    path = _path(settings, sha256)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    data.update(name=name, outcome=Outcome(data["outcome"]), reused=True)
    return DocumentOutcome(**data)


def record(settings: Settings, outcome: DocumentOutcome) -> None:
    """Remember a finished outcome (never a failure: a failed file must be retried)."""
    if outcome.sha256 is None or outcome.outcome is Outcome.FAILED:
        return
    path = _path(settings, outcome.sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({**asdict(outcome), "outcome": outcome.outcome.value}), encoding="utf-8")
    tmp.replace(path)

