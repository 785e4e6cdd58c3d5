"""Run cards over one or many workspaces on an engine and build their result objects.

All workspaces go through the same SQL pass (``workspace_id`` is a column throughout); results
are then read back per workspace. A workspace whose data cannot support a card (an order with no
FX rate, say) gets its own error without stopping the others.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from bridgewatch.cards import CARDS, Card, card_steps, get_card
from bridgewatch.cards.steps import shared_steps
from bridgewatch.engine import Engine, get_engine
from bridgewatch.errors import BridgewatchError, InputError, Problem
from bridgewatch.model.tables import TABLES, table_name
from bridgewatch.report.result import Alert, Bucket, CardResult, CustomerRow, KeyTried
from bridgewatch.workspace import Workspace, config_tables, resolve_as_of


@dataclass
class Outcome:
    """Results of a pass over many workspaces, and the workspaces that failed (with why)."""

    results: list[CardResult] = field(default_factory=list)
    errors: dict[str, BridgewatchError] = field(default_factory=dict)


def compute(workspaces: Sequence[Workspace], *, engine: Engine | None = None, cards: Sequence[str] | None = None,
            as_of: datetime | None = None) -> list[CardResult]:
    """Compute cards for the workspaces; raise the first workspace error, if any."""
    outcome = compute_all(workspaces, engine=engine, cards=cards, as_of=as_of)
    if outcome.errors:
        raise next(iter(outcome.errors.values()))
    return outcome.results


def compute_all(workspaces: Sequence[Workspace], *, engine: Engine | None = None,
                cards: Sequence[str] | None = None, as_of: datetime | None = None) -> Outcome:
    """Compute every requested (or configured) card for every workspace in one SQL pass."""
    engine = engine or get_engine("duckdb")
    chosen = {ws.id: tuple(get_card(c).id for c in (cards or ws.config.cards)) for ws in workspaces}
    as_of_by_ws = {ws.id: resolve_as_of(ws.config, as_of) for ws in workspaces}
    register_workspaces(engine, workspaces, as_of_by_ws, chosen)
    engine.run(shared_steps())
    used = [CARDS[c] for c in CARDS if any(c in v for v in chosen.values())]
    for card in used:
        engine.run(card_steps(card))
    outcome = Outcome()
    outcome.errors.update(_fx_errors(engine, used))
    for card in used:
        for ws in workspaces:
            if card.id in chosen[ws.id] and ws.id not in outcome.errors:
                outcome.results.append(CardReader(engine, card, ws).result())
    return outcome


def register_workspaces(engine: Engine, workspaces: Sequence[Workspace], as_of: dict[str, datetime],
                        cards: Mapping[str, Sequence[str]]) -> None:
    """Register every workspace's canonical tables (stacked) and settings tables on the engine."""
    for table in TABLES:
        parts = [ws.tables[table.name] for ws in workspaces]
        engine.register(table_name(table.name), _stacked(parts))
    for name, data in config_tables([ws.config for ws in workspaces], as_of, cards).items():
        engine.register(name, data)


def _stacked(parts: Sequence[Any]) -> Any:
    """Arrow tables are concatenated; Parquet paths (staged canonical tables) go to the engine as a list to scan."""
    if all(isinstance(p, pa.Table) for p in parts):
        return pa.concat_tables(parts, promote_options="permissive")
    return list(parts)


def _fx_errors(engine: Engine, cards: Sequence[Card]) -> dict[str, BridgewatchError]:
    """Counted orders whose currency has no rate into reporting currency, per workspace."""
    errors: dict[str, list[Problem]] = defaultdict(list)
    for card in cards:
        rows = engine.fetch(f"""
            SELECT DISTINCT o.workspace_id, o.source_file, o.source_row, o.order_id, o.currency,
                   o.reporting_currency, CAST(o.created_at AS DATE) AS order_date
            FROM __bw__order_values o JOIN {card.table('gap')} g
              ON g.workspace_id = o.workspace_id AND g.platform = o.platform
             AND g.account_kind = o.account_kind AND g.account_id = o.account_id
            WHERE o.fx_rate IS NULL ORDER BY 1, 2, 3""")
        for r in rows:
            errors[r["workspace_id"]].append(Problem(
                r["source_file"], r["source_row"], "currency", r["currency"],
                f"order {r['order_id']}: no FX rate from {r['currency']} into {r['reporting_currency']} dated on or "
                f"before {r['order_date']}; add one to fx_rates"))
    return {ws: InputError(f"Workspace '{ws}': cannot value blocked orders in reporting currency.",
                           sorted(set(p), key=lambda x: (x.file, x.row or 0)))
            for ws, p in errors.items()}


