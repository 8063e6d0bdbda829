"""OCR slots: at most ``settings.workers`` Tesseract processes in this process, whatever the documents.

``recognise_file`` runs a document's pages on up to ``settings.workers``
threads, each driving one single-threaded Tesseract. A document therefore holds
one slot per page it can run at once (all slots for a long PDF, one for a
single-page photo), so two one-page scans OCR side by side on two cores while a
multi-page file gets every core, and the cores are never oversubscribed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Slots:
    """A counting semaphore whose holders take several units at once."""

    def __init__(self, total: int) -> None:
        self.total = max(1, total)
        self._free = self.total
        self._changed = threading.Condition()

    @property
    def held(self) -> int:
        """Slots taken right now (Tesseract processes this process may be running)."""
        return self.total - self._free

    @contextmanager
    def hold(self, wanted: int) -> Iterator[int]:
        """Block until ``wanted`` slots (clamped to 1..total) are free; yield how many were taken."""
        taken = max(1, min(wanted, self.total))
        with self._changed:
            self._changed.wait_for(lambda: self._free >= taken)
            self._free -= taken
        try:
            yield taken
        finally:
            with self._changed:
                self._free += taken
                self._changed.notify_all()


_by_total: dict[int, Slots] = {}
_lock = threading.Lock()


def ocr_slots(workers: int) -> Slots:
    """The process-wide slots for ``workers`` OCR processes (one pool per setting, shared by all flows)."""
    with _lock:
        return _by_total.setdefault(workers, Slots(workers))
