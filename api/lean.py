"""Routes documented by FastAPI as usual but served without its per-request dependency solving.

FastAPI works out anew, on every request, how to read each declared parameter
and dependency (type introspection per parameter): measured at ~1.5-2.5 ms of
CPU per portal query, more than the catalog query itself. A route made with
``lean_route(scope, query_model)`` keeps its declaration (OpenAPI is generated
from the endpoint's signature like any other route's) and serves each request
by the same steps done directly, in FastAPI's order: the caller
(``deps.caller``: 401, rate limit), the scope (403), one validation of the query
string against ``query_model`` (422 with FastAPI's error locations), then the
endpoint, called as ``endpoint(request, principal, query)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from api.deps import caller
from api.security import Principal, Scope

LeanEndpoint = Callable[[Request, Principal, Any], Awaitable[Response]]


def validated_query(model: type[BaseModel], request: Request) -> Any:
    """The query string as ``model`` (a repeated parameter's last value counts, as in FastAPI)."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as e:
        raise RequestValidationError([{**err, "loc": ("query", *err["loc"])} for err in e.errors(include_url=False)]) from None


def lean_route(scope: Scope, query_model: type[BaseModel]) -> type[APIRoute]:
    """An ``APIRoute`` class (for ``route_class_override``) serving endpoints declared as
    ``async def f(request: Request, principal: <Depends(require(scope))>, query: Annotated[query_model, Query()])``."""

    class LeanRoute(APIRoute):
        def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
            if len(inspect.signature(endpoint).parameters) != 3 or not inspect.iscoroutinefunction(endpoint):
                raise TypeError(f"{endpoint.__name__}: a lean endpoint is async (request, principal, query)")
            super().__init__(path, endpoint, **kwargs)

        def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
            """FastAPI's hook for custom route classes (used for the route as declared and as included
            under a router's prefix); router-level ``dependencies`` would not run, so none may be set."""
            if self.dependencies:
                raise TypeError(f"{self.path}: a lean route takes no router-level dependencies")
            return self._serve

        async def _serve(self, request: Request) -> Response:
            principal = caller(request)
            principal.require(scope)
            endpoint: LeanEndpoint = self.endpoint
            return await endpoint(request, principal, validated_query(query_model, request))

    return LeanRoute
