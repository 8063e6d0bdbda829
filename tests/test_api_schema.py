"""Schemathesis against ``/openapi.json``: generated requests never cause a 5xx or an off-schema answer.

The app runs on the real store and PKI. Each operation is called with the key
of a role allowed on it, so requests get past authorisation and reach the
handlers. Bounded: a handful of examples per operation, no shrinking. The
batch upload is left out: a generated upload would start a real ingest flow
(it is exercised by the review tests instead).
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fixtures_api import ApiHarness

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def role_for(path: str) -> str:
    """A role allowed on the operation (see the authorisation matrix)."""
    if path.endswith("/reuse"):
        return "portal"
    if path.startswith(("/v1/review", "/v1/batches")):
        return "staff"
    return "auditor" if path.endswith("/verification") or path == "/v1/verify" else "admin"


def fuzz(operation: schemathesis.APIOperation, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=8, deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), database=None)  # fmt: skip
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_api_conforms_to_its_schema(api_signed: ApiHarness) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_signed.app)
    operations = [r.ok() for r in schema.get_all_operations()]
    operations = [op for op in operations if (op.method.upper(), op.path) != ("POST", "/v1/batches")]
    assert len(operations) == 20  # with /healthz, /readyz and the type correction
    for operation in operations:
        fuzz(operation, api_signed.as_role(role_for(operation.path)))
