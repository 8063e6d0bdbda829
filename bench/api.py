"""API benchmark: the portal query ``GET /v1/documents`` over a PostgreSQL and a SQLite catalog, driven by wrk.

Set-up per catalog: a throw-away database bulk-loaded with synthetic documents
(``bench.storage``'s rows: COPY into PostgreSQL, executemany into SQLite), a
throw-away MinIO (the store the app opens) and the development PKI (signed audit
checkpoints), and the app served by uvicorn with ``--workers`` processes
(``api.app:app_from_environment``, exactly what ``sohoa serve --workers N``
runs), logging every request as in production (to /dev/null). wrk
(``--connections`` connections, one thread) requests random owners' valid
documents for ``--seconds``; every request is authenticated, validated, queried
and audited (one entry per document returned, group-committed, signed
checkpoints every 100 entries).

Two legs per app. **Closed loop** (wrk): the most it serves, each connection
sending its next request when the last is answered; latency there is mostly
queueing (≈ connections / throughput). **Open loop** (vegeta, ``--rate``): requests
sent at a fixed rate whatever the answers do, which is how the target reads
(serve 1,000 req/s with p99 ≤ 25 ms) and how wrk2/vegeta measure latency
without coordinated omission — a stall delays every request scheduled during
it and all of them count, where wrk's connections would simply wait.

Peer, in the same run: the same catalog query (``Catalog.find``) behind a bare
Starlette route with no authentication, validation or audit, with the same
worker count — the floor our features add to. Targets (PostgreSQL, 1M documents):
≥ 1,000 req/s and p99 ≤ 25 ms on 2 cores.

    .venv/bin/python -m bench.api [--docs 1000000] [--sqlite-docs 100000] [--seconds 15] [--connections 16] [--workers 2]
        [--rate 1000] [--rounds 1] [--baseline DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.storage import COLUMNS, SECRET, USER, _load, _owner, _rows
from sohoa.settings import PROJECT_ROOT, load_settings
from sohoa.tools import run
from storage.catalog import Catalog
from storage.local_minio import MinioServer, free_port
from storage.local_postgres import PostgresServer

VALID_ON = "2026-11-23"
PROCEDURE = "1.001"
BARE_DATABASE = "BENCH_API_DATABASE_URL"
QUERY = f"purpose=bench&for_procedure={PROCEDURE}&valid_on={VALID_ON}"  # every benchmark request's, after owner_id
VEGETA = PROJECT_ROOT / "bin" / "vegeta"  # built by scripts/setup
WARM_UP_SECONDS = 10


def bare_app() -> object:
    """The peer (a uvicorn factory): ``Catalog.find`` as JSON, nothing else."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    catalog = Catalog.open(os.environ[BARE_DATABASE])

    async def documents(request: Request) -> JSONResponse:
        owner = request.query_params["owner_id"]
        docs = await run_in_threadpool(catalog.find, owner, None, None, None, 51, 0)
        return JSONResponse({"documents": [d.to_find_json() for d in docs]})

    return Starlette(routes=[Route("/v1/documents", documents)])


def _serve(factory: str, env: dict[str, str], port: int, workers: int, log: Path, source: str | None = None) -> None:
    """uvicorn with ``workers`` processes building their app from ``factory``; their logs go to ``log``.
    With ``source`` (another checkout of the project) the workers import everything from there:
    spawned processes inherit this ``sys.path``, and this supervisor never imports the app itself."""
    import uvicorn

    if source is not None:
        sys.path.insert(0, source)
    os.environ.update(env)
    sys.stdin = None  # type: ignore[assignment]  # a spawned process's stdin fd does not reach uvicorn's workers
    os.dup2(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644), 2)
    uvicorn.run(factory, factory=True, host="127.0.0.1", port=port, workers=workers, log_level="warning",
                access_log=False, timeout_worker_healthcheck=120)  # fmt: skip  # a loaded machine imports slowly


def _wait_ready(url: str, headers: dict[str, str], timeout: float = 300.0) -> None:
    deadline, last = time.monotonic() + timeout, "no answer"
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(url, headers=headers, timeout=60)
            if answer.status_code == 200:
                return
            last = f"{answer.status_code} {answer.text[:300]}"
        except httpx.HTTPError as e:
            last = repr(e)
        time.sleep(0.5)
    raise RuntimeError(f"server at {url} did not answer 200 (last: {last})")


