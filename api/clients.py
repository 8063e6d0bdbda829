"""The registry of API clients, kept in ``var/api/clients.json`` with secrets hashed.

The file is small (one line per portal, auditor tool or staff member) and read
into memory; it is re-read when another process changes it (checked at most
once a second, so the hot path does not stat a file per request), so several
uvicorn workers share one registry. A secret is shown once, when the client is
created, and never stored in clear. On first start an ``admin`` client is
created and its credentials written to ``var/api/admin.credentials`` (0600),
the only way to bootstrap the others.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sohoa.errors import AuthenticationError, ConflictError, NotFoundError
from sohoa.logs import get_logger
from sohoa.settings import Settings

from api.security import Principal, Role, hash_secret, new_secret, secret_matches, write_private

log = get_logger(__name__)

RECHECK_SECONDS = 1.0  # a change by another worker (a client disabled) applies within this time
_BAD_CREDENTIALS = ("Thông tin xác thực không đúng", "invalid client credentials")


@dataclass(frozen=True)
class ClientRecord:
    """One registered client; ``secret_sha256`` is the only trace of its secret."""

    client_id: str
    role: Role
    secret_sha256: str
    name: str = ""
    agency: str | None = None
    procedures: tuple[str, ...] = ()
    disabled: bool = False
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def principal(self) -> Principal:
        return Principal(self.client_id, self.role, self.agency, frozenset(self.procedures))

    def public(self) -> dict[str, object]:
        """What an admin may see: everything but the hash."""
        out = asdict(self)
        out.pop("secret_sha256")
        out["role"] = self.role.value
        out["procedures"] = list(self.procedures)
        return out


class ClientRegistry:
    """Clients by id, persisted as JSON under ``var/api``; thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._clients: dict[str, ClientRecord] = {}
        self._mtime: float | None = None
        self._checked = -RECHECK_SECONDS

    def _refresh(self, *, force: bool = False) -> None:
        """Re-read the file when another process changed it; looked at most every ``RECHECK_SECONDS``
        for reads, always before a change (a write never overwrites another worker's)."""
        now = time.monotonic()
        if not force and now - self._checked < RECHECK_SECONDS:
            return
        self._checked = now
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return
        if mtime != self._mtime:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            self._clients = {k: _record(v) for k, v in raw.items()}
            self._mtime = mtime

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        data = {k: {**asdict(v), "role": v.role.value} for k, v in self._clients.items()}
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(self.path)
        self._mtime = self.path.stat().st_mtime

    def create(
        self, client_id: str, role: Role, *, name: str = "", agency: str | None = None, procedures: tuple[str, ...] = ()
    ) -> tuple[ClientRecord, str]:
        """Register a client; return it with its secret (shown this once only)."""
        secret = new_secret()
        record = ClientRecord(client_id, role, hash_secret(secret), name, agency, tuple(procedures))
        with self._lock:
            self._refresh(force=True)
            if client_id in self._clients:
                raise ConflictError(f"Mã ứng dụng {client_id} đã tồn tại", f"client {client_id} already exists")
            self._clients[client_id] = record
            self._save()
        log.info("api_client_created", client_id=client_id, role=role.value)
        return record, secret

    def disable(self, client_id: str) -> ClientRecord:
        with self._lock:
            self._refresh(force=True)
            record = self._clients.get(client_id)
            if record is None:
                raise NotFoundError(f"Không có ứng dụng {client_id}", f"no client {client_id}")
            record = ClientRecord(**{**asdict(record), "disabled": True})
            self._clients[client_id] = record
            self._save()
        return record

    def list(self) -> list[ClientRecord]:
        with self._lock:
            self._refresh()
            return sorted(self._clients.values(), key=lambda r: r.client_id)

    def active(self, client_id: str) -> ClientRecord:
        """The enabled client ``client_id``; AuthenticationError when unknown or disabled."""
        with self._lock:
            self._refresh()
            record = self._clients.get(client_id)
        if record is None or record.disabled:
            raise AuthenticationError(*_BAD_CREDENTIALS)
        return record

    def authenticate(self, client_id: str, secret: str) -> Principal:
        record = self.active(client_id)
        if not secret_matches(secret, record.secret_sha256):
            raise AuthenticationError(*_BAD_CREDENTIALS)
        return record.principal()

    def authenticate_key(self, api_key: str) -> Principal:
        """An API key is ``<client_id>.<secret>``."""
        client_id, _, secret = api_key.partition(".")
        if not secret:
            raise AuthenticationError(*_BAD_CREDENTIALS)
        return self.authenticate(client_id, secret)


def _record(raw: dict[str, object]) -> ClientRecord:
    values = dict(raw)
    values["role"] = Role(str(values["role"]))
    values["procedures"] = tuple(values.get("procedures") or ())  # type: ignore[arg-type]
    return ClientRecord(**values)  # type: ignore[arg-type]


def open_registry(settings: Settings) -> ClientRegistry:
    """The registry under ``var/api``, with a bootstrap admin on first start."""
    registry = ClientRegistry(settings.var_dir / "api" / "clients.json")
    if not registry.list():
        _, secret = registry.create("admin", Role.ADMIN, name="bootstrap admin")
        path = settings.var_dir / "api" / "admin.credentials"
        write_private(path, f"client_id=admin\nclient_secret={secret}\n")
        log.info("api_admin_bootstrapped", credentials_file=str(path))
    return registry
