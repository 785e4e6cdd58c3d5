"""A card's summary, computed by the engine: every count, sum and breakdown is an SQL aggregate.

:func:`read_summary` reads one card for one workspace from the tables the card computed; no
worklist row passes through Python. :func:`read_freshness` says how current the inputs are, so a
stale or empty input can never read as an all-clear.

Both read through a :class:`PassReader`: each query is asked once for every workspace of the pass (grouped by
workspace, in SQL) and its rows handed out per workspace, so a batch of many small workspaces costs a dozen
queries, not a dozen per workspace and card (each one planned, and on Spark a job of its own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from bridgewatch.cards import Card
from bridgewatch.cards.causes import CREATE_FAILED
from bridgewatch.config import AS_OF_TOLERANCE
from bridgewatch.engine import Engine
from bridgewatch.matching.reasons import reason_template_sql
from bridgewatch.model.money import text
from bridgewatch.report.result import Alert, Bucket, CardSummary, Freshness, iso
from bridgewatch.sql import literal
from bridgewatch.workspace import Workspace

Row = dict[str, Any]


class PassReader:
    """The rows of summary queries over the tables of one pass, each query run once for all its workspaces.

    A query (:meth:`rows`) selects the workspace id as its first column, named ``__ws``, and orders by it first;
    its rows are kept per workspace, in the query's order. Valid while the pass's tables are (a later pass
    replaces them): :func:`bridgewatch.results.compute` makes one per pass.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read: dict[str, dict[str, list[Row]]] = {}

    def rows(self, sql: str, workspace_id: str) -> list[Row]:
        """The rows of ``sql`` (see the class) that are ``workspace_id``'s, without ``__ws``."""
        if sql not in self._read:
            by_ws: dict[str, list[Row]] = {}
            for row in self.engine.fetch(sql):
                by_ws.setdefault(row.pop("__ws"), []).append(row)
            self._read[sql] = by_ws
        return self._read[sql].get(workspace_id, [])

    def one(self, sql: str, workspace_id: str, default: Row) -> Row:
        """The one row of a query grouped by workspace; ``default`` for a workspace it has none for (an aggregate
        over no rows: a count of 0)."""
        found = self.rows(sql, workspace_id)
        return found[0] if found else default


NO_TOTALS: Row = {"n": 0, "active_orders": 0, "value": 0, "in_staging": 0, "awaiting": 0}
"""The totals of a card that counts no customer in a workspace."""


def read_summary(engine: Engine | PassReader, card: Card, ws: Workspace, freshness: Freshness) -> CardSummary:
    """Read the summary of ``card`` for workspace ``ws`` (its tables must be computed on the engine; given the pass's
    :class:`PassReader`, each query serves every workspace of the pass)."""
    read = engine if isinstance(engine, PassReader) else PassReader(engine)
    params = read.rows("SELECT workspace_id AS __ws, * FROM bw_params ORDER BY workspace_id", ws.id)[0]
    gap = card.table("gap")
    totals = read.one(f"""
        SELECT workspace_id AS __ws, count(*) AS n, COALESCE(sum(active_orders), 0) AS active_orders,
               COALESCE(sum(blocked_value_reporting), 0) AS value,
               count(*) FILTER (WHERE in_staging) AS in_staging, count(*) FILTER (WHERE awaiting_sync) AS awaiting
        FROM {gap} GROUP BY workspace_id ORDER BY workspace_id""", ws.id, NO_TOTALS)
    threshold = ws.config.threshold_for(card.id)
    count = int(totals["n"])
    cur = params["reporting_currency"]
    return CardSummary(
        card=card.id, title=card.title, workspace=ws.id, as_of=params["as_of"], window_start=params["window_start"],
        window_days=params["window_days"], count=count, active_orders=int(totals["active_orders"]),
        alert=_alert(count, threshold, card.sentiment, freshness), reporting_currency=params["reporting_currency"],
        blocked_value_reporting=_amount(totals["value"], cur),
        by_cause=_by_cause(read, card, ws.id, cur),
        by_segment=_group(read, gap, ws.id, cur, "segment", ("b2b", "dtc")),
        by_entity=_group(read, gap, ws.id, cur, "COALESCE(expected_entity, 'ambiguous')"),
        by_rejection_reason=_reasons(read, gap, ws.id, cur),
        dataverse_not_promoted=int(totals["in_staging"]), awaiting_sync=int(totals["awaiting"]),
        freshness=freshness, ambiguous_matches=_ambiguous(read, card, ws.id), scope=_scope(read, card, ws.id),
        orders=_orders(read, ws.id), ingest=tuple(ws.accounting.as_dicts()),
        ingest_warnings=tuple(ws.accounting.warnings_record()), fx_warnings=old_rates(read, card, ws))


