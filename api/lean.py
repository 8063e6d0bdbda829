"""Routes documented by FastAPI as usual but served without its per-request dependency solving.

FastAPI works out anew, on every request, how to read each declared parameter
and dependency (type introspection per parameter): measured at ~1.5-2.5 ms of
CPU per portal query, more than the catalog query itself. A route made with
``lean_route(scope, query_model)`` keeps its declaration (OpenAPI is generated
from the endpoint's signature like any other route's) and serves each request
by the same steps done directly, in FastAPI's order: the caller
(``deps.caller``: 401, rate limit), the scope (403), one validation of the query
string against ``query_model`` (422 with FastAPI's error locations), then the
endpoint, called as ``endpoint(request, principal, query)``. ``FastLane`` serves
these routes before FastAPI's router has to look for them.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, ClassVar

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as ASGIScope

from api.deps import caller
from api.security import Principal, Scope

LeanEndpoint = Callable[[Request, Principal, Any], Awaitable[Response]]


def validated_query(model: type[BaseModel], request: Request) -> Any:
    """The query string as ``model`` (a repeated parameter's last value counts, as in FastAPI)."""
    try:
        return model.model_validate(dict(request.query_params))
    except ValidationError as e:
        raise RequestValidationError([{**err, "loc": ("query", *err["loc"])} for err in e.errors(include_url=False)]) from None


class LeanRoute(APIRoute):
    """A route served as the module docstring says; ``lean_route`` makes one subclass per scope and model."""

    required_scope: ClassVar[Scope]
    query_model: ClassVar[type[BaseModel]]

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if len(inspect.signature(endpoint).parameters) != 3 or not inspect.iscoroutinefunction(endpoint):
            raise TypeError(f"{endpoint.__name__}: a lean endpoint is async (request, principal, query)")
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        """FastAPI's hook for custom route classes (used for the route as declared and as included
        under a router's prefix); router-level ``dependencies`` would not run, so none may be set."""
        if self.dependencies:
            raise TypeError(f"{self.path}: a lean route takes no router-level dependencies")
        return self.serve

    async def serve(self, request: Request) -> Response:
        principal = caller(request)
        principal.require(self.required_scope)
        endpoint: LeanEndpoint = self.endpoint
        return await endpoint(request, principal, validated_query(self.query_model, request))


def lean_route(scope: Scope, query_model: type[BaseModel]) -> type[APIRoute]:
    """An ``APIRoute`` class (for ``route_class_override``) serving endpoints declared as
    ``async def f(request: Request, principal: <Depends(require(scope))>, query: Annotated[query_model, Query()])``."""
    return type(f"LeanRoute_{scope.name.lower()}", (LeanRoute,), {"required_scope": scope, "query_model": query_model})


class FastLane:
    """ASGI middleware, the innermost one: a ``GET`` on a lean route's exact path is served right here.

    FastAPI's router otherwise finds the route by walking every included router
    (~0.15 ms of CPU per request, measured). Errors become answers through the
    app's own exception handlers, picked by the exception's class hierarchy as
    Starlette's ``ExceptionMiddleware`` picks them, so every status and body is
    the same; anything without a handler propagates (500 from the outer
    ``ServerErrorMiddleware``, as before). ``scope["route"]`` is set for the
    access log. Anything else — other methods, other paths, a ``root_path`` —
    goes on to the app as usual.
    """

    def __init__(self, app: ASGIApp, routes: Iterable[BaseRoute], handlers: Mapping[Any, Callable[..., Any]]) -> None:
        self.app = app
        self.lanes = {route.path: route for route in routes if isinstance(route, LeanRoute)}
        self.handlers = handlers  # the app's own dict: handlers added later count too

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        route = None
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            route = self.lanes.get(scope["path"])
        if route is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = route
        request = Request(scope, receive, send)
        try:
            response = await route.serve(request)
        except Exception as exc:
            handler = next((self.handlers[c] for c in type(exc).__mro__ if c in self.handlers), None)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)
