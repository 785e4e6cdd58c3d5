"""Card runs say whether their as-of was ahead of the clock (stored while the host clock ran ahead, or asked for a
future as-of): such a run is never the latest, and a run after it is not a backfill for being older than it.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("card_runs", sa.Column("ahead", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("card_runs", "ahead")
