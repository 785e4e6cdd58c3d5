"""Runs, card runs, absence episodes and their versions.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String(64), nullable=False, unique=True),
        sa.Column("workspace_id", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("engine", sa.String(32)),
        sa.Column("version", sa.String(32)),
        sa.Column("config_fingerprint", sa.String(64)),
        sa.Column("input_fingerprint", sa.String(64)),
        sa.Column("inputs", sa.Text),
        sa.Column("ingest", sa.Text),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_runs_workspace", "runs", ["workspace_id", "id"])
    op.create_table(
        "card_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_pk", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("workspace_id", sa.Text, nullable=False),
        sa.Column("card", sa.String(100), nullable=False),
        sa.Column("as_of", sa.DateTime, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("alert_state", sa.String(16), nullable=False),
        sa.Column("freshness", sa.String(16), nullable=False),
        sa.Column("blocked_cents", sa.BigInteger, nullable=False),
        sa.Column("new", sa.Integer, nullable=False),
        sa.Column("cleared", sa.Integer, nullable=False),
        sa.Column("returned", sa.Integer, nullable=False),
        sa.Column("still_absent", sa.Integer, nullable=False),
        sa.Column("previous_id", sa.Integer),
        sa.Column("summary", sa.Text, nullable=False),
    )
    op.create_index("ix_card_runs_card", "card_runs", ["workspace_id", "card", "id"])
    op.create_index("ix_card_runs_run", "card_runs", ["run_pk"])
    op.create_table(
        "episodes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workspace_id", sa.Text, nullable=False),
        sa.Column("card", sa.String(100), nullable=False),
        sa.Column("platform", sa.String(32), nullable=False),
        sa.Column("account_kind", sa.String(16), nullable=False),
        sa.Column("account_id", sa.Text, nullable=False),
        sa.Column("first_card_run", sa.Integer, sa.ForeignKey("card_runs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("cleared_card_run", sa.Integer, sa.ForeignKey("card_runs.id", ondelete="SET NULL")),
        sa.Column("returned", sa.Boolean, nullable=False),
    )
    op.create_index("ix_episodes_open", "episodes", ["workspace_id", "card", "cleared_card_run"])
    op.create_index("ix_episodes_account", "episodes",
                    ["workspace_id", "card", "platform", "account_kind", "account_id"])
    op.create_table(
        "episode_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("episode_id", sa.Integer, sa.ForeignKey("episodes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("workspace_id", sa.Text, nullable=False),
        sa.Column("card", sa.String(100), nullable=False),
        sa.Column("valid_from", sa.Integer, nullable=False),
        sa.Column("valid_to", sa.Integer),
        sa.Column("facts_hash", sa.String(64), nullable=False),
        sa.Column("blocked_cents", sa.BigInteger, nullable=False),
        sa.Column("cause", sa.String(64), nullable=False),
        sa.Column("segment", sa.String(16), nullable=False),
        sa.Column("expected_entity", sa.Text),
        sa.Column("active_orders", sa.Integer, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("customer_id", sa.Text),
        sa.Column("company_id", sa.Text),
        sa.Column("row", sa.Text, nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
    )
    op.create_index("ix_versions_card", "episode_versions", ["workspace_id", "card", "valid_from"])
    op.create_index("ix_versions_episode", "episode_versions", ["episode_id"])


def downgrade() -> None:
    for table in ("episode_versions", "episodes", "card_runs", "runs"):
        op.drop_table(table)
