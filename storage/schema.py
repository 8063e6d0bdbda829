"""The catalog's tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Times are stored as naive UTC and handed back timezone-aware (``UtcDateTime``),
so both databases round-trip them identically. The schema is created and
upgraded only by the Alembic migrations in ``storage/migrations``; this module
describes it for queries.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Date, DateTime, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime stored without zone (identical on every backend)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the catalog; use UTC-aware datetimes")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return value.replace(tzinfo=timezone.utc) if value is not None else None


metadata = MetaData()

documents = Table(
    "documents",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("doc_type", String(40), nullable=False),
    Column("owner_id", String(32)),
    Column("owner_name", Text),
    Column("dossier_code", String(64)),
    Column("procedure_code", String(64)),
    Column("agency", Text),
    Column("issue_date", Date),
    Column("valid_until", Date),
    Column("status", String(16), nullable=False),
    Column("fields", JSON, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("extraction_sha256", String(64), nullable=False),
    Column("pdf_key", Text, nullable=False),
    Column("pdf_version", String(64)),
    Column("manifest_key", Text, nullable=False),
    Column("original_key", Text),
    Column("original_sha256", String(64)),
    Column("signer", Text),
    Column("signed_at", UtcDateTime),
    Column("superseded_by", String(64)),
    Column("revoked_reason", Text),
    Column("timestamped_at", UtcDateTime),  # newest timestamp in the PDF (NULL: not surveyed; signed_at stands in)
    Column("tsa_not_after", UtcDateTime),  # expiry of the TSA certificate of that timestamp
    Index("ix_documents_portal", "owner_id", "doc_type", "status", "valid_until"),
    Index("ix_documents_tsa_expiry", "status", "tsa_not_after"),
    Index("ix_documents_original", "original_sha256", unique=True),
    Index("ix_documents_procedure", "procedure_code"),
)

audit_entries = Table(
    "audit_entries",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("role", String(40), nullable=False),
    Column("action", String(40), nullable=False),
    Column("document_id", String(64)),
    Column("purpose", Text),
    Column("detail", Text),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_document", "document_id"),
)

audit_checkpoint_claim = Table(  # one row (id 1): when a process last took its turn to checkpoint (migration 0005)
    "audit_checkpoint_claim",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("claimed_at", UtcDateTime, nullable=False),
)
