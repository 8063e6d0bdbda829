"""The portal query is served without FastAPI's per-request machinery (``api.lean``): it must answer
exactly as FastAPI would — same authentication, same 422 answers, same JSON body."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import FastAPI, Query
from fastapi.exceptions import RequestValidationError
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from api.app import _invalid_request
from api.schemas import DocumentPage, FindQuery, document_out, page_json
from sohoa.model import DocType, DocumentMeta, DocumentStatus, StoredDocument
from tests.fixtures_api import PORTAL_PROCEDURES, ApiHarness

OWNER = "079301234567"
GOOD = {"owner_id": OWNER, "purpose": "kiểm tra hồ sơ", "for_procedure": PORTAL_PROCEDURES[0]}
BAD_QUERIES = [
    {},
    {"owner_id": OWNER},
    {**GOOD, "owner_id": ""},
    {**GOOD, "owner_id": "0" * 33},
    {**GOOD, "purpose": "ab"},
    {**GOOD, "type": "passport"},
    {**GOOD, "type": ""},
    {**GOOD, "valid_on": "2026-13-01"},
    {**GOOD, "valid_on": "tomorrow"},
    {**GOOD, "procedure": ""},
    {**GOOD, "for_procedure": "x" * 101},
    {**GOOD, "limit": "0"},
    {**GOOD, "limit": "201"},
    {**GOOD, "limit": "5.5"},
    {**GOOD, "offset": "-1"},
    {**GOOD, "offset": "1000001", "limit": "abc", "purpose": ""},
]


def _fastapi_reference() -> TestClient:
    """The same query model served the ordinary FastAPI way, with the app's 422 handler."""
    app = FastAPI()
    app.add_exception_handler(RequestValidationError, _invalid_request)

    @app.get("/v1/documents")
    def find(query: Annotated[FindQuery, Query()]) -> dict[str, str]:
        return {"ok": "yes"}

    return TestClient(app)


def test_invalid_queries_get_fastapis_422_answers(api_offline: ApiHarness) -> None:
    reference, portal = _fastapi_reference(), api_offline.as_role("portal")
    for query in BAD_QUERIES:
        ours = api_offline.client.get("/v1/documents", params=query, headers=portal)
        theirs = reference.get("/v1/documents", params=query)
        assert (ours.status_code, ours.json()) == (422, theirs.json()), query
        assert ours.json()["errors"], query


def test_a_repeated_parameter_counts_once_by_its_last_value(api_offline: ApiHarness) -> None:
    portal = api_offline.as_role("portal")
    repeated = [*GOOD.items(), ("limit", "abc"), ("limit", "900")]
    ours = api_offline.client.get("/v1/documents", params=repeated, headers=portal)
    theirs = _fastapi_reference().get("/v1/documents", params=repeated)
    assert ours.status_code == 422 and ours.json() == theirs.json()
    assert [e["loc"] for e in ours.json()["errors"]] == [["query", "limit"]]


def test_credentials_are_read_as_the_fastapi_schemes_read_them(api_offline: ApiHarness) -> None:
    client, invalid = api_offline.client, {**GOOD, "limit": "0"}  # 422 once authorised: no store needed
    token = client.post("/v1/token", data={"grant_type": "client_credentials", "client_id": "test-auditor",
                                           "client_secret": api_offline.keys["auditor"].split(".", 1)[1]}).json()["access_token"]  # fmt: skip
    assert client.get("/v1/documents", params=invalid, headers={"Authorization": f"Bearer {token}"}).status_code == 422
    assert client.get("/v1/documents", params=invalid, headers={"Authorization": f"bearer  {token} "}).status_code == 422
    for headers in ({"Authorization": f"Basic {token}"}, {"Authorization": "Bearer "}, {"X-API-Key": ""}, {}):
        answer = client.get("/v1/documents", params=invalid, headers=headers)
        assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer", headers
    staff = client.get("/v1/documents", params=invalid, headers=api_offline.as_role("staff"))
    assert staff.status_code == 403  # the scope is checked before the parameters, as FastAPI's dependencies are


