"""Tokens, hashed keys, rate and size limits, CORS and logs: the service's defences, tested for real."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
from structlog.testing import capture_logs

from sohoa.settings import load_settings
from tests.fixtures_api import ApiHarness, harness

OWNER = "079301234567"


def _credentials(api: ApiHarness, role: str) -> dict[str, str]:
    client_id, secret = api.keys[role].split(".", 1)
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


def test_client_credentials_token_grants_the_role(api_offline: ApiHarness) -> None:
    response = api_offline.client.post("/v1/token", data=_credentials(api_offline, "admin"))
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900 and "clients:admin" in body["scope"].split()
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert api_offline.client.get("/v1/clients", headers=bearer).status_code == 200
    assert api_offline.client.post("/v1/review/doc1/reject", json={}, headers=bearer).status_code == 403


def test_token_refused_for_wrong_secret_or_grant(api_offline: ApiHarness) -> None:
    good = _credentials(api_offline, "portal")
    assert api_offline.client.post("/v1/token", data={**good, "client_secret": "wrong"}).status_code == 401
    wrong_grant = api_offline.client.post("/v1/token", data={**good, "grant_type": "password"})
    assert wrong_grant.status_code == 400 and wrong_grant.json()["code"] == "unsupported_grant_type"


def test_expired_token_is_refused(api_offline: ApiHarness) -> None:
    key = api_offline.app.state.services.token_key
    claims = {"iss": "sohoa", "sub": "test-admin", "iat": int(time.time()) - 2000, "exp": int(time.time()) - 1000}
    expired = jwt.encode(claims, key, algorithm="HS256")
    response = api_offline.client.get("/v1/clients", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401


def test_created_client_works_once_and_stops_when_disabled(api_offline: ApiHarness) -> None:
    admin, client = api_offline.as_role("admin"), api_offline.client
    created = client.post("/v1/clients", json={"client_id": "cong-dvc", "role": "auditor", "agency": "VPCP"}, headers=admin)
    assert created.status_code == 201
    key = {"X-API-Key": f"cong-dvc.{created.json()['client_secret']}"}
    token = client.post("/v1/token", data={"grant_type": "client_credentials", "client_id": "cong-dvc",
                                           "client_secret": created.json()["client_secret"]}).json()["access_token"]
    assert client.get("/v1/documents/x/verification", headers=key).status_code == 422  # authorised, then invalid
    assert client.post("/v1/clients/cong-dvc/disable", headers=admin).json()["disabled"] is True
    assert client.get("/v1/documents/x/verification", headers=key).status_code == 401
    assert client.get("/v1/documents/x/verification", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.post("/v1/clients", json={"client_id": "cong-dvc", "role": "auditor"}, headers=admin).status_code == 409


def test_secrets_are_hashed_at_rest(api_offline: ApiHarness) -> None:
    settings = api_offline.app.state.services.settings
    stored = (settings.var_dir / "api" / "clients.json").read_text()
    for key in api_offline.keys.values():
        assert key.split(".", 1)[1] not in stored
    assert (settings.var_dir / "api" / "clients.json").stat().st_mode & 0o077 == 0
    assert (settings.var_dir / "api" / "jwt.key").stat().st_mode & 0o077 == 0


def test_rate_limit_answers_429(tmp_path: Path) -> None:
    for api in harness(load_settings(var_dir=tmp_path / "var", api_rate_limit_per_minute=5)):
        statuses = [api.client.get("/v1/clients", headers=api.as_role("admin")).status_code for _ in range(7)]
        assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
        other = api.client.get("/v1/documents/x/verification", headers=api.as_role("auditor"))
        assert other.status_code == 422  # each client has its own bucket
        limited = api.client.get("/v1/clients", headers=api.as_role("admin")).json()
        assert limited["code"] == "rate_limited" and limited["vi"] and limited["en"]


def test_bodies_above_the_limit_answer_413(tmp_path: Path) -> None:
    for api in harness(load_settings(var_dir=tmp_path / "var", api_max_upload_bytes=1000)):
        auditor = api.as_role("auditor")
        declared = api.client.post("/v1/verify", files={"file": ("a.pdf", b"%PDF-" + b"0" * 2000)}, headers=auditor)
        assert declared.status_code == 413 and declared.json()["code"] == "request_too_large"

        def chunks() -> object:
            for _ in range(5):
                yield b"x" * 400

        streamed = api.client.post("/v1/clients", content=chunks(), headers={**api.as_role("admin"), "Content-Type": "application/json"})
        assert streamed.status_code == 413


def test_cors_is_closed_by_default(api_offline: ApiHarness) -> None:
    preflight = api_offline.client.options(
        "/v1/documents", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in preflight.headers
    plain = api_offline.client.get("/v1/clients", headers={**api_offline.as_role("admin"), "Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in plain.headers


def test_cors_allows_only_configured_origins(tmp_path: Path) -> None:
    settings = load_settings(var_dir=tmp_path / "var", api_cors_origins=("https://dichvucong.gov.vn",))
    for api in harness(settings):
        ask = {"Access-Control-Request-Method": "GET"}
        good = api.client.options("/v1/documents", headers={"Origin": "https://dichvucong.gov.vn", **ask})
        assert good.headers["access-control-allow-origin"] == "https://dichvucong.gov.vn"
        bad = api.client.options("/v1/documents", headers={"Origin": "https://evil.example", **ask})
        assert "access-control-allow-origin" not in bad.headers


def test_access_log_never_holds_the_raw_path(api_offline: ApiHarness) -> None:
    with capture_logs() as logs:
        api_offline.client.get(f"/v1/owners/{OWNER}/access-log", params={"purpose": "xem"}, headers=api_offline.as_role("staff"))
    requests = [e for e in logs if e["event"] == "request"]
    assert requests and requests[0]["route"] == "/v1/owners/{owner_id}/access-log" and requests[0]["status"] == 403
    assert OWNER not in repr(logs)


@pytest.mark.parametrize("path", ["/openapi.json"])
def test_openapi_is_published(api_offline: ApiHarness, path: str) -> None:
    spec = api_offline.client.get(path).json()
    assert spec["openapi"].startswith("3.")
    schemes = spec["components"]["securitySchemes"]
    assert {"APIKeyHeader", "HTTPBearer"} <= set(schemes)
