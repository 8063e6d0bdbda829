"""One row recording when a process last took its turn to sign an audit checkpoint.

Every API worker checkpoints the chain head when its flushes cross a boundary,
at most once per spacing. Each checkpoint covers the whole chain, so N workers
signing within the same moment make N-1 redundant signatures, and each costs a
timestamp from the TSA, two object-store writes and a burst of CPU that delays
the requests being served around it (measured at 1,000 req/s on 2 cores: two
workers signing together left 10-130 portal queries over 15 ms each time).
``AuditLog.claim_checkpoint`` turns the spacing into one for the whole
deployment: a conditional UPDATE of this row, which the database serialises, so
one process wins each turn.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from storage.schema import UtcDateTime

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    claim = op.create_table(
        "audit_checkpoint_claim",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("claimed_at", UtcDateTime, nullable=False),
    )
    op.bulk_insert(claim, [{"id": 1, "claimed_at": datetime(1970, 1, 1, tzinfo=timezone.utc)}])


def downgrade() -> None:
    op.drop_table("audit_checkpoint_claim")
