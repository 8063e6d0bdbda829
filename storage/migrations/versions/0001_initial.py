"""Documents and the hash-chained audit log.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.schema import UtcDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("doc_type", sa.String(40), nullable=False),
        sa.Column("owner_id", sa.String(32)),
        sa.Column("owner_name", sa.Text),
        sa.Column("dossier_code", sa.String(64)),
        sa.Column("procedure_code", sa.String(64)),
        sa.Column("agency", sa.Text),
        sa.Column("issue_date", sa.Date),
        sa.Column("valid_until", sa.Date),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("extraction_sha256", sa.String(64), nullable=False),
        sa.Column("pdf_key", sa.Text, nullable=False),
        sa.Column("pdf_version", sa.String(64)),
        sa.Column("manifest_key", sa.Text, nullable=False),
        sa.Column("original_key", sa.Text),
        sa.Column("original_sha256", sa.String(64)),
        sa.Column("signer", sa.Text),
        sa.Column("signed_at", UtcDateTime),
        sa.Column("superseded_by", sa.String(64)),
        sa.Column("revoked_reason", sa.Text),
    )
    op.create_index("ix_documents_portal", "documents", ["owner_id", "doc_type", "status", "valid_until"])
    op.create_index("ix_documents_original", "documents", ["original_sha256"], unique=True)
    op.create_index("ix_documents_procedure", "documents", ["procedure_code"])
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("document_id", sa.String(64)),
        sa.Column("purpose", sa.Text),
        sa.Column("detail", sa.Text),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_audit_document", "audit_entries", ["document_id"])
