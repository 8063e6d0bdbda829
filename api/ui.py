"""The staff review UI: server-rendered pages, Vietnamese first, no script or style from a CDN.

Staff sign in with their client id and secret; the session is the same JWT the
API issues, kept in an HttpOnly, SameSite=Strict cookie. Every form post also
checks that an ``Origin`` header, when sent, is this host (a second line
against cross-site posts). These pages are left out of the OpenAPI document:
the JSON routes under ``/v1`` are the contract.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Form, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from sohoa.errors import AuthenticationError, PermissionDeniedError, SohoaError
from sohoa.model import DocType

from api import review
from api.deps import SESSION_COOKIE, identify, ip_rate_limit, services
from api.i18n import ERROR_TITLES, pick_lang, translator
from api.routes_staff import save_uploads
from api.security import TOKEN_SECONDS, Principal, Scope, issue_token
from api.templating import STATIC, render

router = APIRouter(prefix="/ui", include_in_schema=False)


class LoginRequired(Exception):
    """Raised by a page whose visitor has no valid session; answered with a redirect to the login page."""


def _lang(request: Request) -> str:
    return pick_lang(request.query_params.get("lang"), request.cookies.get("lang"))


def page(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``name`` in the visitor's language; a ``?lang=`` choice is remembered in a cookie."""
    lang = _lang(request)
    context.setdefault("user", None)
    context.setdefault("message", None)
    context.setdefault("error", None)
    response = HTMLResponse(render(name, lang, **context), status_code=status_code)
    if request.query_params.get("lang") == lang:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="strict")
    return response


def is_page(request: Request) -> bool:
    """A browser route of the review UI (its errors are pages, not JSON); static files excluded."""
    path = request.url.path
    return path.startswith("/ui") and not path.startswith("/ui/static/")


def error_page(request: Request, status_code: int, vi: str, en: str, problems: list[str] | None = None) -> HTMLResponse:
    """An error as a page in the visitor's language (the JSON routes keep the contract's error JSON)."""
    vietnamese = _lang(request) == "vi"
    title = f"error_{status_code}" if status_code in ERROR_TITLES else "error_other"
    return page(request, "error.html", status_code=status_code, error=vi if vietnamese else en, status=status_code,
                title_key=title, problems=problems or [])  # fmt: skip


def staff(request: Request) -> Principal:
    """The signed-in reviewer (REVIEW scope), or LoginRequired."""
    svc = services(request)
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    try:
        principal = identify(svc, None, token)
    except AuthenticationError as e:
        raise LoginRequired from e
    principal.require(Scope.REVIEW)
    svc.limiter.hit(f"client:{principal.client_id}")
    return principal


def same_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise PermissionDeniedError("Yêu cầu từ trang khác bị từ chối", "cross-site form post refused")


def _back_to(url: str, text: str | None = None) -> RedirectResponse:
    return RedirectResponse(url if text is None else f"{url}?done={text}", status_code=303)


@router.get("")
def home() -> RedirectResponse:
    return _back_to("/ui/queue")


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    return page(request, "login.html")


