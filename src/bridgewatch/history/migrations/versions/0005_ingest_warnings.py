"""Runs keep the warnings their readers recorded beside the ingest accounting (an export the reader can tell is
incomplete, e.g. every page read says another follows).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runs", sa.Column("ingest_warnings", sa.Text))


def downgrade() -> None:
    op.drop_column("runs", "ingest_warnings")
