"""The run store's tables (SQLAlchemy Core). Migrations in ``migrations/`` create exactly these.

Storage grows with changes, not with runs × customers:

* ``runs``: one row per ``bridgewatch run`` / batch workspace (fingerprints, ingest accounting and
  the readers' warnings, status; a failed run also whether it was a backfill, asked for an as-of older than
  the newest live run stored).
* ``card_runs``: one row per card of a run (as-of, count, alert state, the summary as JSON; whether it was a
  backfill, and whether its as-of was ahead of the clock).
* ``episodes``: one row per absence of one account on one card: the card run that first counted it and
  the one that found it cleared (NULL while it is still absent).
* ``episode_versions``: the facts shown for an absent account (its worklist row and evidence, as
  JSON), valid from one card run until a later one; a new version is written only when a fact
  changes. A past run's worklist is the versions valid at that run.

Blocked values (``blocked_e4``, on card runs and versions) are whole ten-thousandths of the reporting currency
(:data:`bridgewatch.model.money.STORED_PLACES`): exact for every currency, so sums, rankings and what is shown
agree with the run's own JSON.

An unchanged rerun therefore writes one ``runs`` row and its ``card_runs`` rows, nothing per customer.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
)

metadata = MetaData()

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", String(64), nullable=False, unique=True),
    Column("workspace_id", Text, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("status", String(16), nullable=False),
    Column("engine", String(32)),
    Column("version", String(32)),
    Column("config_fingerprint", String(64)),
    Column("input_fingerprint", String(64)),
    Column("inputs", Text),
    Column("ingest", Text),
    Column("ingest_warnings", Text),
    Column("error", Text),
    Column("backfill", Boolean, nullable=False, server_default=false()),
    Index("ix_runs_workspace", "workspace_id", "id"),
)

card_runs = Table(
    "card_runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_pk", Integer, ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", Text, nullable=False),
    Column("card", String(100), nullable=False),
    Column("as_of", DateTime, nullable=False),
    Column("count", Integer, nullable=False),
    Column("alert_state", String(16), nullable=False),
    Column("freshness", String(16), nullable=False),
    Column("blocked_e4", BigInteger, nullable=False),
    Column("new", Integer, nullable=False),
    Column("cleared", Integer, nullable=False),
    Column("returned", Integer, nullable=False),
    Column("still_absent", Integer, nullable=False),
    Column("previous_id", Integer),
    Column("summary", Text, nullable=False),
    Column("backfill", Boolean, nullable=False, server_default=false()),
    Column("ahead", Boolean, nullable=False, server_default=false()),
    Index("ix_card_runs_card", "workspace_id", "card", "id"),
    Index("ix_card_runs_run", "run_pk"),
    Index("ix_card_runs_as_of", "workspace_id", "card", "as_of"),
)

episodes = Table(
    "episodes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace_id", Text, nullable=False),
    Column("card", String(100), nullable=False),
    Column("platform", String(32), nullable=False),
    Column("account_kind", String(16), nullable=False),
    Column("account_id", Text, nullable=False),
    Column("first_card_run", Integer, ForeignKey("card_runs.id", ondelete="CASCADE"), nullable=False),
    Column("cleared_card_run", Integer, ForeignKey("card_runs.id", ondelete="SET NULL")),
    Column("returned", Boolean, nullable=False),
    Index("ix_episodes_open", "workspace_id", "card", "cleared_card_run"),
    Index("ix_episodes_account", "workspace_id", "card", "platform", "account_kind", "account_id"),
)

episode_versions = Table(
    "episode_versions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("episode_id", Integer, ForeignKey("episodes.id", ondelete="CASCADE"), nullable=False),
    Column("workspace_id", Text, nullable=False),
    Column("card", String(100), nullable=False),
    Column("valid_from", Integer, nullable=False),
    Column("valid_to", Integer),
    Column("facts_hash", String(64), nullable=False),
    Column("blocked_e4", BigInteger, nullable=False),
    Column("cause", String(64), nullable=False),
    Column("segment", String(16), nullable=False),
    Column("expected_entity", Text),
    Column("active_orders", Integer, nullable=False),
    Column("name", Text),
    Column("customer_id", Text),
    Column("company_id", Text),
    Column("row", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Index("ix_versions_card", "workspace_id", "card", "valid_from"),
    Index("ix_versions_episode", "episode_id"),
)
