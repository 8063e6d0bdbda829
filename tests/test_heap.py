"""The service process sets its start-up heap aside from the garbage collector while it serves, and gives it back."""

from __future__ import annotations

import gc

from sohoa.heap import start_up_heap_frozen
from tests.fixtures_api import ApiHarness


def test_the_heap_is_frozen_in_the_block_and_given_back_after() -> None:
    kept = [[i] for i in range(1000)]  # tracked by the collector, alive across the block
    with start_up_heap_frozen():
        assert gc.get_freeze_count() >= len(kept)
    assert gc.get_freeze_count() == 0


def test_the_service_runs_with_its_start_up_heap_frozen(api_offline: ApiHarness) -> None:
    """The app's lifespan is running (the test client entered it): the imported stack is frozen."""
    assert api_offline.client.get("/healthz").status_code in (200, 503)
    assert gc.get_freeze_count() > 10_000
