"""Evidence on demand: per-account queries over the tables a card computed, never a recomputation.

The same queries serve one customer (``bridgewatch explain --recompute``) and every counted
customer of a run (the run store keeps their evidence): they take a relation of accounts and
return, per account, the keys tried with their normalised values and where each came from, the
ERP records those keys hit, the orders (counted or excluded with the reason), the entity rules
that fired, the sync events read and the Dataverse matches. Each section is one ordered query;
the sections are merged account by account as they stream, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from bridgewatch.cards import Card
from bridgewatch.cards.card_sql import NOT_BLOCKED
from bridgewatch.cards.steps import ACCOUNT
from bridgewatch.engine import Engine
from bridgewatch.errors import LookupFailed, did_you_mean
from bridgewatch.model.tables import RATE_SCALE
from bridgewatch.report.explanation import Explanation, jsonable
from bridgewatch.results.worklist import Worklist, worklist_row
from bridgewatch.sql import equals, literal

STREAM_BATCH = 2_000
"""Rows fetched at a time by each of the evidence streams. Building evidence for many accounts (the run store's
save) reads the facts, every section and the worklist rows side by side, each holding one batch of dicts in Python:
their sum is the save's memory, whatever the worklist's size, so the batch is kept small."""
ORDER = ", ".join(f"x.{c}" for c in ACCOUNT)
KEY = tuple(ACCOUNT[1:])
"""An account within one workspace: (platform, account_kind, account_id)."""


@dataclass(frozen=True)
class Section:
    """One part of the evidence: which columns of which relation, in which order."""

    name: str
    columns: tuple[str, ...]
    relation: str
    order: str

    def _from(self, card: Card, accounts: str) -> str:
        join = " AND ".join(f"acc.{c} = x.{c}" for c in ACCOUNT)
        return f"FROM {self.relation.format(card=card.id)} x JOIN {accounts} acc ON {join}"

    def sql(self, card: Card, accounts: str) -> str:
        return f"SELECT {ORDER}, {', '.join(self.columns)} {self._from(card, accounts)} ORDER BY {ORDER}, {self.order}"

    def digest_sql(self, card: Card, accounts: str) -> str:
        """Per account, one hash of every row of this section (equal evidence gives an equal hash): the same hash on
        every engine, so a workspace that moves to another engine gets no new evidence versions (:func:`text_sql`)."""
        text = ", ".join(f"COALESCE({text_sql(c.split(' AS ')[0])}, '~')" for c in self.columns)
        return (f"SELECT {ORDER}, {literal(self.name)} AS section, "
                f"md5(string_agg(concat_ws('|', {text}), ';' ORDER BY concat_ws('|', {text}))) AS digest "
                f"{self._from(card, accounts)} GROUP BY {ORDER}")


FINE_DECIMALS = {"x.fx_rate": RATE_SCALE}
"""The evidence columns that are decimals of more than 6 places, with their scale: an FX rate (``DECIMAL(19,12)``)."""


def text_sql(column: str) -> str:
    """``column`` as text the same on every engine (what an evidence digest hashes).

    ``CAST(... AS VARCHAR)`` is, except for a decimal of more than 6 places below 0.000001: DuckDB writes every
    place (``0.000000010000``), Spark (not in ANSI mode) Java's scientific form (``1.0000E-8``). Such a value is
    written as DuckDB writes it, on both: its places as a whole number, zero-padded, after ``0.``. DuckDB's text is
    kept as it was, so digests already in a run store do not change.
    """
    scale = FINE_DECIMALS.get(column)
    if scale is None:
        return f"CAST({column} AS VARCHAR)"
    places = f"CAST(CAST(abs({column}) * {10 ** scale} AS DECIMAL(38,0)) AS VARCHAR)"
    small = f"concat(CASE WHEN {column} < 0 THEN '-' ELSE '' END, '0.', lpad({places}, {scale}, '0'))"
    return f"(CASE WHEN abs({column}) < 0.000001 THEN {small} ELSE CAST({column} AS VARCHAR) END)"


ORDERS_VALUED = ("(SELECT o.*, v.fx_rate, v.fx_rate_date, v.value_reporting, v.reporting_currency, "
                 "s.acct IS NOT NULL AS not_blocked FROM __bw__orders o "
                 "LEFT JOIN __bw__order_values v ON v.acct = o.acct AND v.platform = o.platform "
                 "AND v.order_id = o.order_id "
                 "LEFT JOIN __bw__{card}_settled_orders s ON s.acct = o.acct AND s.order_id = o.order_id)")
"""Every order of an account; a counted one with the FX rate into reporting currency, the date of that rate and
its value in reporting currency (so the blocked value in reporting currency can be checked by hand). A counted order
of a customer absent from some of the entities its orders post to, that posts only where the customer is present,
says so: it is left out of the customer's active orders and blocked value."""

