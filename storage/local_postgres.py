"""The PostgreSQL server programs (initdb, pg_ctl), wrapped once.

Used by the test suite and the benchmarks to run a real, throw-away cluster on
a free loopback port. PostgreSQL refuses to run as root, so when we are root
(CI) the cluster is owned by and run as the Debian ``postgres`` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
from dataclasses import dataclass
from pathlib import Path

from sohoa.errors import MissingDependencyError
from sohoa.logs import get_logger
from sohoa.tools import run

log = get_logger(__name__)


def _pg_bin(name: str) -> Path:
    """A PostgreSQL server program: the Debian versioned folder first, then PATH."""
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise MissingDependencyError(
            "Chưa cài PostgreSQL; hãy chạy scripts/setup", f"PostgreSQL's {name} not found; run scripts/setup"
        )
    return Path(found)


def _as_owner(args: list[str | Path]) -> list[str | Path]:
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


@dataclass
class PostgresServer:
    """A running throw-away cluster; ``url`` is a SQLAlchemy (psycopg 3) URL."""

    data_dir: Path
    port: int
    url: str

    @classmethod
    def start(cls, base_dir: Path, port: int, *, database: str = "sohoa") -> PostgresServer:
        """Create a cluster in ``base_dir`` (which the postgres user must be able to reach:
        not under a root-only folder such as pytest's temporary tree) and start it."""
        data_dir = base_dir / "pgdata"
        socket_dir = base_dir / "socket"
        base_dir.mkdir(parents=True, exist_ok=True)
        socket_dir.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            for path in (base_dir, socket_dir):
                os.chown(path, owner.pw_uid, owner.pw_gid)
        run(
            _as_owner([_pg_bin("initdb"), "-D", data_dir, "-U", "sohoa", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
            timeout=120,
        )
        options = f"-p {port} -k {socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off"
        run(
            _as_owner([_pg_bin("pg_ctl"), "-D", data_dir, "-o", options, "-l", base_dir / "server.log", "-w", "start"]),
            timeout=120,
        )
        run(_as_owner([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "sohoa", database]), timeout=60)
        server = cls(data_dir, port, f"postgresql+psycopg://sohoa@127.0.0.1:{port}/{database}")
        log.info("postgres.started", port=port, data_dir=str(data_dir))
        return server

    def create_database(self, name: str) -> str:
        """A fresh database in this cluster; returns its URL."""
        run(_as_owner([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "sohoa", name]), timeout=60)
        return f"postgresql+psycopg://sohoa@127.0.0.1:{self.port}/{name}"

    def stop(self, *, remove: bool = False) -> None:
        """Stop the server; with ``remove`` also delete its folder."""
        run(_as_owner([_pg_bin("pg_ctl"), "-D", self.data_dir, "-m", "fast", "-w", "stop"]), timeout=60)
        if remove:
            shutil.rmtree(self.data_dir.parent, ignore_errors=True)
