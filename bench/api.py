"""API benchmark: the portal query ``GET /v1/documents`` over a PostgreSQL catalog, driven by wrk.

Set-up: a throw-away PostgreSQL bulk-loaded with ``--docs`` synthetic documents
(``bench.storage``'s COPY loader, the same rows as the storage benchmark), a
throw-away MinIO (the store the app opens), and the app served by uvicorn (one
process) with a portal API key. wrk (``--connections`` connections, one thread)
requests random owners' valid documents for ``--seconds``; every request is
authenticated, validated, queried and audited (one audit entry per document
returned, signed checkpoints every 100 entries) exactly as in production.

Peer, in the same run: the same catalog query (``Catalog.find``) behind a bare
Starlette route with no authentication, validation or audit — the floor our
features add to. Targets: ≥ 1,000 req/s and p99 ≤ 25 ms on 2 cores.

    .venv/bin/python -m bench.api [--docs 1000000] [--seconds 15] [--connections 16]
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import random
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from bench.storage import SECRET, USER, _load, _owner
from sohoa.settings import PROJECT_ROOT, Settings, load_settings
from sohoa.tools import run
from storage.catalog import Catalog
from storage.local_minio import MinioServer, free_port
from storage.local_postgres import PostgresServer

VALID_ON = "2026-11-23"
PROCEDURE = "1.001"


def _serve_sohoa(settings: Settings, port: int) -> None:
    import uvicorn

    from api import create_app
    from sohoa import logs

    logs.configure(logging.WARNING)
    uvicorn.run(create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _serve_bare(database_url: str, port: int) -> None:
    """The peer: Catalog.find as JSON, nothing else."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    catalog = Catalog.open(database_url)

    async def documents(request: Request) -> JSONResponse:
        owner = request.query_params["owner_id"]
        docs = await run_in_threadpool(catalog.find, owner, None, None, None, 51, 0)
        return JSONResponse({"documents": [d.to_find_json() for d in docs]})

    app = Starlette(routes=[Route("/v1/documents", documents)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _wait_ready(url: str, headers: dict[str, str], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, headers=headers, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server at {url} did not answer 200")


def _lua(owners: list[str], key: str, out: Path) -> Path:
    """A wrk script cycling through random owners, with the portal's key and purpose."""
    listed = ",".join(f'"{o}"' for o in owners)
    out.write_text(
        f"local owners = {{{listed}}}\nlocal i = 0\n"
        f'wrk.headers["X-API-Key"] = "{key}"\n'
        "request = function()\n  i = i % #owners + 1\n"
        f'  return wrk.format("GET", "/v1/documents?owner_id=" .. owners[i] .. "&purpose=bench&for_procedure={PROCEDURE}&valid_on={VALID_ON}")\n'
        "end\n"
    )
    return out


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(url: str, script: Path, seconds: int, connections: int) -> dict[str, float]:
    proc = run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
               timeout=seconds + 60)  # fmt: skip
    text = proc.stdout.decode()
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))}  # type: ignore[union-attr]
    for pct, value, unit in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M):
        figures[f"p{pct}"] = float(value) * _UNITS[unit]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    figures["non_2xx"] = float(errors.group(1)) if errors else 0.0
    return figures


def _measure(target: Callable[..., None], args: tuple[object, ...], port: int, headers: dict[str, str],
             script: Path, seconds: int, connections: int) -> dict[str, float]:  # fmt: skip
    server = multiprocessing.get_context("spawn").Process(target=target, args=(*args, port), daemon=True)
    server.start()
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(f"{base}/v1/documents?owner_id={_owner(1)}&purpose=warm&for_procedure={PROCEDURE}", headers)
        _wrk(base, script, 3, connections)  # warm-up: pool, caches, JIT-free but cold pages
        return _wrk(base, script, seconds, connections)
    finally:
        server.terminate()
        server.join(10)


def bench(docs: int, seconds: int, connections: int) -> dict[str, dict[str, float]]:
    owners = max(1, docs // 3)
    rng = random.Random(17)
    sample = [_owner(rng.randrange(owners)) for _ in range(2000)]
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        base = Path(tmp)
        os.chmod(tmp, 0o755)
        pg = PostgresServer.start(base / "pg", free_port())
        minio = MinioServer.start(bin_dir=PROJECT_ROOT / "bin", data_dir=base / "minio", port=free_port(),
                                  access_key=USER, secret_key=SECRET)  # fmt: skip
        try:
            catalog = Catalog.open(pg.url)
            load_s = _load(catalog, docs, owners)
            catalog.close()
            settings = load_settings(var_dir=base / "var", database_url=pg.url, s3_endpoint=minio.endpoint,
                                     s3_access_key=USER, s3_secret_key=SECRET, dev_pki_port=free_port(),
                                     api_rate_limit_per_minute=10_000_000)  # fmt: skip
            from api.clients import open_registry
            from api.security import Role

            record, secret = open_registry(settings).create("bench-portal", Role.PORTAL, procedures=(PROCEDURE,))
            key = f"{record.client_id}.{secret}"
            script = _lua(sample, key, base / "portal.lua")
            headers = {"X-API-Key": key}
            ours = _measure(_serve_sohoa, (settings,), free_port(), headers, script, seconds, connections)
            peer = _measure(_serve_bare, (pg.url,), free_port(), {}, script, seconds, connections)
        finally:
            minio.stop()
            pg.stop()
    return {"load": {"seconds": load_s, "docs": float(docs)}, "sohoa": ours, "bare": peer}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    result = bench(args.docs, args.seconds, args.connections)
    ours, peer = result["sohoa"], result["bare"]
    print(f"catalog: {args.docs} documents loaded in {result['load']['seconds']:.1f} s")
    print(f"{'':28}{'sohoa':>10}{'bare peer':>12}{'ratio':>8}{'target':>10}")
    print(f"{'req/s':28}{ours['rps']:>10.0f}{peer['rps']:>12.0f}{ours['rps'] / peer['rps']:>8.2f}{'≥ 1000':>10}")
    print(f"{'p50 ms':28}{ours['p50']:>10.2f}{peer['p50']:>12.2f}{ours['p50'] / peer['p50']:>8.2f}")
    print(f"{'p99 ms':28}{ours['p99']:>10.2f}{peer['p99']:>12.2f}{ours['p99'] / peer['p99']:>8.2f}{'≤ 25':>10}")
    print(f"{'non-2xx responses':28}{ours['non_2xx']:>10.0f}{peer['non_2xx']:>12.0f}")


if __name__ == "__main__":
    main()
