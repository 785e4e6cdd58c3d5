"""Alerts: alert states, silences, the notification log and every delivery attempt.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_states",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workspace_id", sa.Text, nullable=False),
        sa.Column("dedup_key", sa.Text, nullable=False, unique=True),
        sa.Column("card", sa.String(100), nullable=False),
        sa.Column("entity", sa.Text),
        sa.Column("rule", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("since", sa.DateTime, nullable=False),
        sa.Column("count", sa.Integer),
        sa.Column("threshold", sa.Integer, nullable=False),
        sa.Column("card_run_id", sa.Integer),
        sa.Column("run_id", sa.String(64)),
        sa.Column("reason", sa.Text),
        sa.Column("evaluated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_alert_states_workspace", "alert_states", ["workspace_id", "card"])
    op.create_table(
        "silences",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workspace_id", sa.Text, nullable=False),
        sa.Column("card", sa.String(100), nullable=False),
        sa.Column("entity", sa.Text),
        sa.Column("starts_at", sa.DateTime, nullable=False),
        sa.Column("ends_at", sa.DateTime, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("ended_at", sa.DateTime),
    )
    op.create_index("ix_silences_workspace", "silences", ["workspace_id", "ends_at"])
    _notifications()
    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("notification_id", sa.Integer, sa.ForeignKey("notifications.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("workspace_id", sa.Text, nullable=False),
        sa.Column("receiver", sa.String(100), nullable=False),
        sa.Column("dedup_key", sa.Text, nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_attempts_notification", "delivery_attempts", ["notification_id"])


def _notifications() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workspace_id", sa.Text, nullable=False),
        sa.Column("dedup_key", sa.Text, nullable=False),
        sa.Column("receiver", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("count", sa.Integer),
        sa.Column("causes", sa.Text, nullable=False),
        sa.Column("templates", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("idempotency_key", sa.String(64), nullable=False, unique=True),
        sa.Column("run_id", sa.String(64)),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("not_before", sa.DateTime, nullable=False),
        sa.Column("claimed_until", sa.DateTime),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("delivered_at", sa.DateTime),
        sa.Column("last_error", sa.Text),
        sa.Column("silence_id", sa.Integer),
        sa.Column("digest_id", sa.Integer),
    )
    op.create_index("ix_notifications_log", "notifications", ["workspace_id", "dedup_key", "receiver", "id"])
    op.create_index("ix_notifications_state", "notifications", ["workspace_id", "state", "not_before"])


def downgrade() -> None:
    for table in ("delivery_attempts", "notifications", "silences", "alert_states"):
        op.drop_table(table)
