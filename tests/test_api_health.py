"""Probes: liveness needs nothing outside the process; readiness answers 503 naming what is down."""

from __future__ import annotations

from tests.fixtures_api import ApiHarness


def test_live_and_ready_on_the_real_store(api_online: ApiHarness) -> None:
    assert api_online.client.get("/healthz").json() == {"status": "ok", "checks": {}}
    ready = api_online.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"catalog": True, "object_store": True}}


def test_unreachable_store_is_live_but_not_ready(api_offline: ApiHarness) -> None:
    """Nothing listens on the harness's S3 port and its SQLite folder does not exist."""
    assert api_offline.client.get("/healthz").status_code == 200
    ready = api_offline.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "checks": {"catalog": False, "object_store": False}}