class CardReader:
    """Reads one card's computed tables for one workspace into a :class:`CardResult`."""

    def __init__(self, engine: Engine, card: Card, workspace: Workspace) -> None:
        self.engine, self.card, self.ws = engine, card, workspace
        self.where = f"workspace_id = '{workspace.id.replace(chr(39), chr(39) * 2)}'"

    def result(self) -> CardResult:
        params = self.engine.fetch(f"SELECT * FROM bw_params WHERE {self.where}")[0]
        threshold = self.ws.config.threshold_for(self.card.id)
        customers = self._customers()
        return CardResult(
            card=self.card.id, title=self.card.title, workspace=self.ws.id, as_of=params["as_of"],
            window_start=params["window_start"], window_days=params["window_days"], count=len(customers),
            alert=Alert(threshold, len(customers) > threshold, self.card.sentiment),
            reporting_currency=params["reporting_currency"],
            blocked_value_reporting=sum((c.blocked_value_reporting or Decimal(0) for c in customers), Decimal(0)),
            by_cause=self._by_cause(), by_segment=self._group("segment", ("b2b", "dtc")),
            by_entity=self._group("COALESCE(expected_entity, 'ambiguous')"),
            by_rejection_reason=self._group("rejection_reason", where="cause = 'create_failed'"),
            dataverse_not_promoted=sum(c.in_dataverse for c in customers),
            awaiting_sync=sum(c.awaiting_sync for c in customers),
            customers=customers, scope=self._scope(), orders=self._orders(), ambiguous_matches=self._ambiguous(),
            ingest=tuple(self.ws.accounting.as_dicts()))

    def _ambiguous(self) -> int:
        rows = self.engine.fetch(f"SELECT count(*) AS n FROM {self.card.table('presence')} "
                                 f"WHERE {self.where} AND present AND (match_ambiguous OR record_shared)")
        return int(rows[0]["n"])

    def _by_cause(self) -> tuple[Bucket, ...]:
        rows = self.engine.fetch(f"SELECT * FROM {self.card.table('by_cause')} WHERE {self.where} ORDER BY ord")
        return tuple(Bucket(r["cause"], r["customers"], r["active_orders"],
                            Decimal(r["blocked_value_reporting"]), r["label"]) for r in rows)

    def _group(self, expr: str, always: Sequence[str] = (), where: str = "TRUE") -> tuple[Bucket, ...]:
        rows = self.engine.fetch(f"""
            SELECT {expr} AS k, count(*) AS customers, sum(active_orders) AS active_orders,
                   sum(blocked_value_reporting) AS value
            FROM {self.card.table('gap')} WHERE {self.where} AND {where}
            GROUP BY {expr} ORDER BY customers DESC, k""")
        found = {r["k"]: Bucket(r["k"], r["customers"], r["active_orders"], Decimal(r["value"] or 0)) for r in rows}
        zero = {k: Bucket(k, 0, 0, Decimal(0)) for k in always if k not in found}
        ordered = [found.get(k) or zero[k] for k in always] + [b for k, b in found.items() if k not in always]
        return tuple(ordered)

    def _scope(self) -> dict[str, int]:
        rows = self.engine.fetch(f"""
            SELECT CASE WHEN pop.scope_reason IS NOT NULL THEN pop.scope_reason
                        WHEN pr.present THEN concat('present in master (matched on ', pr.matched_key, ')')
                        ELSE 'counted: absent from master' END AS k, count(*) AS n
            FROM {self.card.table('population')} pop
            LEFT JOIN {self.card.table('presence')} pr ON pr.workspace_id = pop.workspace_id
                 AND pr.platform = pop.platform AND pr.account_kind = pop.account_kind
                 AND pr.account_id = pop.account_id
            WHERE pop.{self.where} GROUP BY 1 ORDER BY 1""")
        return {r["k"]: r["n"] for r in rows}

    def _orders(self) -> dict[str, int]:
        rows = self.engine.fetch(f"""
            SELECT COALESCE(excluded_reason, 'active in window') AS k, count(*) AS n
            FROM __bw__orders WHERE {self.where} GROUP BY 1 ORDER BY 1""")
        return {r["k"]: r["n"] for r in rows}

    def _keys(self) -> dict[tuple[str, str, str], list[KeyTried]]:
        rows = self.engine.stream(f"""
            SELECT k.platform, k.account_kind, k.account_id, k.key_type, k.priority, k.key_values, k.result,
                   k.erp_records FROM {self.card.table('keys_tried')} k
            JOIN {self.card.table('gap')} g ON g.workspace_id = k.workspace_id AND g.platform = k.platform
                 AND g.account_kind = k.account_kind AND g.account_id = k.account_id
            WHERE k.{self.where} ORDER BY k.platform, k.account_kind, k.account_id, k.priority""")
        out: dict[tuple[str, str, str], list[KeyTried]] = defaultdict(list)
        for r in rows:
            values = tuple(sorted(r["key_values"].split(", "))) if r["key_values"] else ()
            out[(r["platform"], r["account_kind"], r["account_id"])].append(
                KeyTried(r["key_type"], r["priority"], values, r["result"], r["erp_records"]))
        return out

    def _customers(self) -> tuple[CustomerRow, ...]:
        keys = self._keys()
        rows = self.engine.stream(f"SELECT * FROM {self.card.table('gap')} WHERE {self.where} ORDER BY rank")
        return tuple(_customer_row(r, tuple(keys.get((r["platform"], r["account_kind"], r["account_id"]), ())))
                     for r in rows)