def test_openapi_documents_every_query_parameter(api_offline: ApiHarness) -> None:
    operation = api_offline.client.get("/openapi.json").json()["paths"]["/v1/documents"]["get"]
    assert [p["name"] for p in operation["parameters"]] == list(FindQuery.model_fields)
    assert {"APIKeyHeader": []} in operation["security"] and {"HTTPBearer": []} in operation["security"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/DocumentPage")


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_maybe_text = st.none() | _text
_datetimes = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))
_documents = st.builds(
    StoredDocument,
    id=_text, doc_type=st.sampled_from(DocType), owner_id=_maybe_text, owner_name=_maybe_text,
    status=st.sampled_from(DocumentStatus),
    fields=st.dictionaries(_text, st.none() | _text | st.integers(-(2**53), 2**53), max_size=4),
    sha256=_text, extraction_sha256=_text, pdf_key=_text, manifest_key=_text, original_key=_maybe_text,
    original_sha256=_maybe_text, signer=_maybe_text, signed_at=st.none() | _datetimes,
    meta=st.builds(DocumentMeta, dossier_code=_maybe_text, procedure_code=_maybe_text, agency=_maybe_text),
    issue_date=st.none() | st.dates(date(1900, 1, 1), date(2200, 1, 1)),
    valid_until=st.none() | st.dates(date(1900, 1, 1), date(2200, 1, 1)),
    superseded_by=_maybe_text, revoked_reason=_maybe_text,
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(docs=st.lists(_documents, max_size=3), limit=st.integers(1, 200), offset=st.integers(0, 10**6),
       more=st.booleans())  # fmt: skip
def test_page_json_is_what_the_response_model_writes(docs: list[StoredDocument], limit: int, offset: int, more: bool) -> None:
    next_offset = offset + limit if more else None
    model = DocumentPage(documents=[document_out(d) for d in docs], limit=limit, offset=offset, next_offset=next_offset)
    assert page_json(docs, limit, offset, next_offset) == model.model_dump_json().encode()
    assert json.loads(page_json(docs, limit, offset, next_offset)) == model.model_dump(mode="json")


def _router_served(app: FastAPI) -> TestClient:
    """The same app's router behind the handlers' ExceptionMiddleware, without ``FastLane``: the lean
    route served the way it was before the lane (reference for the lane's answers)."""
    from starlette.middleware.exceptions import ExceptionMiddleware

    inner = ExceptionMiddleware(app.router, handlers=app.exception_handlers)

    async def via_router(scope, receive, send):  # type: ignore[no-untyped-def]
        scope["app"] = app
        await inner(scope, receive, send)

    return TestClient(via_router)


def test_fast_lane_answers_as_the_router(api_online: ApiHarness) -> None:
    """401 (none, bad key, bad token), 403 (scope, procedure), 422 and 200 (audited): same status, headers
    that matter and body whether ``FastLane`` or FastAPI's router serves ``GET /v1/documents``."""
    from api.lean import FastLane

    stack = api_online.app.middleware_stack or api_online.app.build_middleware_stack()
    lanes = []
    while stack is not None:
        lanes += [stack] if isinstance(stack, FastLane) else []
        stack = getattr(stack, "app", None)
    assert [list(lane.lanes) for lane in lanes] == [["/v1/documents"]]
    reference, portal = _router_served(api_online.app), api_online.as_role("portal")
    cases = [({}, GOOD), ({"X-API-Key": "portal.wrong"}, GOOD), ({"Authorization": "Bearer x.y.z"}, GOOD),
             (api_online.as_role("staff"), GOOD), (portal, {**GOOD, "for_procedure": "9.999"}),
             (portal, {**GOOD, "limit": "0"}), (portal, GOOD), (portal, {**GOOD, "type": "cccd_front", "limit": "3"})]  # fmt: skip
    for headers, query in cases:
        ours = api_online.client.get("/v1/documents", params=query, headers=headers)
        theirs = reference.get("/v1/documents", params=query, headers=headers)
        assert ours.status_code == theirs.status_code and ours.content == theirs.content, (headers, query)
        for name in ("content-type", "www-authenticate"):
            assert ours.headers.get(name) == theirs.headers.get(name), (name, query)
    assert api_online.app.state.services.store().audit.verify().ok
