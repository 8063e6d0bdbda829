"""All configuration in one object, built once at the edge and passed down.

Every setting can be given as an environment variable ``SOHOA_<NAME>`` (see the
README table). With nothing set, sohoa runs on embedded defaults: a local MinIO
server started on demand with data under ``var/``, a SQLite catalog under
``var/``, Prefect's ephemeral API and the development PKI under ``var/pki``.
Steps never read ``os.environ``; they receive this object.
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

from sohoa.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity (taskset, a container's cpuset), not the machine's count."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else os.cpu_count() or 1


class SignerBackend(StrEnum):
    PKCS12 = "pkcs12"
    PKCS11 = "pkcs11"


class Settings(BaseSettings):
    """sohoa's settings. Unknown ``SOHOA_*`` keys are rejected."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_", extra="forbid", frozen=True)

    # --- where things live ------------------------------------------------------------
    var_dir: Path = Field(PROJECT_ROOT / "var", description="Working data: local MinIO, SQLite, PKI, caches")
    bin_dir: Path = Field(PROJECT_ROOT / "bin", description="Project-local binaries (minio, mc)")
    log_level: str = Field("info", pattern="^(debug|info)$", description="debug = libraries' own logs too (Alembic, httpx, pyHanko, Prefect)")

    # --- object store (S3 API; local MinIO when s3_endpoint is empty) --------------------
    s3_endpoint: str | None = Field(None, description="host:port of an S3 store with object lock; empty = start local MinIO")
    s3_access_key: str = Field("sohoa-admin", description="S3 access key (local MinIO root user)")
    s3_secret_key: SecretStr = Field(SecretStr("sohoa-dev-secret-key"), description="S3 secret key")
    s3_secure: bool = Field(False, description="Use HTTPS to the S3 store")
    s3_region: str = Field("us-east-1", description="S3 region name")
    local_minio_port: int = Field(9900, description="Loopback port of the embedded MinIO")
    bucket_documents: str = Field("sohoa-documents", description="Signed documents, manifests, drafts")
    bucket_originals: str = Field("sohoa-originals", description="Originals as uploaded, by SHA-256")
    bucket_quarantine: str = Field("sohoa-quarantine", description="Rejected inputs with their reason")
    bucket_audit: str = Field("sohoa-audit", description="Signed audit-chain checkpoints")
    retention_days_signed: int = Field(3650, description="COMPLIANCE retention of signed documents")
    retention_days_draft: int = Field(90, description="GOVERNANCE retention of drafts awaiting review")
    presign_seconds: int = Field(300, description="Lifetime of presigned GET URLs for portals")

    # --- catalog ----------------------------------------------------------------------
    database_url: str | None = Field(None, description="SQLAlchemy URL; empty = SQLite under var/")

    # --- flows ------------------------------------------------------------------------
    prefect_api_url: str | None = Field(None, description="Prefect server; empty = ephemeral API")
    workers: int = Field(default_factory=usable_cores, description="OCR processes")
    retimestamp_after_days: int = Field(730, description="Re-timestamp a document whose newest timestamp is older (days)")
    retimestamp_tsa_margin_days: int = Field(180, description="Re-timestamp when the newest timestamp's TSA certificate expires within (days)")

    # --- OCR and input limits -----------------------------------------------------------
    ocr_languages: str = Field("vie", description="Tesseract languages")
    max_file_bytes: int = Field(200 * 1024 * 1024, description="Largest accepted input file")
    max_page_pixels: int = Field(120_000_000, description="Largest page in pixels (decompression bombs)")
    max_pages: int = Field(500, description="Most pages in one input file")
    tesseract_timeout: float = Field(180.0, description="Seconds allowed per Tesseract page")

    # --- extraction -------------------------------------------------------------------
    auto_approve_min_confidence: float = Field(0.90, description="Least confidence of an unverified field for auto-approval")

    # --- signing ----------------------------------------------------------------------
    signer_backend: SignerBackend = Field(SignerBackend.PKCS12, description="pkcs12 or pkcs11")
    signer_pkcs12: Path | None = Field(None, description="PKCS#12 file; empty = development PKI signer")
    signer_pkcs12_password: SecretStr = Field(SecretStr(""), description="Password of the PKCS#12 file")
    signer_pkcs11_module: Path | None = Field(None, description="PKCS#11 module (.so) of the token/HSM")
    signer_pkcs11_token: str | None = Field(None, description="PKCS#11 token label")
    signer_pkcs11_key_label: str | None = Field(None, description="Label of the signing key on the token")
    signer_pkcs11_pin: SecretStr = Field(SecretStr(""), description="User PIN of the token")
    tsa_url: str | None = Field(None, description="RFC 3161 TSA; empty = development PKI TSA")
    trust_roots: tuple[Path, ...] = Field((), description="PEM/DER trust anchors; empty = development root")
    signature_level: str = Field("B-LT", pattern="^B-(T|LT|LTA)$", description="PAdES baseline level")
    signature_visible: bool = Field(False, description="Visible stamp (signer, time; Vietnamese) on page 1; default invisible")
    dev_pki_port: int = Field(9901, description="Loopback port of the development PKI (TSA, OCSP, CRL)")

    # --- API --------------------------------------------------------------------------
    api_host: str = Field("127.0.0.1", description="Address `sohoa serve` binds")
    api_port: int = Field(8080, description="Port `sohoa serve` binds")
    api_max_upload_bytes: int = Field(200 * 1024 * 1024, description="Largest request body")
    api_rate_limit_per_minute: int = Field(6000, description="Requests per minute per client")
    api_cors_origins: tuple[str, ...] = Field((), description="Allowed CORS origins; empty = CORS closed")
    jwt_secret: SecretStr | None = Field(None, description="HS256 key for client-credential tokens; empty = generated under var/")

    @cached_property
    def catalog_url(self) -> str:
        """The catalog's SQLAlchemy URL, SQLite under ``var/`` by default."""
        return self.database_url or f"sqlite:///{self.var_dir / 'catalog.sqlite3'}"

    @cached_property
    def tesseract_env(self) -> dict[str, str]:
        """Environment for Tesseract children: one thread each, we parallelise by process."""
        return {**os.environ, "OMP_THREAD_LIMIT": "1"}


