"""Who may call what: roles, scopes, hashed client secrets and HS256 tokens.

A client (a portal, an auditor's tool, a staff member's browser, an admin)
holds one secret. It is used either directly as an API key
(``X-API-Key: <client_id>.<secret>``) or exchanged at ``POST /v1/token`` for a
short-lived JWT (OAuth2 client credentials). Secrets are 256-bit random
strings, so a plain SHA-256 is an adequate hash at rest (no password
stretching is needed for keys nobody chose), and comparisons are constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import jwt

from sohoa.errors import AuthenticationError, ConfigurationError, PermissionDeniedError
from sohoa.settings import Settings

TOKEN_SECONDS = 900
ISSUER = "sohoa"


class Role(StrEnum):
    STAFF = "staff"
    PORTAL = "portal"
    AUDITOR = "auditor"
    ADMIN = "admin"


class Scope(StrEnum):
    DOCUMENTS_READ = "documents:read"
    DOCUMENTS_REUSE = "documents:reuse"
    ACCESS_LOG_READ = "access_log:read"
    VERIFY = "verify"
    EVIDENCE = "evidence"
    REVIEW = "review"
    INGEST = "ingest"
    CLIENTS_ADMIN = "clients:admin"


ROLE_SCOPES: dict[Role, frozenset[Scope]] = {
    Role.PORTAL: frozenset({Scope.DOCUMENTS_READ, Scope.DOCUMENTS_REUSE, Scope.ACCESS_LOG_READ}),
    Role.AUDITOR: frozenset({Scope.DOCUMENTS_READ, Scope.ACCESS_LOG_READ, Scope.VERIFY, Scope.EVIDENCE}),
    Role.STAFF: frozenset({Scope.REVIEW, Scope.INGEST}),
    Role.ADMIN: frozenset(
        {Scope.DOCUMENTS_READ, Scope.ACCESS_LOG_READ, Scope.VERIFY, Scope.EVIDENCE, Scope.CLIENTS_ADMIN}
    ),
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``procedures`` limits a portal to its agency's procedures."""

    client_id: str
    role: Role
    agency: str | None = None
    procedures: frozenset[str] = frozenset()

    @property
    def scopes(self) -> frozenset[Scope]:
        return ROLE_SCOPES[self.role]

    def require(self, scope: Scope) -> None:
        if scope not in self.scopes:
            raise PermissionDeniedError(
                f"Vai trò {self.role.value} không có quyền {scope.value}",
                f"role {self.role.value} lacks scope {scope.value}",
            )

    def require_procedure(self, procedure: str | None) -> None:
        """A portal may act only for its own agency's procedures; other roles are not limited."""
        if self.role is not Role.PORTAL:
            return
        if procedure is None or procedure not in self.procedures:
            raise PermissionDeniedError(
                "Thủ tục không thuộc cơ quan của cổng này; hãy ghi rõ mã thủ tục được phép",
                "procedure not among this portal's agency procedures; pass an allowed procedure code",
            )


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def jwt_key(settings: Settings) -> bytes:
    """The HS256 key: ``settings.jwt_secret``, else one generated once under ``var/api`` (mode 0600)."""
    if settings.jwt_secret is not None:
        value = settings.jwt_secret.get_secret_value()
        if len(value) < 32:
            raise ConfigurationError("SOHOA_JWT_SECRET quá ngắn (cần ≥ 32 ký tự)", "SOHOA_JWT_SECRET too short (need ≥ 32 chars)")
        return value.encode()
    path = settings.var_dir / "api" / "jwt.key"
    if not path.exists():
        write_private(path, secrets.token_bytes(32).hex())
    return path.read_text().strip().encode()


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read; it is never world-readable, even briefly."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def issue_token(principal: Principal, key: bytes, now: float | None = None) -> tuple[str, int]:
    """A signed access token for ``principal`` and its lifetime in seconds."""
    issued = int(now if now is not None else time.time())
    claims = {
        "iss": ISSUER,
        "sub": principal.client_id,
        "role": principal.role.value,
        "scope": " ".join(sorted(s.value for s in principal.scopes)),
        "iat": issued,
        "exp": issued + TOKEN_SECONDS,
    }
    return jwt.encode(claims, key, algorithm="HS256"), TOKEN_SECONDS


def token_subject(token: str, key: bytes) -> str:
    """The client id a valid token was issued to; AuthenticationError for anything else."""
    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], issuer=ISSUER, options={"require": ["exp", "sub"]})
    except jwt.PyJWTError as e:
        raise AuthenticationError("Mã truy cập không hợp lệ hoặc đã hết hạn", "invalid or expired access token") from e
    return str(claims["sub"])
