"""Progress of running batches, reported to whoever listens (the CLI's progress bar).

The flow reports each finished document from its own thread; a listener is a
plain callable registered per batch id, so the flow never knows about the
terminal and a batch run without a listener costs nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flows.batch import DocumentOutcome

Listener = Callable[[DocumentOutcome], None]
_listeners: dict[str, Listener] = {}
_lock = threading.Lock()


@contextmanager
def listening(batch_id: str, listener: Listener) -> Iterator[None]:
    """Call ``listener`` with every outcome of ``batch_id`` while the block runs."""
    with _lock:
        _listeners[batch_id] = listener
    try:
        yield
    finally:
        with _lock:
            _listeners.pop(batch_id, None)


def report(batch_id: str, outcome: DocumentOutcome) -> None:
    with _lock:
        listener = _listeners.get(batch_id)
    if listener is not None:
        listener(outcome)