def _lua(owners: list[str], key: str, out: Path) -> Path:
    """A wrk script cycling through random owners, with the portal's key and purpose."""
    listed = ",".join(f'"{o}"' for o in owners)
    out.write_text(
        f"local owners = {{{listed}}}\nlocal i = 0\n"
        f'wrk.headers["X-API-Key"] = "{key}"\n'
        "request = function()\n  i = i % #owners + 1\n"
        f'  return wrk.format("GET", "/v1/documents?owner_id=" .. owners[i] .. "&{QUERY}")\n'
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


def _targets(owners: list[str], key: str, base: str, out: Path) -> Path:
    """The same requests as ``_lua``'s, as a vegeta target file (vegeta cycles through them)."""
    out.write_text("".join(f"GET {base}/v1/documents?owner_id={o}&{QUERY}\nX-API-Key: {key}\n\n" for o in owners))
    return out


def _vegeta(targets: Path, rate: int, seconds: int) -> dict[str, float]:
    """Open loop: ``rate`` requests per second for ``seconds`` whatever the answers do; latency
    percentiles in ms, the rate achieved and the share answered 2xx."""
    results = targets.with_suffix(".bin")
    run([VEGETA, "attack", f"-rate={rate}/s", f"-duration={seconds}s", f"-targets={targets}", "-timeout=10s",
         f"-output={results}"], timeout=seconds + 60)  # fmt: skip
    report = json.loads(run([VEGETA, "report", "-type=json", str(results)], timeout=60).stdout)
    ns = report["latencies"]
    return {"open_rate": report["rate"], "open_p50": ns["50th"] / 1e6, "open_p99": ns["99th"] / 1e6,
            "open_max": ns["max"] / 1e6, "open_ok": report["success"]}  # fmt: skip


@dataclass(frozen=True)
class Load:
    """What every app of a run is driven with: wrk's script, the same requests for vegeta, and for how long."""

    script: Path
    owners: list[str]
    key: str
    seconds: int
    connections: int
    rate: int  # open-loop requests per second; 0: closed loop only


def _measure(factory: str, env: dict[str, str], workers: int, load: Load,
             source: str | None = None) -> dict[str, float]:  # fmt: skip
    """Closed loop (wrk), then open loop (vegeta, when ``load.rate``), on a fresh server of ``factory``."""
    script, seconds, connections = load.script, load.seconds, load.connections
    port, log = free_port(), script.with_name(f"{factory.replace(':', '-')}.log")
    server = multiprocessing.get_context("spawn").Process(target=_serve, args=(factory, env, port, workers, log, source))
    server.start()
    try:
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(f"{base}/v1/documents?owner_id={_owner(1)}&purpose=warm&for_procedure={PROCEDURE}",
                        {"X-API-Key": load.key})  # fmt: skip
        except RuntimeError:
            print(log.read_text(errors="replace")[-3000:])
            raise
        # warm-up: every worker's pool and caches, and its first signed checkpoint, which starts the worker's
        # checkpoint child (api.checkpoints: imports and storage, ~3 s of CPU at low priority, once per worker)
        _wrk(base, script, WARM_UP_SECONDS, connections)
        closed = {**_wrk(base, script, seconds, connections), "loadavg": os.getloadavg()[0]}
        if not load.rate:
            return closed
        targets = _targets(load.owners, load.key, base, script.with_suffix(".targets"))
        return {**closed, **_vegeta(targets, load.rate, seconds)}
    finally:
        server.terminate()  # uvicorn's supervisor stops its workers on SIGTERM
        server.join(30)


def _load_sqlite(path: Path, docs: int, owners: int) -> float:
    """The same synthetic rows into a migrated SQLite catalog (dates as SQLAlchemy stores them); seconds."""
    start = time.perf_counter()
    Catalog.open(f"sqlite:///{path}").close()
    text = [(*r[:5], r[5].isoformat(), r[6].isoformat() if r[6] else None, *r[7:14], f"{r[14]:%Y-%m-%d %H:%M:%S.%f}")
            for r in _rows(docs, owners)]  # fmt: skip
    with sqlite3.connect(path) as conn:
        conn.executemany(f"INSERT INTO documents ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})", text)
        conn.execute("ANALYZE")
    return time.perf_counter() - start


def _environment(base: Path, database_url: str, minio: MinioServer, pki_port: int) -> dict[str, str]:
    """The ``SOHOA_*`` variables every sohoa worker builds its settings from."""
    return {"SOHOA_VAR_DIR": str(base / "var"), "SOHOA_DATABASE_URL": database_url,
            "SOHOA_S3_ENDPOINT": minio.endpoint, "SOHOA_S3_ACCESS_KEY": USER, "SOHOA_S3_SECRET_KEY": SECRET,
            "SOHOA_DEV_PKI_PORT": str(pki_port), "SOHOA_API_RATE_LIMIT_PER_MINUTE": "10000000"}  # fmt: skip


def _portal_key(env: dict[str, str]) -> str:
    from api.clients import open_registry
    from api.security import Role

    settings = load_settings(var_dir=Path(env["SOHOA_VAR_DIR"]))
    record, secret = open_registry(settings).create("bench-portal", Role.PORTAL, procedures=(PROCEDURE,))
    return f"{record.client_id}.{secret}"


def _baseline_catalog(url: str, baseline: Path) -> str:
    """A copy of the loaded catalog for the ``--baseline`` checkout, brought down to that checkout's newest
    schema revision (its Alembic refuses a database migrated past what it knows); returns its URL.
    Its audit chain is its own from there on."""
    import shutil

    import sqlalchemy as sa
    from alembic import command
    from alembic.script import ScriptDirectory

    from storage.catalog import alembic_config

    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        copy = parsed.set(database=f"{parsed.database}.baseline")
        shutil.copyfile(str(parsed.database), str(copy.database))
    else:
        copy = parsed.set(database=f"{parsed.database}_baseline")
        admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{copy.database}" TEMPLATE "{parsed.database}"')
        admin.dispose()
    config = alembic_config()
    engine = sa.create_engine(copy)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, ScriptDirectory(str(baseline / "storage" / "migrations")).get_current_head() or "base")
    engine.dispose()
    return copy.render_as_string(hide_password=False)


