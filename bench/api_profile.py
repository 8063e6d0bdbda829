"""Where the portal query's CPU goes, in process: ``GET /v1/documents`` driven as raw ASGI calls.

Same set-up as ``bench.api`` (throw-away PostgreSQL with ``--docs`` synthetic
documents, MinIO, development PKI), but the app (``--app sohoa``) or the bare
peer (``--app bare``) runs in this process and is called directly, without HTTP
or uvicorn, by ``--connections`` concurrent tasks for ``--requests`` requests.
Printed: CPU milliseconds per request of this process (every thread: event
loop and any other; also split by thread) and of the PostgreSQL
server processes, then cProfile's top functions over every thread of a fresh app. Figures are per request, so a
loaded machine moves them less than wall-clock throughput.

    .venv/bin/python -m bench.api_profile [--docs 100000] [--requests 3000] [--app sohoa|bare] [--top 35] [--sort tottime|cumulative]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import random
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from bench.api import BARE_DATABASE, QUERY, _environment, _portal_key, bare_app, bench_services
from bench.storage import _load, _owner
from sohoa.settings import load_settings
from storage.catalog import Catalog


def _scope(owner: str, key: str) -> dict[str, Any]:
    query = f"owner_id={owner}&{QUERY}"
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": "/v1/documents", "raw_path": b"/v1/documents", "root_path": "", "query_string": query.encode(),
            "headers": [(b"host", b"bench"), (b"x-api-key", key.encode())], "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000)}  # fmt: skip


async def _drive(app: Callable[..., Any], owners: list[str], key: str, requests: int, connections: int) -> int:
    """``requests`` calls spread over ``connections`` tasks; returns how many were not 200."""
    pending, failures = iter(range(requests)), 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def worker() -> None:
        nonlocal failures
        for i in pending:
            status = 0

            async def send(message: dict[str, Any]) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]

            await app(_scope(owners[i % len(owners)], key), receive, send)
            failures += status != 200

    await asyncio.gather(*(worker() for _ in range(connections)))
    return failures


class _ThreadProfiles:
    """cProfile in every thread started while active, plus the calling thread."""

    def __init__(self) -> None:
        self.profiles: list[cProfile.Profile] = []

    def _start_here(self, *_: object) -> None:
        sys.setprofile(None)
        profile = cProfile.Profile(time.thread_time)  # CPU of this thread, not waits
        self.profiles.append(profile)
        profile.enable()

    def __enter__(self) -> _ThreadProfiles:
        threading.setprofile(self._start_here)
        self._start_here()
        return self

    def __exit__(self, *_: object) -> None:
        threading.setprofile(None)  # type: ignore[arg-type]
        self.profiles[0].disable()

    def report(self, top: int, sort: str) -> str:
        out = io.StringIO()
        stats = pstats.Stats(self.profiles[0], stream=out)
        for profile in self.profiles[1:]:
            stats.add(profile)
        stats.sort_stats(sort).print_stats(top)
        return out.getvalue()


def _postgres_cpu(pg_pid: int) -> float:
    """CPU seconds of the PostgreSQL postmaster and every backend so far."""
    main = psutil.Process(pg_pid)
    total = 0.0
    for proc in [main, *main.children(recursive=True)]:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


def _app(kind: str, env: dict[str, str]) -> tuple[Callable[..., Any], Callable[[], None]]:
    os.environ.update(env)
    if kind == "bare":
        os.environ[BARE_DATABASE] = env["SOHOA_DATABASE_URL"]
        return bare_app(), lambda: None  # type: ignore[return-value]
    from api.app import app_from_environment

    app = app_from_environment()
    return app, app.state.services.close


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split()[0])


def profile(args: argparse.Namespace) -> None:
    from signing.devpki import ensure_dev_pki, stop_dev_pki

    with bench_services("bench-api-profile-") as (base, pg, minio, pki_port):
        env = _environment(base / "postgresql", pg.url, minio, pki_port)
        pki_settings = load_settings(var_dir=Path(env["SOHOA_VAR_DIR"]), dev_pki_port=pki_port)
        try:
            owners_n = max(1, args.docs // 3)
            catalog = Catalog.open(pg.url)
            print(f"loaded {args.docs} documents in {_load(catalog, args.docs, owners_n):.1f} s", flush=True)
            catalog.close()
            ensure_dev_pki(pki_settings)
            rng = random.Random(17)
            owners = [_owner(rng.randrange(owners_n)) for _ in range(2000)]
            _run(args, env, owners, _postmaster_pid(pg.data_dir))
        finally:
            stop_dev_pki(pki_settings)


def _thread_cpu() -> dict[str, float]:
    """CPU seconds so far of this process's live threads, by name with pool numbers dropped
    (``MainThread`` runs the event loop; ``catalog-query``, ``audit-writer``, ...)."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    by_group: dict[str, float] = {}
    for thread in psutil.Process().threads():
        group = re.sub(r"_\d+$", "", names.get(thread.id, "unnamed"))
        by_group[group] = by_group.get(group, 0.0) + thread.user_time + thread.system_time
    return by_group


def _timed(args: argparse.Namespace, app: Callable[..., Any], owners: list[str], key: str, pg_pid: int) -> None:
    """Warm up, then time ``--requests`` requests: CPU per request of this process (in all and by thread)
    and of PostgreSQL."""
    asyncio.run(_drive(app, owners, key, 300, args.connections))  # warm-up: pool, caches, writer
    threads, cpu, pg_cpu, wall = _thread_cpu(), time.process_time(), _postgres_cpu(pg_pid), time.perf_counter()
    failures = asyncio.run(_drive(app, owners, key, args.requests, args.connections))
    cpu, pg_cpu, wall = time.process_time() - cpu, _postgres_cpu(pg_pid) - pg_cpu, time.perf_counter() - wall
    n, after = args.requests, _thread_cpu()
    split = {name: (after[name] - threads.get(name, 0.0)) / n * 1000 for name in sorted(after)}
    print(f"{args.app}: {n} requests ({failures} not 200), {n / wall:.0f} req/s in process (one process), "
          f"{cpu / n * 1000:.2f} ms CPU/request here + {pg_cpu / n * 1000:.2f} ms in PostgreSQL "
          f"(load average {os.getloadavg()[0]:.1f})", flush=True)  # fmt: skip
    print("  by thread, ms CPU/request:", ", ".join(f"{k} {v:.2f}" for k, v in split.items() if v >= 0.005), flush=True)


def _run(args: argparse.Namespace, env: dict[str, str], owners: list[str], pg_pid: int) -> None:
    """The timed run on one app, then a second app (fresh threads, so cProfile follows every one of them)
    warmed up and driven under the profiler."""
    key = _portal_key(env)
    log = open(Path(env["SOHOA_VAR_DIR"]) / "access.log", "w")  # noqa: SIM115 - the app logs to stderr
    saved, sys.stderr = sys.stderr, log
    try:
        app, close = _app(args.app, env)
        try:
            _timed(args, app, owners, key, pg_pid)
        finally:
            close()
        with _ThreadProfiles() as profiles:
            app, close = _app(args.app, env)
            try:
                asyncio.run(_drive(app, owners, key, 300 + args.requests, args.connections))
            finally:
                close()
    finally:
        sys.stderr = saved
        log.close()
    print(f"then under cProfile, every thread (a fresh app: {300 + args.requests} requests, the first 300 warm it up):")
    print(profiles.report(args.top, args.sort))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--app", choices=["sohoa", "bare"], default="sohoa")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", choices=["tottime", "cumulative"], default="tottime")
    profile(parser.parse_args())


if __name__ == "__main__":
    main()
