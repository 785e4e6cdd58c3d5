"""Sync history: the sync-log events that concern an account, and what they say (attempts, latest outcome).

Both are written for any set of accounts: the shared views ``account_events`` and
``account_sync`` cover every active account (read one account at a time by ``explain``), and a
card's gap step reads the same SQL over only the accounts it counts.
"""

from __future__ import annotations

from bridgewatch.cards.account_key import ACTIVE
from bridgewatch.engine.base import Step

_ORDER = """occurred_at DESC,
                         CASE outcome WHEN 'failed' THEN 0 WHEN 'pending' THEN 1
                                      WHEN 'succeeded' THEN 2 ELSE 3 END,
                         event_id DESC NULLS LAST, source_file DESC, source_row DESC"""
"""Which attempt is an account's latest: newest first; at the same time a failure, then pending, then success; then
the greatest event id; then, for events without ids (or with equal ones), the last written: the greatest row of
its log file (a log is appended to), files by name. Spelt out to the last column, so no tie is left to an engine's
row order (DuckDB and Spark break one differently)."""


def events_sql(accounts: str) -> str:
    """Sync-log events before the as-of time about an account of ``accounts`` (its id or a member's)."""
    return f"""
        WITH a AS (SELECT workspace_id, platform, account_kind, account_id, acct FROM {accounts} AS a),
        refs AS (
            SELECT workspace_id, platform, account_kind, account_id, acct, account_id AS ref FROM a
            UNION
            SELECT m.workspace_id, m.platform, m.account_kind, m.account_id, m.acct, m.customer_id
            FROM __bw__account_members m WHERE m.acct IN (SELECT acct FROM a)
        )
        SELECT DISTINCT r.workspace_id, r.platform, r.account_kind, r.account_id, r.acct,
               s.source, s.event_id, s.customer_ref, s.occurred_at, s.operation, s.outcome, s.rejection_reason,
               s.legal_entity, s.erp_account, s.source_file, s.source_row,
               s.operation IN ('create', 'promote', 'other') AS is_attempt
        FROM bw_sync_events s
        JOIN bw_params p ON p.workspace_id = s.workspace_id
        JOIN refs r ON r.workspace_id = s.workspace_id AND r.ref = s.customer_ref
                   AND (s.platform IS NULL OR s.platform = r.platform)
        WHERE s.occurred_at < p.as_of"""


def sync_sql(accounts: str, entities: str | None = None) -> str:
    """Per account of ``accounts``: its create attempts, the latest one, and the last successful sync run.

    ``sync_running``: the last successful sync run is at most ``max_age_hours`` before the as-of time. A sync
    log whose last success is older (the sync stopped, or its export is as old) says nothing of a lag: a
    customer created since is not one the next run will clear.

    ``entities`` (a relation of ``acct`` and ``entities``, a list): the entities each account is counted against; an
    attempt that targeted another entity is not about its absence (the create that made its record in UK01 says
    nothing of IE01, where it is missing), so only attempts naming no entity or one of these are read. NULL
    ``entities``: every attempt.
    """
    scoped = ""
    if entities:
        scoped = (f" AND (e.legal_entity IS NULL OR NOT EXISTS (SELECT 1 FROM {entities} ce WHERE ce.acct = e.acct "
                  f"AND ce.entities IS NOT NULL AND NOT list_contains(ce.entities, e.legal_entity)))")
    return f"""
        WITH ranked AS (
            SELECT e.*, row_number() OVER (PARTITION BY acct ORDER BY {_ORDER}) AS rn,
                   count(*) OVER (PARTITION BY acct) AS attempts,
                   sum(CASE WHEN outcome = 'failed' THEN 1 ELSE 0 END) OVER (PARTITION BY acct) AS failed_attempts
            FROM ({events_sql(accounts)}) AS e WHERE is_attempt{scoped}
        ), runs AS (
            SELECT s.workspace_id, max(s.occurred_at) AS last_success_run,
                   max(CASE WHEN s.occurred_at >= p.sync_recent_from THEN 1 ELSE 0 END) = 1 AS sync_running
            FROM bw_sync_events s JOIN bw_params p ON p.workspace_id = s.workspace_id
            WHERE s.outcome = 'succeeded' AND s.occurred_at < p.as_of
            GROUP BY s.workspace_id
        )
        SELECT a.workspace_id, a.platform, a.account_kind, a.account_id,
               COALESCE(l.attempts, 0) AS attempts, COALESCE(l.failed_attempts, 0) AS failed_attempts,
               l.occurred_at AS last_attempt_at, l.outcome AS last_outcome,
               NULLIF(trim(l.rejection_reason), '') AS last_reason, l.source AS last_source,
               r.last_success_run, COALESCE(r.sync_running, FALSE) AS sync_running, a.acct
        FROM {accounts} AS a
        LEFT JOIN ranked l ON l.acct = a.acct AND l.rn = 1
        LEFT JOIN runs r ON r.workspace_id = a.workspace_id"""


def account_events() -> Step:
    """Sync-log events that concern an active account (by company id or any member customer id)."""
    return Step("account_events", events_sql(ACTIVE), view=True)


def account_sync() -> Step:
    """Per active account: its latest create attempt and the workspace's last successful sync run."""
    return Step("account_sync", sync_sql(ACTIVE), view=True)
