"""When each document's newest timestamp was made and when its TSA certificate expires.

The re-timestamp flow selects documents by these two columns (NULL: the
document was never surveyed or re-timestamped; its signing time stands in for
the first). An index on ``status`` + ``tsa_not_after`` serves the "TSA
certificate expires soon" half of that query.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.schema import UtcDateTime

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("timestamped_at", UtcDateTime))
        batch.add_column(sa.Column("tsa_not_after", UtcDateTime))
    op.create_index("ix_documents_tsa_expiry", "documents", ["status", "tsa_not_after"])

