"""The alert tables, on the run store's ``metadata`` (migration ``0002`` creates exactly these).

* ``alert_states``: one row per alert (dedup key: workspace, card, entity, rule): its state as of the
  latest evaluation, since when, and the card run it was read from.
* ``notifications``: the notification log. One row per message meant for one receiver: what it said
  (the message as JSON, and the count, causes and rejection-reason templates it reported, which the
  next evaluation compares against), and where it is: ``pending`` (waiting for delivery, quiet hours
  or a receiver that was down), ``delivered``, ``held`` (for a daily digest), ``digested`` (sent inside
  digest ``digest_id``), ``suppressed`` (a silence was active: recorded, never sent), ``cancelled``
  (its receiver was removed from the configuration) or ``failed`` (refused ``refusals`` times: never
  tried again; ``last_error`` says why).
* ``delivery_attempts``: every attempt to deliver a notification: when, how long, the outcome, the HTTP
  status or SMTP code, and the error text (secrets removed).
* ``silences``: muted alerts of a workspace (a card, optionally one entity) for a time, with the reason.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from bridgewatch.history.schema import metadata

alert_states = Table(
    "alert_states", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace_id", Text, nullable=False),
    Column("dedup_key", Text, nullable=False, unique=True),
    Column("card", String(100), nullable=False),
    Column("entity", Text),
    Column("rule", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("since", DateTime, nullable=False),
    Column("count", Integer),
    Column("threshold", Integer, nullable=False),
    Column("card_run_id", Integer),
    Column("run_id", String(64)),
    Column("reason", Text),
    Column("evaluated_at", DateTime, nullable=False),
    Index("ix_alert_states_workspace", "workspace_id", "card"),
)

silences = Table(
    "silences", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace_id", Text, nullable=False),
    Column("card", String(100), nullable=False),
    Column("entity", Text),
    Column("starts_at", DateTime, nullable=False),
    Column("ends_at", DateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("ended_at", DateTime),
    Index("ix_silences_workspace", "workspace_id", "ends_at"),
)

notifications = Table(
    "notifications", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace_id", Text, nullable=False),
    Column("dedup_key", Text, nullable=False),
    Column("receiver", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("event", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("count", Integer),
    Column("causes", Text, nullable=False),
    Column("templates", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("run_id", String(64)),
    Column("state", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("not_before", DateTime, nullable=False),
    Column("claimed_until", DateTime),
    Column("attempts", Integer, nullable=False),
    Column("delivered_at", DateTime),
    Column("last_error", Text),
    Column("silence_id", Integer),
    Column("digest_id", Integer),
    Index("ix_notifications_log", "workspace_id", "dedup_key", "receiver", "id"),
    Index("ix_notifications_state", "workspace_id", "state", "not_before"),
)

delivery_attempts = Table(
    "delivery_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notification_id", Integer, ForeignKey("notifications.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", Text, nullable=False),
    Column("receiver", String(100), nullable=False),
    Column("dedup_key", Text, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("duration_ms", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Index("ix_attempts_notification", "notification_id"),
)
