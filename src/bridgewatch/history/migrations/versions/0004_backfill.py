"""Card runs say whether they were a backfill (an as-of older than a run already stored, moving no episode),
and are indexed by as-of (the latest run is the newest as-of).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("card_runs", sa.Column("backfill", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_index("ix_card_runs_as_of", "card_runs", ["workspace_id", "card", "as_of"])


def downgrade() -> None:
    op.drop_index("ix_card_runs_as_of", table_name="card_runs")
    op.drop_column("card_runs", "backfill")