SECTIONS = (
    Section("keys", ("x.key_type", "x.key_value", "x.key_source", "x.n_sources"), "__bw__account_keys",
            "x.key_type, x.key_value"),
    Section("erp_matches", ("x.key_type", "x.key_value", "x.priority", "x.system", "x.legal_entity",
                            "x.customer_account", "x.erp_name", "x.status", "x.is_live", "x.is_holding",
                            "x.entity_fits"),
            "__bw__{card}_matches", "x.priority, x.legal_entity, x.customer_account, x.key_value"),
    Section("orders", ("x.order_id", "x.created_at", "x.status", "x.currency", "x.total", "x.fx_rate",
                       "x.fx_rate_date", "x.value_reporting", "x.reporting_currency", "x.ship_to_country",
                       f"CASE WHEN x.not_blocked THEN {literal(NOT_BLOCKED)} "
                       f"ELSE COALESCE(x.excluded_reason, 'counted') END AS counted", "x.source_file", "x.source_row"),
            ORDERS_VALUED, "x.created_at, x.order_id"),
    Section("entity_rules", ("x.kind", "x.value", "x.entity", "x.rank"), "__bw__entity_hits",
            "x.rank, x.entity, x.value"),
    Section("sync_events", ("x.occurred_at", "x.source", "x.event_id", "x.customer_ref", "x.operation", "x.outcome",
                            "x.rejection_reason", "x.source_file", "x.source_row"),
            "__bw__account_events", "x.occurred_at, x.event_id NULLS LAST, x.source_file, x.source_row"),
)
STAGING = Section("staging", ("x.in_staging", "x.staging_merged", "x.staging_records"), "__bw__{card}_staging",
                  "x.staging_records")


def evidence_digests(engine: Engine, card: Card, accounts: str) -> Iterator[dict[str, Any]]:
    """Per account of ``accounts`` (in account order), a hash over all its evidence sections.

    The run store compares it between runs, so a customer whose evidence changed gets a new
    version even when no worklist column moved.
    """
    union = " UNION ALL ".join(s.digest_sql(card, accounts) for s in _sections(card))
    cols = ", ".join(f"p.{c}" for c in KEY)
    return engine.stream(f"SELECT {cols}, md5(string_agg(concat(p.section, ':', p.digest), ',' ORDER BY "
                         f"p.section)) AS digest FROM ({union}) p GROUP BY {cols} ORDER BY {cols}", STREAM_BATCH)


FACTS = """
    SELECT {order}, x.name, x.scope_reason, x.merged_into, x.created_at,
           pr.present, pr.matched_key, pr.matched_record, pr.match_ambiguous, pr.retired_match,
           sy.last_outcome, sy.last_attempt_at, sy.last_source, sy.failed_attempts, sy.last_success_run,
           sy.sync_running, g.workspace_id IS NOT NULL AS counted, g.cause, g.rejection_reason, {staging}
    FROM __bw__{card}_population x
    JOIN {accounts} acc ON {join}
    LEFT JOIN __bw__{card}_presence pr ON {pr}
    LEFT JOIN __bw__{card}_absent_sync sy ON {sy}
    LEFT JOIN __bw__{card}_gap g ON {g}
    {staging_join}
    ORDER BY {order}"""


def explain_accounts(engine: Engine, card: Card, accounts: str, *,
                     worklist: Worklist | None = None) -> Iterator[Explanation]:
    """The evidence of every account in ``accounts`` (a relation of ACCOUNT columns), in account order.

    ``worklist`` supplies the counted customers' worklist rows (``customer`` in each explanation).
    """
    facts = engine.stream(_facts_sql(card, accounts), STREAM_BATCH)
    sections = {s.name: _Peek(engine.stream(s.sql(card, accounts), STREAM_BATCH)) for s in _sections(card)}
    rows = _Peek(_worklist_rows(worklist, accounts)) if worklist else None
    for fact in facts:
        key = tuple(fact[c] for c in KEY)
        parts = {name: [_strip(r) for r in peek.take(key)] for name, peek in sections.items()}
        customer = next(iter(rows.take(key)), None) if rows else None
        yield _explanation(card, fact, parts, customer)


def find_accounts(engine: Engine, workspace_id: str, customer_id: str) -> str:
    """A relation of the accounts ``customer_id`` names (an account id, or a member customer's id).

    Raises:
        LookupFailed: no such id in the workspace (with the closest known one).
    """
    where = (f"{equals('a.workspace_id', workspace_id)} AND ({equals('a.account_id', customer_id)} "
             f"OR {equals('m.customer_id', customer_id)})")
    relation = (f"(SELECT DISTINCT a.workspace_id, a.platform, a.account_kind, a.account_id FROM __bw__accounts a "
                f"LEFT JOIN __bw__account_members m ON m.workspace_id = a.workspace_id AND m.platform = a.platform "
                f"AND m.account_kind = a.account_kind AND m.account_id = a.account_id WHERE {where})")
    if engine.fetch(f"SELECT count(*) AS n FROM {relation} r")[0]["n"]:
        return relation
    known = [r["account_id"] for r in engine.fetch(
        f"SELECT DISTINCT account_id FROM __bw__accounts WHERE {equals('workspace_id', workspace_id)} LIMIT 100000")]
    hint = str(did_you_mean("customer", customer_id, known)).split(" Known:")[0]
    raise LookupFailed(f"{hint.removesuffix('.')} (no customer, company or account with this id in workspace "
                       f"'{workspace_id}').")


