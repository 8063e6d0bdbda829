"""Authorisation, route by route and role by role: 401 without valid credentials, 403 without the scope.

Each request here is deliberately invalid (a missing parameter, body or file), so
a caller who passes authentication and authorisation gets 422 from validation
and never reaches the store: the matrix needs no server and checks only the
gatekeeping. The table is written out by hand, so a change of the role model
or a new route shows up here.
"""

from __future__ import annotations

import time

import jwt
import pytest

from tests.fixtures_api import ApiHarness

ROLES = ("portal", "staff", "auditor", "admin")
DOC = "/v1/documents/doc1"

# (method, route template, concrete path, allowed roles, status for an allowed caller)
MATRIX: list[tuple[str, str, str, set[str], int]] = [
    ("GET", "/v1/documents", "/v1/documents", {"portal", "auditor", "admin"}, 422),
    ("GET", "/v1/documents/{document_id}", DOC, {"portal", "auditor", "admin"}, 422),
    ("GET", "/v1/documents/{document_id}/pdf", f"{DOC}/pdf", {"portal", "auditor", "admin"}, 422),
    ("POST", "/v1/documents/{document_id}/reuse", f"{DOC}/reuse", {"portal"}, 422),
    ("GET", "/v1/owners/{owner_id}/access-log", "/v1/owners/079301234567/access-log", {"portal", "auditor", "admin"}, 422),
    ("POST", "/v1/verify", "/v1/verify", {"auditor", "admin"}, 422),
    ("GET", "/v1/documents/{document_id}/verification", f"{DOC}/verification", {"auditor", "admin"}, 422),
    ("GET", "/v1/documents/{document_id}/evidence", f"{DOC}/evidence", {"auditor", "admin"}, 422),
    ("POST", "/v1/batches", "/v1/batches", {"staff"}, 422),
    ("GET", "/v1/batches/{batch_id}", "/v1/batches/not-a-batch", {"staff"}, 422),
    ("GET", "/v1/review", "/v1/review?limit=0", {"staff"}, 422),
    ("GET", "/v1/review/{document_id}", "/v1/review/bad%20id!", {"staff"}, 422),
    ("POST", "/v1/review/{document_id}/approve", "/v1/review/doc1/approve", {"staff"}, 422),
    ("POST", "/v1/review/{document_id}/reject", "/v1/review/doc1/reject", {"staff"}, 422),
    ("POST", "/v1/review/{document_id}/type", "/v1/review/doc1/type", {"staff"}, 422),
    ("POST", "/v1/clients", "/v1/clients", {"admin"}, 422),
    ("GET", "/v1/clients", "/v1/clients", {"admin"}, 200),
    ("POST", "/v1/clients/{client_id}/disable", "/v1/clients/nobody/disable", {"admin"}, 404),
]
PUBLIC = {("POST", "/v1/token"), ("GET", "/healthz"), ("GET", "/readyz")}  # the token exchange and the probes
CASES = [(m, path, role, allowed, ok) for m, _, path, allowed, ok in MATRIX for role in ROLES]


def test_matrix_covers_every_route(api_offline: ApiHarness) -> None:
    paths = api_offline.client.get("/openapi.json").json()["paths"]
    routes = {(method.upper(), path) for path, item in paths.items() for method in item}
    assert routes == {(m, template) for m, template, *_ in MATRIX} | PUBLIC


@pytest.mark.parametrize(("method", "path", "role", "allowed", "ok"), CASES, ids=[f"{c[0]} {c[1]} {c[2]}" for c in CASES])
def test_role_on_route(api_offline: ApiHarness, method: str, path: str, role: str, allowed: set[str], ok: int) -> None:
    response = api_offline.client.request(method, path, headers=api_offline.as_role(role))
    expected = ok if role in allowed else 403
    assert response.status_code == expected, response.text
    if expected == 403:
        assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize(("method", "template", "path", "allowed", "ok"), MATRIX, ids=[f"{m[0]} {m[1]}" for m in MATRIX])
def test_unauthenticated_on_route(api_offline: ApiHarness, method: str, template: str, path: str, allowed: set[str], ok: int) -> None:
    key = api_offline.keys["admin"]
    forged = jwt.encode({"iss": "sohoa", "sub": "test-admin", "exp": int(time.time()) + 60}, "x" * 32, algorithm="HS256")
    for headers in ({}, {"X-API-Key": key + "x"}, {"X-API-Key": "test-admin"}, {"Authorization": f"Bearer {forged}"}):
        response = api_offline.client.request(method, path, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        body = response.json()
        assert body["code"] == "unauthenticated" and body["vi"] and body["en"]
        assert response.headers["www-authenticate"] == "Bearer"


def test_portal_limited_to_its_procedures(api_offline: ApiHarness) -> None:
    client, portal = api_offline.client, api_offline.as_role("portal")
    query = {"owner_id": "079301234567", "purpose": "kiểm tra hồ sơ"}
    assert client.get("/v1/documents", params=query, headers=portal).status_code == 403
    assert client.get("/v1/documents", params={**query, "for_procedure": "9.999999"}, headers=portal).status_code == 403
    assert client.get(DOC, params={"purpose": "xem", "for_procedure": "9.999999"}, headers=portal).status_code == 403
    reuse = {"dossier_code": "HS-1", "procedure": "9.999999", "purpose": "cấp hộ chiếu", "request_reference": "YC-1"}
    assert client.post(f"{DOC}/reuse", json=reuse, headers=portal).status_code == 403


def test_reuse_refused_without_citizen_request_reference(api_offline: ApiHarness) -> None:
    body = {"dossier_code": "HS-1", "procedure": "1.001234", "purpose": "cấp hộ chiếu"}
    response = api_offline.client.post(f"{DOC}/reuse", json=body, headers=api_offline.as_role("portal"))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_request" and "request_reference" in body["en"]
    assert any(e["loc"][-1] == "request_reference" for e in body["errors"])


@pytest.mark.parametrize("path", ["/ui/queue", "/ui/batches", "/ui/review/doc1"])
def test_ui_pages_need_a_staff_session(api_offline: ApiHarness, path: str) -> None:
    response = api_offline.client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/ui/login"


def test_ui_login_refuses_other_roles(api_offline: ApiHarness) -> None:
    client_id, secret = api_offline.keys["portal"].split(".", 1)
    response = api_offline.client.post("/ui/login", data={"client_id": client_id, "client_secret": secret})
    assert response.status_code == 403
    assert "sohoa_session" not in response.cookies