def old_rates(read: PassReader, card: Card, ws: Workspace) -> tuple[dict[str, Any], ...]:
    """The blocked orders of the card's customers converted at an old rate (the card's ``old_rates`` step), per
    currency pair and rate date."""
    days = ws.config.workspace.fx_max_age_days
    rows = read.rows(f"SELECT workspace_id AS __ws, * FROM {card.table('old_rates')} "
                     f"ORDER BY workspace_id, currency, rate_date", ws.id)
    return tuple({"currency": r["currency"], "reporting_currency": r["reporting_currency"],
                  "rate_date": r["rate_date"].isoformat(), "orders": int(r["orders"]),
                  "customers": int(r["customers"]), "first_order_date": r["first_day"].isoformat(),
                  "last_order_date": r["last_day"].isoformat(), "age_days": (r["last_day"] - r["rate_date"]).days,
                  "max_age_days": days} for r in rows)


def _alert(count: int, threshold: int, sentiment: str, freshness: Freshness) -> Alert:
    fired = count > threshold
    state = "unknown" if freshness.status != "fresh" else ("firing" if fired else "quiet")
    return Alert(threshold, fired, sentiment, state)


def _by_cause(read: PassReader, card: Card, ws: str, currency: str) -> tuple[Bucket, ...]:
    rows = read.rows(f"SELECT workspace_id AS __ws, * FROM {card.table('by_cause')} ORDER BY workspace_id, ord", ws)
    consequence = {c.id: c.consequence for c in card.causes}
    return tuple(Bucket(r["cause"], r["customers"], r["active_orders"],
                        _amount(r["blocked_value_reporting"], currency), r["label"],
                        consequence=consequence[r["cause"]] or None) for r in rows)


def _group(read: PassReader, gap: str, ws: str, currency: str, expr: str,
           always: Sequence[str] = ()) -> tuple[Bucket, ...]:
    rows = read.rows(f"""
        SELECT workspace_id AS __ws, {expr} AS k, count(*) AS customers, sum(active_orders) AS active_orders,
               sum(blocked_value_reporting) AS value
        FROM {gap} GROUP BY workspace_id, {expr} ORDER BY workspace_id, customers DESC, k""", ws)
    found = {r["k"]: Bucket(r["k"], r["customers"], r["active_orders"], _amount(r["value"], currency)) for r in rows}
    zero = {k: Bucket(k, 0, 0, _amount(0, currency)) for k in always if k not in found}
    return tuple([found.get(k) or zero[k] for k in always] + [b for k, b in found.items() if k not in always])


def _reasons(read: PassReader, gap: str, ws: str, currency: str) -> tuple[Bucket, ...]:
    template = reason_template_sql("rejection_reason")
    rows = read.rows(f"""
        SELECT workspace_id AS __ws, {template} AS k, count(*) AS customers, sum(active_orders) AS active_orders,
               sum(blocked_value_reporting) AS value, min(rejection_reason) AS first_example,
               max(rejection_reason) AS last_example
        FROM {gap} WHERE cause = {literal(CREATE_FAILED)}
        GROUP BY workspace_id, {template} ORDER BY workspace_id, customers DESC, k""", ws)
    return tuple(Bucket(r["k"], r["customers"], r["active_orders"], _amount(r["value"], currency),
                        examples=tuple(dict.fromkeys(e for e in (r["first_example"], r["last_example"]) if e)))
                 for r in rows)


def _ambiguous(read: PassReader, card: Card, ws: str) -> int:
    row = read.one(f"SELECT workspace_id AS __ws, count(*) AS n FROM {card.table('presence')} "
                   "WHERE present AND (match_ambiguous OR record_shared) GROUP BY workspace_id ORDER BY workspace_id",
                   ws, {"n": 0})
    return int(row["n"])


def _scope(read: PassReader, card: Card, ws: str) -> dict[str, int]:
    rows = read.rows(f"SELECT workspace_id AS __ws, scope, accounts FROM {card.table('scope')} "
                     "ORDER BY workspace_id, scope", ws)
    return {r["scope"]: int(r["accounts"]) for r in rows}


def _orders(read: PassReader, ws: str) -> dict[str, int]:
    """Every order of the workspace by why it does not count (``active in window`` when it does)."""
    rows = read.rows("SELECT workspace_id AS __ws, reason, orders FROM __bw__order_accounting "
                     "ORDER BY workspace_id, reason", ws)
    return {r["reason"]: int(r["orders"]) for r in rows}


