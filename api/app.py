"""The FastAPI application: routers, middleware, and the one error handler.

Every ``SohoaError`` becomes its ``http_status`` with the bilingual JSON of
``SohoaError.to_json()`` — or, on the review UI's browser routes (``/ui``),
a page in the visitor's language; nothing else is translated here. CORS is closed unless
``settings.api_cors_origins`` lists origins. Request bodies are capped at
``settings.api_max_upload_bytes``. The portal query is served by ``api.lean.FastLane``
inside every middleware, ahead of the router.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sohoa.errors import SohoaError
from sohoa.heap import start_up_heap_frozen
from sohoa.logs import get_logger
from sohoa.settings import Settings

from api import routes_admin, routes_auditor, routes_health, routes_portal, routes_staff
from api.deps import Services
from api.lean import FastLane
from api.limits import AccessLogMiddleware, BodyLimitMiddleware
from api.schemas import ErrorBody

log = get_logger(__name__)

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 422, 429, 503)
}
_HTTP_TEXTS = {
    400: ("Yêu cầu không đọc được", "malformed request"),
    404: ("Không có đường dẫn này", "no such path"),
    405: ("Phương thức không được hỗ trợ", "method not allowed"),
}


def _browser_page(request: Request) -> bool:
    from api.ui import is_page

    return is_page(request)


def _as_page(request: Request, status_code: int, vi: str, en: str, problems: list[str] | None = None) -> Response:
    from api.ui import error_page

    return error_page(request, status_code, vi, en, problems)


async def _sohoa_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SohoaError)
    if exc.http_status >= 500:
        log.error("request_failed", code=exc.code, error=exc.message)
    if _browser_page(request):
        return _as_page(request, exc.http_status, exc.vi, exc.en)
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    return JSONResponse(exc.to_json(), status_code=exc.http_status, headers=headers)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """Validation errors in the same bilingual shape; the offending input is never echoed back."""
    assert isinstance(exc, RequestValidationError)
    errors = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    where = ", ".join(".".join(e["loc"]) for e in errors)
    vi, en = f"Yêu cầu không hợp lệ: {where}", f"invalid request: {where}"
    if _browser_page(request):
        return _as_page(request, 422, vi, en, [f"{e['loc'][-1]}: {e['msg']}" for e in errors])
    body = ErrorBody(code="invalid_request", vi=vi, en=en, detail=None, errors=errors)
    return JSONResponse(body.model_dump(), status_code=422)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    vi, en = _HTTP_TEXTS.get(exc.status_code, ("Lỗi yêu cầu", "request error"))
    if _browser_page(request):
        return _as_page(request, exc.status_code, vi, en)
    body = ErrorBody(code=f"http_{exc.status_code}", vi=vi, en=en, detail=str(exc.detail)[:200])
    return JSONResponse(body.model_dump(exclude_none=True), status_code=exc.status_code, headers=exc.headers)


def create_app(settings: Settings, *, served: bool = False) -> FastAPI:
    """The sohoa HTTP service: portal, auditor, staff and admin routes plus the review UI.

    ``served``: by a server's worker process (``app_from_environment``), which starts its checkpoint
    child before it takes requests (``api.checkpoints``); tests' apps start it at the first checkpoint."""
    services = Services(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if served:
            await services.prepare_checkpoints()
        with start_up_heap_frozen():  # full collections during requests skip the imported stack
            yield
        await services.close_loop()
        services.close()

    app = FastAPI(
        title="sohoa",
        version="1",
        description="Tài liệu hành chính đã ký số: tra cứu, tái sử dụng, kiểm tra / signed administrative documents",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.services = services
    app.add_exception_handler(SohoaError, _sohoa_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    routers = (routes_health, routes_admin, routes_portal, routes_auditor, routes_staff)
    for module in routers:
        app.include_router(module.router)
    _add_ui(app)
    routes = [route for module in routers for route in module.router.routes]
    app.add_middleware(FastLane, routes=routes, handlers=app.exception_handlers)  # innermost: lean routes' fast path
    app.add_middleware(BodyLimitMiddleware, limit=settings.api_max_upload_bytes)
    if settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api_cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    app.add_middleware(AccessLogMiddleware)
    return app


def app_from_environment() -> FastAPI:
    """The app with settings from ``SOHOA_*`` variables: the factory each uvicorn worker process calls
    (``sohoa serve --workers N``), since settings objects cannot cross into spawned workers."""
    from sohoa import logs
    from sohoa.settings import load_settings

    logs.configure()
    return create_app(load_settings(), served=True)


def _add_ui(app: FastAPI) -> None:
    """The staff review UI, when its module is present (imported late: it pulls in Jinja2)."""
    from api import ui

    ui.mount(app)