def _customer_row(r: dict[str, Any], keys: tuple[KeyTried, ...]) -> CustomerRow:
    company = r["account_kind"] == "company"
    return CustomerRow(
        rank=r["rank"], customer_id=(r["last_buyer"] or r["account_id"]) if company else r["account_id"],
        company_id=r["account_id"] if company else None, account_kind=r["account_kind"], name=r["name"],
        platform=r["platform"], segment=r["segment"], cause=r["cause"], rejection_reason=r["rejection_reason"],
        matched_key=r["matched_key"], keys_tried=keys, expected_entity=r["expected_entity"],
        entity_ambiguous=bool(r["entity_ambiguous"]), entity_candidates=r["entity_candidates"],
        entity_basis=r["entity_basis"], exists_in_other_entity=bool(r["exists_in_other_entity"]),
        other_entity_records=r["other_entity_records"], awaiting_sync=bool(r["awaiting_sync"]),
        in_dataverse=bool(r["in_staging"]), active_orders=r["active_orders"],
        blocked_value=_dec(r["blocked_value"]) if r["n_currencies"] == 1 else None, currency=r["currency"],
        blocked_value_reporting=_dec(r["blocked_value_reporting"]), vat_number=r["vat_number"],
        vat_treatment=r["vat_treatment"], next_action=r["next_action"], join_status=join_status(keys),
        created_at=r["created_at"], first_order_at=r["first_order_at"], last_attempt_at=r["last_attempt_at"],
        sync_attempts=r["attempts"])


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(Decimal("0.01"))


def join_status(keys: Sequence[KeyTried]) -> str:
    """One line saying what the field-map join found, key by key, in precedence order."""
    parts = []
    for k in keys:
        if k.result == "not usable":
            parts.append(f"{k.key}: only {k.erp_records}")
        else:
            parts.append(f"{k.key}: {k.result}")
    return "; ".join(parts) if parts else "no keys configured"