def _amount(value: Any, currency: str) -> Decimal:
    """A sum of amounts in reporting currency with that currency's decimals (each amount is already rounded to its
    minor unit; a three-decimal currency keeps its third decimal)."""
    return Decimal(text(value or 0, currency))


# -- freshness ----------------------------------------------------------------------------------------

def read_freshness(engine: Engine | PassReader, ws: Workspace,
                   pull_problems: Callable[[Workspace, datetime], Sequence[str]] | None = None) -> Freshness:
    """How current the workspace's inputs are at its as-of time (newest order, ERP record, sync event).

    ``no_data`` when no order at all falls in the window; ``stale`` when the newest order is older
    than ``max_age_hours`` before the as-of time, a source could not be refreshed
    or was last refreshed too long before the as-of time (``pull_problems``, given the workspace and its
    as-of time), or a reader found an export incomplete (a page missing: the count could
    be too low as well as too high, so its alert is not to be believed); otherwise ``fresh``.
    """
    read = engine if isinstance(engine, PassReader) else PassReader(engine)
    row = read.rows("SELECT workspace_id AS __ws, * FROM __bw__input_freshness ORDER BY workspace_id", ws.id)[0]
    max_age = ws.config.workspace.max_age_hours
    erp = max((t for t in (row["erp_created"], row["erp_modified"]) if t is not None), default=None)
    incomplete = [w.as_reason() for w in ws.accounting.warnings]
    pulled = list(pull_problems(ws, row["as_of"])) if pull_problems else []
    per_platform = ws.config.workspace.platform_max_age_hours
    lagging = _stale_platforms(read, ws, row["as_of"], per_platform) if per_platform else []
    reasons = (_staleness(row, max_age) or lagging) + _from_the_future(row) + pulled + incomplete
    status = "no_data" if not row["in_window"] else ("stale" if reasons else "fresh")
    return Freshness(status, row["newest_order_at"], erp, row["newest_sync_event_at"], max_age, tuple(reasons))


def _stale_platforms(read: PassReader, ws: Workspace, as_of: datetime, max_age: int) -> list[str]:
    """A platform whose newest order is more than ``max_age`` hours (``platform_max_age_hours``) before the as-of time
    while the workspace's newest is not: that storefront's export is older than the others, so its recent customers
    are missing."""
    limit = as_of - timedelta(hours=max_age)
    rows = read.rows("SELECT workspace_id AS __ws, platform, newest_order_at FROM __bw__platform_freshness "
                     "ORDER BY workspace_id, platform", ws.id)
    return [f"the newest {r['platform']} order ({iso(r['newest_order_at'])}) is "
            f"{int((as_of - r['newest_order_at']).total_seconds() // 3600)} hours before the as-of time "
            f"({iso(as_of)}), more than platform_max_age_hours = {max_age}, while other platforms have newer "
            f"orders: its export looks out of date and its recent customers would be missing (refresh it; remove it "
            f"if that store no longer trades, or raise platform_max_age_hours if it is this quiet)" for r in rows
            if r["newest_order_at"] is not None and r["newest_order_at"] < limit]


def _from_the_future(row: dict[str, Any]) -> list[str]:
    """An order stamped later than now (by more than 5 minutes): no export can hold one, so the inputs' times are
    misread (naive times read in the wrong zone, usually): the window's edges are off by as much, and the count with
    them."""
    latest = row["latest_order_at"]
    now = datetime.now(UTC).replace(tzinfo=None)
    if latest is None or latest <= now + AS_OF_TOLERANCE:
        return []
    # the clock's reading is left out: the reason is part of the stored summary, the same on every engine
    return [f"an order is stamped {iso(latest)}, later than the clock when the run was made: the orders' "
            f"times are misread (a timestamp without an offset read in the wrong zone: set the source's timezone "
            f"option, or workspace.timezone), so the window's edges are off as well"]


def _staleness(row: dict[str, Any], max_age: int) -> list[str]:
    as_of: datetime = row["as_of"]
    newest = row["newest_order_at"]
    if not row["in_window"]:
        return [f"no order falls in the window {iso(row['window_start'])} → {iso(as_of)}: the inputs hold nothing "
                f"to count (check the export covers this period, or pass --as-of)"]
    if newest < as_of - timedelta(hours=max_age):
        hours = int((as_of - newest).total_seconds() // 3600)
        return [f"the newest order ({iso(newest)}) is {hours} hours before the as-of time ({iso(as_of)}), more than "
                f"max_age_hours = {max_age}: the exports look out of date (refresh them, or pass the --as-of they "
                f"describe)"]
    return []
