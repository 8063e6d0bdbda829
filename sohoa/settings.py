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
from pydantic_settings import BaseSettings, SettingsConfigDict

from sohoa.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SignerBackend(StrEnum):
    PKCS12 = "pkcs12"
    PKCS11 = "pkcs11"


class Settings(BaseSettings):
    """sohoa's settings. Unknown ``SOHOA_*`` keys are rejected."""

    model_config = SettingsConfigDict(env_prefix="SOHOA_", extra="forbid", frozen=True)

    # --- where things live ------------------------------------------------------------
    var_dir: Path = Field(PROJECT_ROOT / "var", description="Working data: local MinIO, SQLite, PKI, caches")
    bin_dir: Path = Field(PROJECT_ROOT / "bin", description="Project-local binaries (minio, mc)")

    # --- object store (S3 API; local MinIO when s3_endpoint is empty) --------------------
    s3_endpoint: str | None = Field(None, description="host:port of an S3 store with object lock; empty = start local MinIO")
    s3_access_key: str = "sohoa-admin"
    s3_secret_key: SecretStr = SecretStr("sohoa-dev-secret-key")
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    local_minio_port: int = 9900
    bucket_documents: str = "sohoa-documents"
    bucket_originals: str = "sohoa-originals"
    bucket_quarantine: str = "sohoa-quarantine"
    bucket_audit: str = "sohoa-audit"
    retention_days_signed: int = Field(3650, description="COMPLIANCE retention of signed documents")
    retention_days_draft: int = Field(90, description="GOVERNANCE retention of drafts awaiting review")
    presign_seconds: int = 300

    # --- catalog ----------------------------------------------------------------------
    database_url: str | None = Field(None, description="SQLAlchemy URL; empty = SQLite under var/")

    # --- flows ------------------------------------------------------------------------
    prefect_api_url: str | None = Field(None, description="Prefect server; empty = ephemeral API")
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1, description="OCR processes")

    # --- OCR and input limits -----------------------------------------------------------
    ocr_languages: str = "vie"
    max_file_bytes: int = 200 * 1024 * 1024
    max_page_pixels: int = 120_000_000
    max_pages: int = 500
    tesseract_timeout: float = 180.0

    # --- extraction -------------------------------------------------------------------
    auto_approve_min_confidence: float = 0.90

    # --- signing ----------------------------------------------------------------------
    signer_backend: SignerBackend = SignerBackend.PKCS12
    signer_pkcs12: Path | None = Field(None, description="PKCS#12 file; empty = development PKI signer")
    signer_pkcs12_password: SecretStr = SecretStr("")
    signer_pkcs11_module: Path | None = None
    signer_pkcs11_token: str | None = None
    signer_pkcs11_key_label: str | None = None
    signer_pkcs11_pin: SecretStr = SecretStr("")
    tsa_url: str | None = Field(None, description="RFC 3161 TSA; empty = development PKI TSA")
    trust_roots: tuple[Path, ...] = Field((), description="PEM/DER trust anchors; empty = development root")
    signature_level: str = Field("B-LT", pattern="^B-(T|LT|LTA)$")
    signature_visible: bool = Field(False, description="Visible stamp (signer, time; Vietnamese) on page 1; default invisible")
    dev_pki_port: int = 9901

    # --- API --------------------------------------------------------------------------
    api_host: str = "127.0.0.1"
    api_port: int = 8080
    api_max_upload_bytes: int = 200 * 1024 * 1024
    api_rate_limit_per_minute: int = 6000
    api_cors_origins: tuple[str, ...] = ()
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