@router.post("/login")
def login(request: Request, client_id: Annotated[str, Form()], client_secret: Annotated[str, Form()]) -> Response:
    same_origin(request)
    ip_rate_limit(request)
    svc = services(request)
    try:
        principal = svc.registry.authenticate(client_id, client_secret)
        principal.require(Scope.REVIEW)
    except SohoaError as e:
        return page(request, "login.html", status_code=e.http_status, error=e.vi if _lang(request) == "vi" else e.en)
    token, _ = issue_token(principal, svc.token_key)
    response = _back_to("/ui/queue")
    response.set_cookie(SESSION_COOKIE, token, max_age=TOKEN_SECONDS, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")  # fmt: skip
    return response


@router.post("/logout")
def logout(request: Request) -> RedirectResponse:
    same_origin(request)
    response = _back_to("/ui/login")
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/queue")
def queue_page(request: Request, offset: int = 0) -> HTMLResponse:
    user = staff(request)
    docs = review.queue(services(request), 50, max(offset, 0))
    done = request.query_params.get("done")
    message = translator(_lang(request))(done) if done in ("approved", "rejected") else None
    return page(request, "queue.html", user=user.client_id, docs=docs, offset=offset, message=message)


@router.get("/review/{document_id}")
def review_page(request: Request, document_id: str) -> HTMLResponse:
    user = staff(request)
    draft = review.draft(services(request), document_id)
    message = translator(_lang(request))("type_changed") if request.query_params.get("done") == "type_changed" else None
    return page(request, "review.html", user=user.client_id, draft=draft, doc_types=[t.value for t in DocType],
                message=message)  # fmt: skip


@router.post("/review/{document_id}/type")
def change_type(request: Request, document_id: str, doc_type: Annotated[DocType, Form()]) -> RedirectResponse:
    same_origin(request)
    user = staff(request)
    review.change_type(services(request), user, document_id, doc_type)
    return _back_to(f"/ui/review/{document_id}", "type_changed")


@router.get("/review/{document_id}/page/{number}")
def page_image(request: Request, document_id: str, number: int) -> FileResponse:
    staff(request)
    path = review.page_image(services(request), document_id, number)
    return FileResponse(path, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.post("/review/{document_id}/approve")
async def approve(request: Request, document_id: str) -> RedirectResponse:
    same_origin(request)
    user = staff(request)
    form = await request.form()
    svc = services(request)
    draft = await run_in_threadpool(review.draft, svc, document_id)
    current = {f.name: f.value for f in draft.fields}
    submitted = {k.removeprefix("f_"): str(v).strip() for k, v in form.items() if k.startswith("f_")}
    # Signing blocks (and pyHanko runs its own event loop), so it never runs on the server's loop.
    await run_in_threadpool(review.approve, svc, user, document_id, changed_values(current, submitted))
    return _back_to("/ui/queue", "approved")


def changed_values(current: dict[str, str | int | None], submitted: dict[str, str]) -> dict[str, str | int | None]:
    """The fields the reviewer changed, typed like the machine's value (integers stay integers, blank is null)."""
    changed: dict[str, str | int | None] = {}
    for name, text in submitted.items():
        if name not in current or text == ("" if current[name] is None else str(current[name])):
            continue
        if not text:
            changed[name] = None
        elif isinstance(current[name], int) and text.lstrip("-").isdigit():
            changed[name] = int(text)
        else:
            changed[name] = text
    return changed


@router.post("/review/{document_id}/reject")
def reject(request: Request, document_id: str, reason: Annotated[str, Form(min_length=3, max_length=1000)]) -> RedirectResponse:
    same_origin(request)
    user = staff(request)
    review.reject(services(request), user, document_id, reason)
    return _back_to("/ui/queue", "rejected")


@router.get("/batches")
def batches_page(request: Request) -> HTMLResponse:
    user = staff(request)
    states = [s.to_json() for s in services(request).batches.all()]
    return page(request, "batches.html", user=user.client_id, batches=states)


@router.post("/batches")
async def upload(request: Request, files: list[UploadFile]) -> RedirectResponse:
    same_origin(request)
    user = staff(request)
    user.require(Scope.INGEST)
    svc = services(request)
    batch_id, folder = await save_uploads(svc, files)
    svc.batches.start(batch_id, folder, user.client_id)
    return _back_to(f"/ui/batches/{batch_id}")


@router.get("/batches/{batch_id}")
def batch_page(request: Request, batch_id: str) -> HTMLResponse:
    user = staff(request)
    state = services(request).batches.get(batch_id)
    if state is None:
        return page(request, "batches.html", status_code=404, user=user.client_id, batches=[], error=batch_id)
    return page(request, "batch.html", user=user.client_id, batch=state.to_json())


def mount(app: FastAPI) -> None:
    """Add the UI pages, its static files and the login redirect to ``app``."""

    async def to_login(request: Request, _: Exception) -> RedirectResponse:
        return RedirectResponse("/ui/login", status_code=303)

    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=STATIC), name="ui-static")
    app.add_exception_handler(LoginRequired, to_login)
