"""What every request handler receives: the app's services and the authenticated caller.

``Services`` is built once per app. The store is opened lazily on first use
(so authentication failures never touch MinIO or the catalog) and closed at
shutdown. A caller is identified, in this order, by an ``X-API-Key`` header,
an ``Authorization: Bearer`` token, or the review UI's session cookie; its role
and procedures are read from the client registry on every request, so
disabling a client takes effect within a second in every worker, even for tokens
already issued.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from sohoa.errors import AuthenticationError
from sohoa.settings import Settings

from api.auditing import AuditWriter
from api.batches import BatchRunner
from api.clients import ClientRegistry, open_registry
from api.limits import RateLimiter
from api.security import Principal, Scope, jwt_key, token_subject

SESSION_COOKIE = "sohoa_session"

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="<client_id>.<secret>")
bearer = HTTPBearer(auto_error=False, description="JWT from POST /v1/token")


class Services:
    """Long-lived collaborators of the app: settings, clients, limiter, token key, batches, store, audit writer."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.registry: ClientRegistry = open_registry(settings)
        self.limiter = RateLimiter(settings.api_rate_limit_per_minute)
        self.token_key = jwt_key(settings)
        self.batches = BatchRunner(settings)
        self._store: Any = None
        self._store_cm: AbstractContextManager[Any] | None = None
        self._writer: AuditWriter | None = None
        self._lock = threading.Lock()

    def store(self) -> Any:
        """The open ``storage.Storage``, opened on first use."""
        with self._lock:
            if self._store is None:
                from storage import open_storage

                self._store_cm = open_storage(self.settings)
                self._store = self._store_cm.__enter__()
            return self._store

    def audit_writer(self) -> AuditWriter:
        """The process's group-commit audit writer, started on first use."""
        with self._lock:
            if self._writer is None:
                self._writer = AuditWriter(lambda: self.store().audit)
            return self._writer

    def close(self) -> None:
        with self._lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        with self._lock:
            if self._store_cm is not None:
                self._store_cm.__exit__(None, None, None)
            self._store, self._store_cm = None, None


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def authenticate(
    request: Request,
    api_key: Annotated[str | None, Depends(api_key_header)],
    token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller, or 401. Failed attempts count against the caller's address's rate limit.

    Async on purpose: it reads memory and stats one small file, so it runs on the
    event loop instead of costing a worker-thread hop on every request."""
    svc = services(request)
    try:
        principal = identify(svc, api_key, token.credentials if token else request.cookies.get(SESSION_COOKIE))
    except AuthenticationError:
        svc.limiter.hit(f"ip:{_client_ip(request)}")
        raise
    svc.limiter.hit(f"client:{principal.client_id}")
    request.scope.setdefault("state", {})["client_id"] = principal.client_id
    return principal


def identify(svc: Services, api_key: str | None, token: str | None) -> Principal:
    if api_key:
        return svc.registry.authenticate_key(api_key)
    if token:
        return svc.registry.active(token_subject(token, svc.token_key)).principal()
    raise AuthenticationError(
        "Cần xác thực: gửi X-API-Key hoặc Authorization: Bearer",
        "authentication required: send X-API-Key or Authorization: Bearer",
    )


def require(scope: Scope) -> Callable[..., Principal]:
    """A dependency yielding the caller when it holds ``scope`` (else 401 / 403)."""

    async def dependency(principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        principal.require(scope)
        return principal

    dependency.__name__ = f"require_{scope.name.lower()}"
    return dependency


def ip_rate_limit(request: Request) -> None:
    """For unauthenticated endpoints (token exchange, login): limit per remote address."""
    services(request).limiter.hit(f"ip:{_client_ip(request)}")