def load_settings(**overrides: object) -> Settings:
    """Build the settings from the environment, with explicit overrides (tests, CLI options).

    An unknown ``SOHOA_*`` variable is an error rather than silently ignored: a
    misspelt setting in production must not fall back to a development default.
    """
    known = {f"SOHOA_{name.upper()}" for name in Settings.model_fields}
    unknown = sorted(k for k in os.environ if k.upper().startswith("SOHOA_") and k.upper() not in known)
    if unknown:
        raise ConfigurationError(
            f"Biến cấu hình không hợp lệ: {', '.join(unknown)}",
            f"unknown settings: {', '.join(unknown)}",
        )
    return Settings(**overrides)  # type: ignore[arg-type]


def settings_table() -> str:
    """The README's settings table, rendered from the fields above so the two cannot drift apart.

    Defaults are shown as a reader would type them; secrets and host-dependent
    values (paths under the project, the core count) are described, not printed.
    """
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        lines.append(f"| `SOHOA_{name.upper()}` | `{_shown_default(field)}` | {field.description} |")
    return "\n".join(lines)


def _shown_default(field: FieldInfo) -> str:
    if field.default_factory is not None:
        return "(cores this process may use)"
    value = field.default
    if isinstance(value, SecretStr):
        return "(development value)" if value.get_secret_value() else "(empty)"
    if value is None or value == ():
        return "(empty)"
    if isinstance(value, Path):
        return str(value.relative_to(PROJECT_ROOT))
    return str(value.value if isinstance(value, StrEnum) else value)