def _pair(env: dict[str, str], base: Path, sample: list[str], args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Ours, the ``--baseline`` checkout's app if given (on a copy of the catalog at its schema revision),
    and the bare peer on one catalog, same workers, same wrk script; ``--rounds`` times in turn (A/B/peer,
    A/B/peer, ...), so a shared machine's load hits all alike. Each figure is the median over the rounds."""
    key = _portal_key(env)
    script = _lua(sample, key, base / "portal.lua")
    load = Load(script, sample, key, args.seconds, args.connections, args.rate)
    runs: dict[str, list[dict[str, float]]] = {}
    if args.baseline:
        base_env = {**env, "SOHOA_DATABASE_URL": _baseline_catalog(env["SOHOA_DATABASE_URL"], args.baseline)}
    for _ in range(args.rounds):
        ours = _measure("api.app:app_from_environment", env, args.workers, load)
        runs.setdefault("sohoa", []).append(ours)
        if args.baseline:
            before = _measure("api.app:app_from_environment", base_env, args.workers, load,
                              source=str(args.baseline))  # fmt: skip
            runs.setdefault("baseline", []).append(before)
        peer = _measure("bench.api:bare_app", {BARE_DATABASE: env["SOHOA_DATABASE_URL"]}, args.workers, load)
        runs.setdefault("bare", []).append(peer)
        print("round:", {name: {k: round(v, 1) for k, v in rs[-1].items()} for name, rs in runs.items()}, flush=True)
    return {name: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for name, rs in runs.items()}


@contextmanager
def bench_services(prefix: str) -> Iterator[tuple[Path, PostgresServer, MinioServer, int]]:
    """A throw-away PostgreSQL and MinIO under a temporary folder, and a free port for the development PKI:
    (folder, PostgreSQL, MinIO, PKI port). Both servers are stopped on the way out."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        base = Path(tmp)
        os.chmod(tmp, 0o755)
        pg = PostgresServer.start(base / "pg", free_port())
        try:
            minio = MinioServer.start(bin_dir=PROJECT_ROOT / "bin", data_dir=base / "minio", port=free_port(),
                                      access_key=USER, secret_key=SECRET)  # fmt: skip
            try:
                yield base, pg, minio, free_port()
            finally:
                minio.stop()
        finally:
            pg.stop()


def bench(args: argparse.Namespace) -> dict[str, dict[str, dict[str, float]]]:
    from signing.devpki import ensure_dev_pki, stop_dev_pki

    results: dict[str, dict[str, dict[str, float]]] = {}
    with bench_services("bench-api-") as (base, pg, minio, pki_port):
        for name, docs in (("postgresql", args.docs), ("sqlite", args.sqlite_docs)):
            if docs == 0:
                continue
            owners, rng = max(1, docs // 3), random.Random(17)
            sample = [_owner(rng.randrange(owners)) for _ in range(2000)]
            if name == "postgresql":
                catalog = Catalog.open(pg.url)
                load_s, url = _load(catalog, docs, owners), pg.url
                catalog.close()
            else:
                load_s, url = _load_sqlite(base / "catalog.sqlite3", docs, owners), f"sqlite:///{base / 'catalog.sqlite3'}"
            env = _environment(base / name, url, minio, pki_port)
            pki_settings = load_settings(var_dir=Path(env["SOHOA_VAR_DIR"]), dev_pki_port=pki_port)
            ensure_dev_pki(pki_settings)  # once, before the workers: they only sign checkpoints with it
            try:
                results[name] = {"load": {"seconds": load_s, "docs": float(docs)}, **_pair(env, base, sample, args)}
            finally:
                stop_dev_pki(pki_settings)
    return results


def _print(name: str, result: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    ours, peer = result["sohoa"], result["bare"]
    print(f"\n{name}: {result['load']['docs']:.0f} documents loaded in {result['load']['seconds']:.1f} s, "
          f"{args.workers} uvicorn workers each")  # fmt: skip
    print(f"{'':34}{'sohoa':>10}{'bare peer':>12}{'ratio':>8}{'target':>10}")

    def row(label: str, key: str, target: str = "", digits: int = 2) -> None:
        print(f"{label:34}{ours[key]:>10.{digits}f}{peer[key]:>12.{digits}f}{ours[key] / peer[key]:>8.2f}{target:>10}")

    closed = f"closed loop ({args.connections} connections)"
    row(f"{closed} req/s", "rps", "≥ 1000", 0)
    row(f"{closed} p50 ms", "p50")
    row(f"{closed} p99 ms", "p99")
    if args.rate:
        opened = f"open loop at {args.rate}/s"
        row(f"{opened}: achieved", "open_rate", "", 0)
        row(f"{opened}: p50 ms", "open_p50")
        row(f"{opened}: p99 ms", "open_p99", "≤ 25")
        row(f"{opened}: max ms", "open_max")
        row(f"{opened}: share 2xx", "open_ok", "", 4)
    print(f"{'closed loop non-2xx responses':34}{ours['non_2xx']:>10.0f}{peer['non_2xx']:>12.0f}")
    print(f"{'load average (1 min)':34}{ours['loadavg']:>10.1f}{peer['loadavg']:>12.1f}")
    if "baseline" in result:
        before = result["baseline"]
        print(f"baseline checkout, same rounds: {before['rps']:.0f} req/s (ours ×{ours['rps'] / before['rps']:.2f}), "
              f"p50 {before['p50']:.2f} ms, p99 {before['p99']:.2f} ms, non-2xx {before['non_2xx']:.0f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000, help="documents in the PostgreSQL catalog")
    parser.add_argument("--sqlite-docs", type=int, default=100_000, help="documents in the SQLite catalog (0: skip)")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (one per core)")
    parser.add_argument("--rate", type=int, default=1000, help="open-loop requests per second (vegeta; 0: skip)")
    parser.add_argument("--rounds", type=int, default=1, help="measure each app this many times, in turn")
    parser.add_argument("--baseline", type=Path, help="another checkout of the project (e.g. `git archive` of an "
                        "older commit) whose app is measured in the same rounds, for a before/after")  # fmt: skip
    args = parser.parse_args()
    for name, result in bench(args).items():
        _print(name, result, args)


if __name__ == "__main__":
    main()