def _sections(card: Card) -> tuple[Section, ...]:
    return (*SECTIONS, STAGING) if card.uses_staging else SECTIONS


def _facts_sql(card: Card, accounts: str) -> str:
    def join(alias: str) -> str:
        return " AND ".join(f"{alias}.{c} = x.{c}" for c in ACCOUNT)

    staging = ("st.staging_records, st.staging_merged" if card.uses_staging
               else "CAST(NULL AS VARCHAR) AS staging_records, CAST(NULL AS BOOLEAN) AS staging_merged")
    staging_join = f"LEFT JOIN __bw__{card.id}_staging st ON {join('st')}" if card.uses_staging else ""
    return FACTS.format(order=ORDER, card=card.id, accounts=accounts, join=join("acc"), pr=join("pr"),
                        sy=join("sy"), g=join("g"), staging=staging, staging_join=staging_join)


def _worklist_rows(worklist: Worklist, accounts: str) -> Iterator[dict[str, Any]]:
    """The worklist rows of ``accounts``, in account order (not rank order)."""
    inside = " AND ".join(f"acc.{c} = g.{c}" for c in ACCOUNT)
    sql = worklist.rows_sql(f"EXISTS (SELECT 1 FROM {accounts} acc WHERE {inside})",
                            order="g.platform, g.account_kind, g.account_id")
    stream = worklist.engine.stream(sql, STREAM_BATCH)
    for _, group in groupby(stream, key=lambda r: (r["platform"], r["account_kind"], r["account_id"])):
        parts = list(group)
        yield {"__key__": (parts[0]["platform"], parts[0]["account_kind"], parts[0]["account_id"]),
               **worklist_row(parts)}


def _strip(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in jsonable(row).items() if k not in ACCOUNT}


def _explanation(card: Card, fact: dict[str, Any], parts: dict[str, list[dict[str, Any]]],
                 customer: dict[str, Any] | None) -> Explanation:
    if customer is not None:
        customer = {k: v for k, v in customer.items() if k != "__key__"}
    verdict, reason, cause = _verdict(card, fact)
    return Explanation(
        card=card.id, workspace=fact["workspace_id"], platform=fact["platform"], account_kind=fact["account_kind"],
        account_id=fact["account_id"], name=fact["name"], verdict=verdict, reason=reason,
        cause=cause.id if cause else None, cause_label=cause.label if cause else None,
        cause_definition=cause.definition if cause else None, customer=customer, keys=parts["keys"],
        erp_matches=parts["erp_matches"], orders=parts["orders"], entity_rules=parts["entity_rules"],
        sync_events=parts["sync_events"], staging=parts.get("staging", []))


def _verdict(card: Card, f: dict[str, Any]) -> tuple[str, str, Any]:
    if f["scope_reason"]:
        return "out of scope", f["scope_reason"], None
    if f["present"]:
        ambiguous = " (several records match: ambiguous)" if f["match_ambiguous"] else ""
        return "present", f"found in the master on key '{f['matched_key']}' as {f['matched_record']}{ambiguous}", None
    cause = next(c for c in card.causes if c.id == f["cause"])
    return "counted", cause.explain(jsonable(_derived(f))), cause


def _derived(f: dict[str, Any]) -> dict[str, Any]:
    """The facts a cause's sentence may use, with the two it derives (see ``cards.causes``)."""
    created, last_run = f["created_at"], f["last_success_run"]
    return {**f, "sync_in_flight": f["last_outcome"] in ("pending", "succeeded"),
            "created_after_last_run": bool(created and last_run and created > last_run and f["sync_running"])}


class _Peek:
    """A sorted stream of rows keyed by account, from which one account's rows are taken at a time."""

    def __init__(self, rows: Iterator[dict[str, Any]]) -> None:
        self.rows, self.head = rows, next(rows, None)

    def take(self, key: tuple[Any, ...]) -> list[dict[str, Any]]:
        while self.head is not None and self._key(self.head) < key:  # rows of an account not asked about
            self.head = next(self.rows, None)
        out = []
        while self.head is not None and self._key(self.head) == key:
            out.append(self.head)
            self.head = next(self.rows, None)
        return out

    @staticmethod
    def _key(row: dict[str, Any]) -> tuple[Any, ...]:
        return row["__key__"] if "__key__" in row else tuple(row[c] for c in KEY)
