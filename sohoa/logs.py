"""Structured logs (JSON lines on stderr) that never carry personal ID numbers.

Every event passes through ``redact``: 9- and 12-digit runs (CMND/CCCD numbers)
and 10/13-digit tax codes are masked, whatever key they sit under, so a careless
log call cannot leak them.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

NOISY_LIBRARIES = ("alembic", "httpx", "httpcore", "pyhanko", "pyhanko_certvalidator", "prefect", "urllib3",
                   "distributed", "asyncio", "certomancer")
_ID_RUN = re.compile(r"(?<!\d)\d{9,13}(?:-\d{3})?(?!\d)")


def mask(text: str) -> str:
    """Mask ID-like digit runs, keeping the last 3 digits for support staff."""
    return _ID_RUN.sub(lambda m: "*" * (len(m.group()) - 3) + m.group()[-3:], text)


def redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if isinstance(value, str):
            event[key] = mask(value)
    return event


class _StderrLogger:
    """Writes each line to whatever ``sys.stderr`` is *now*.

    structlog's PrintLogger keeps the stream it was created with; when a test
    harness or a CLI runner swaps and closes stderr, a cached logger would then
    write to a closed file. Looking the stream up at each call avoids that.
    """

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


class _StderrHandler(logging.Handler):
    """The standard library's records, formatted as our JSON lines, written to the current ``sys.stderr``."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            print(self.format(record), file=sys.stderr, flush=True)
        except Exception:  # logging must never break the program; the library reports it
            self.handleError(record)


def debugging() -> bool:
    """``SOHOA_LOG_LEVEL=debug``: everything, libraries' chatter included."""
    return os.environ.get("SOHOA_LOG_LEVEL", "").lower() == "debug"


def _route_libraries(level: int) -> None:
    """Send the libraries' logging records into the JSON logs, their INFO chatter (Alembic's
    "Context impl", each httpx request, pyHanko's fetches, Prefect's runs) held back at WARNING."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, structlog.processors.add_log_level,
                           structlog.processors.TimeStamper(fmt="iso", utc=True)],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, redact,
                    structlog.processors.JSONRenderer(ensure_ascii=False)],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if not isinstance(h, _StderrHandler)] + [handler]
    root.setLevel(level)
    for name in NOISY_LIBRARIES:
        logging.getLogger(name).setLevel(level if debugging() else max(level, logging.WARNING))


def configure(level: int = logging.INFO) -> None:
    """Configure structlog and the standard library's logging once for the process (CLI, API and
    flow workers); ``SOHOA_LOG_LEVEL=debug`` lowers both to DEBUG."""
    level = logging.DEBUG if debugging() else level
    _route_libraries(level)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            redact,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=lambda *_: _StderrLogger(),
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
