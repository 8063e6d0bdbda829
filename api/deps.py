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

import asyncio
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param

from sohoa.errors import AuthenticationError
from sohoa.logs import get_logger
from sohoa.settings import Settings
from storage.audit import AuditEntry, NewEntry

from api.batches import BatchRunner
from api.checkpoints import CheckpointProcess
from api.clients import ClientRegistry, open_registry
from api.limits import RateLimiter
from api.on_loop import LoopServices
from api.security import Principal, Scope, jwt_key, token_subject

log = get_logger(__name__)
SESSION_COOKIE = "sohoa_session"
CHILD_START_SECONDS = 120.0  # a loaded machine imports slowly; past this the worker serves without waiting
QUERY_THREADS = 16  # catalog calls in flight per worker process on SQLite (below the engine's pool size)

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="<client_id>.<secret>")
bearer = HTTPBearer(auto_error=False, description="JWT from POST /v1/token")


class Services:
    """Long-lived collaborators of the app: settings, clients, limiter, token key, batches, store, the
    checkpoint child process, each event loop's ``LoopServices`` (audit writer, portal query), and the
    threads running their catalog calls on SQLite (a plain executor: a cheaper hop from the event loop
    than Starlette's ``run_in_threadpool``)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.registry: ClientRegistry = open_registry(settings)
        self.limiter = RateLimiter(settings.api_rate_limit_per_minute)
        self.token_key = jwt_key(settings)
        self.batches = BatchRunner(settings)
        self._store: Any = None
        self._store_cm: AbstractContextManager[Any] | None = None
        self._loops: dict[asyncio.AbstractEventLoop, LoopServices] = {}
        self._checkpoints = CheckpointProcess(settings)
        self._lock = threading.Lock()
        self.queries = ThreadPoolExecutor(QUERY_THREADS, thread_name_prefix="catalog-query")

    def store(self) -> Any:
        """The open ``storage.Storage``, opened on first use."""
        with self._lock:
            if self._store is None:
                from storage import open_storage

                self._store_cm = open_storage(self.settings)
                self._store = self._store_cm.__enter__()
            return self._store

    async def prepare_checkpoints(self) -> None:
        """Start the checkpoint child before the first request (``api.checkpoints``). If it cannot start
        in time, the worker serves anyway and its first checkpoint tries again; the reason is logged."""
        try:
            await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, self._checkpoints.prepare),
                                   CHILD_START_SECONDS)  # fmt: skip
        except Exception as e:  # noqa: BLE001 - checkpoints are late, never lost: the next one covers the chain
            log.warning("checkpoint_child_not_started", error=type(e).__name__)

    async def on_loop(self) -> LoopServices:
        """The running loop's ``LoopServices``, made on first use (the store opened in a thread). Those of
        loops since closed are dropped then, their idle connections closed."""
        loop = asyncio.get_running_loop()
        found = self._loops.get(loop)
        if found is not None:
            return found
        store = await loop.run_in_executor(self.queries, self.store)
        with self._lock:
            found = self._loops.get(loop)  # made meanwhile by another request on this loop
            if found is None:
                found = self._loops[loop] = LoopServices(store, self.queries, self._checkpoints.checkpoint)
            gone = [self._loops.pop(old) for old in list(self._loops) if old.is_closed()]
        for services in gone:
            await services.close_connections()
        return found

    async def write_audit(self, entries: Sequence[NewEntry]) -> list[AuditEntry]:
        """Append ``entries`` through the running loop's group commit; returns once they are durable."""
        return await (await self.on_loop()).writer.write(entries)

    async def close_loop(self) -> None:
        """Commit what the running loop's writer has queued and close its connections (app shutdown)."""
        with self._lock:
            services = self._loops.pop(asyncio.get_running_loop(), None)
        if services is not None:
            await services.close()

    def close(self) -> None:
        """Stop the threads, the checkpoint child and the store (after ``close_loop`` on the serving loop)."""
        self.queries.shutdown(wait=True)
        self._checkpoints.close()
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
    """The caller, or 401 (the FastAPI dependency; its parameters document the schemes in OpenAPI).

    Async on purpose: it reads memory and stats one small file, so it runs on the
    event loop instead of costing a worker-thread hop on every request."""
    return authenticated(request, api_key, token.credentials if token else None)


def caller(request: Request) -> Principal:
    """The caller, or 401, read from the headers as ``authenticate`` receives them (empty values
    count as absent; ``Authorization`` counts only with the ``Bearer`` scheme): for routes served
    without FastAPI's dependency solving (``api.lean``)."""
    scheme, credentials = get_authorization_scheme_param(request.headers.get("authorization"))
    token = credentials if scheme.lower() == "bearer" and credentials else None
    return authenticated(request, request.headers.get("x-api-key") or None, token)


def authenticated(request: Request, api_key: str | None, token: str | None) -> Principal:
    """Identify the caller by API key, else bearer token, else the UI's session cookie. Failed attempts
    count against the caller's address's rate limit, successful ones against the client's."""
    svc = services(request)
    try:
        principal = identify(svc, api_key, token or request.cookies.get(SESSION_COOKIE))
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
