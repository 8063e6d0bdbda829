"""Token exchange (OAuth2 client credentials) and client administration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status

from sohoa.errors import InputFileError

from api.deps import ip_rate_limit, require, services
from api.schemas import ClientCreate, ClientCreated, ClientOut, TokenResponse
from api.security import Principal, Role, Scope, issue_token

router = APIRouter(prefix="/v1")


class UnsupportedGrantError(InputFileError):
    http_status = 400
    code = "unsupported_grant_type"


@router.post(
    "/token",
    response_model=TokenResponse,
    tags=["auth"],
    dependencies=[Depends(ip_rate_limit)],
    responses={400: {"description": "unsupported grant type"}},
)
def token(
    request: Request,
    grant_type: Annotated[str, Form()],
    client_id: Annotated[str, Form(min_length=1, max_length=64)],
    client_secret: Annotated[str, Form(min_length=1, max_length=200)],
) -> TokenResponse:
    """OAuth2 client credentials: exchange a client's id and secret for a 15-minute JWT."""
    if grant_type != "client_credentials":
        raise UnsupportedGrantError(
            "Chỉ hỗ trợ grant_type=client_credentials", "only grant_type=client_credentials is supported"
        )
    svc = services(request)
    principal = svc.registry.authenticate(client_id, client_secret)
    access, seconds = issue_token(principal, svc.token_key)
    return TokenResponse(access_token=access, expires_in=seconds, scope=" ".join(sorted(principal.scopes)))


Admin = Annotated[Principal, Depends(require(Scope.CLIENTS_ADMIN))]


@router.post("/clients", response_model=ClientCreated, status_code=status.HTTP_201_CREATED, tags=["admin"])
def create_client(body: ClientCreate, request: Request, _: Admin) -> ClientCreated:
    """Register a client; the response carries its secret, shown this once."""
    record, secret = services(request).registry.create(
        body.client_id, Role(body.role), name=body.name, agency=body.agency, procedures=tuple(body.procedures)
    )
    return ClientCreated(**record.public(), client_secret=secret)  # type: ignore[arg-type]


@router.get("/clients", response_model=list[ClientOut], tags=["admin"])
def list_clients(request: Request, _: Admin) -> list[ClientOut]:
    return [ClientOut(**r.public()) for r in services(request).registry.list()]  # type: ignore[arg-type]


@router.post("/clients/{client_id}/disable", response_model=ClientOut, tags=["admin"])
def disable_client(client_id: str, request: Request, _: Admin) -> ClientOut:
    """Disable a client at once: its key and its tokens stop working on the next request."""
    return ClientOut(**services(request).registry.disable(client_id).public())  # type: ignore[arg-type]
