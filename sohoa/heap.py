"""The long-lived process's start-up heap, set aside from the garbage collector.

A service process imports the whole stack (OpenCV, pyHanko, SQLAlchemy, FastAPI:
about 200,000 tracked objects) and then serves requests that each allocate
thousands of short-lived ones. Every full collection walks all tracked objects,
so the start-up heap made each one cost milliseconds and a verification about
2.5 ms of collector time on average. ``gc.freeze()`` moves what exists after
start-up to a permanent generation the collector skips; what requests allocate
is collected as before. Undone on exit, so a process that builds and closes
several apps (the tests) can free what they left.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def start_up_heap_frozen() -> Iterator[None]:
    """Collect once, freeze what is left for the block's duration, unfreeze after."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
