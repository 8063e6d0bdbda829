"""Probes for the orchestrator: liveness (``/healthz``) and readiness (``/readyz``).

Both are unauthenticated (a kubelet carries no key) and reveal nothing but
which dependency is down. Liveness touches nothing outside the process, so a
slow database never gets a healthy pod restarted; readiness checks that the
catalog answers a query and the object store answers for the documents bucket,
so traffic goes only to pods that can serve it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api import backend
from api.deps import services

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    checks: dict[str, bool] = {}


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    """The process is alive and its event loop answers."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Health,
    responses={503: {"model": Health, "description": "the catalog or the object store is unreachable"}},
)
async def readyz(request: Request) -> JSONResponse:
    """The catalog and the object store both answer (checked in a worker thread, never on the loop)."""
    checks = await run_in_threadpool(backend.readiness, services(request))
    ready = all(checks.values())
    body = Health(status="ok" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
