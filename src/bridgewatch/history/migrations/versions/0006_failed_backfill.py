"""Runs say whether they were a backfill (asked for an as-of older than the newest live run stored), so a failed
backfill is told apart from a failed live run: only the latter makes the live alerts blind.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("backfill", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("runs", "backfill")
