"""Why is this customer counted (or not)? The evidence behind one account, card by card.

Everything shown is read from the tables the card computed: the keys tried with their normalised
values and where each came from, the ERP records they hit, the orders (counted or excluded, with
the reason), the entity rules that fired, the sync events read, and the cause with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bridgewatch.cards import CARDS, Card
from bridgewatch.cards.compute import compute_all
from bridgewatch.engine import Engine, get_engine
from bridgewatch.errors import LookupFailed, did_you_mean
from bridgewatch.report.result import CardResult, CustomerRow
from bridgewatch.workspace import Workspace


@dataclass
class Explanation:
    """The evidence for one account on one card."""

    card: str
    workspace: str
    platform: str
    account_kind: str
    account_id: str
    name: str | None
    verdict: str
    """``counted``, ``present`` or ``out of scope``."""
    reason: str
    customer: CustomerRow | None = None
    keys: list[dict[str, Any]] = field(default_factory=list)
    erp_matches: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    entity_rules: list[dict[str, Any]] = field(default_factory=list)
    sync_events: list[dict[str, Any]] = field(default_factory=list)
    staging: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        out = asdict(self)
        out["customer"] = None
        return dict(_jsonable(out))


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if hasattr(value, "as_tuple"):  # Decimal
        return f"{value:.2f}"
    return value


def explain(workspace: Workspace, customer_id: str, *, card: str | None = None, engine: Engine | None = None,
            as_of: datetime | None = None) -> list[Explanation]:
    """Explain ``customer_id`` (a customer, company or account id) on every configured card."""
    engine = engine or get_engine("duckdb")
    outcome = compute_all([workspace], engine=engine, cards=[card] if card else None, as_of=as_of)
    if outcome.errors:
        raise next(iter(outcome.errors.values()))
    accounts = _find_accounts(engine, workspace.id, customer_id)
    return [_explain_one(engine, CARDS[r.card], r, acct) for r in outcome.results for acct in accounts]


def _find_accounts(engine: Engine, ws: str, customer_id: str) -> list[dict[str, Any]]:
    lit = customer_id.replace("'", "''")
    rows = engine.fetch(f"""
        SELECT DISTINCT a.platform, a.account_kind, a.account_id, a.name FROM __bw__accounts a
        LEFT JOIN __bw__account_members m ON m.workspace_id = a.workspace_id AND m.platform = a.platform
             AND m.account_kind = a.account_kind AND m.account_id = a.account_id
        WHERE a.workspace_id = '{ws}' AND (a.account_id = '{lit}' OR m.customer_id = '{lit}')
        ORDER BY 1, 2, 3""")
    if rows:
        return rows
    known = [r["account_id"] for r in engine.fetch(
        f"SELECT DISTINCT account_id FROM __bw__accounts WHERE workspace_id = '{ws}' LIMIT 100000")]
    raise LookupFailed(str(did_you_mean("customer", customer_id, known)).split(" Known:")[0]
                       + f" (no customer, company or account with this id in workspace '{ws}').")


def _explain_one(engine: Engine, card: Card, result: CardResult, acct: dict[str, Any]) -> Explanation:
    where = (f"workspace_id = '{result.workspace}' AND platform = '{acct['platform']}' AND account_kind = "
             f"'{acct['account_kind']}' AND account_id = '{acct['account_id'].replace(chr(39), chr(39) * 2)}'")
    pop = engine.fetch(f"SELECT * FROM {card.table('population')} WHERE {where}")[0]
    customer = next((c for c in result.customers if c.platform == acct["platform"]
                     and (c.company_id or c.customer_id) == acct["account_id"]), None)
    verdict, reason = _verdict(engine, card, where, pop, customer)
    return Explanation(
        card=card.id, workspace=result.workspace, platform=acct["platform"], account_kind=acct["account_kind"],
        account_id=acct["account_id"], name=acct["name"], verdict=verdict, reason=reason, customer=customer,
        keys=engine.fetch(f"SELECT key_type, key_value, key_source, n_sources FROM __bw__account_keys "
                          f"WHERE {where} ORDER BY key_type, key_value"),
        erp_matches=engine.fetch(f"SELECT key_type, key_value, priority, system, legal_entity, customer_account, "
                                 f"erp_name, status, is_live, is_holding, entity_fits FROM {card.table('matches')} "
                                 f"WHERE {where} ORDER BY priority, legal_entity, customer_account"),
        orders=engine.fetch(f"SELECT order_id, created_at, status, currency, total, ship_to_country, "
                            f"COALESCE(excluded_reason, 'counted') AS counted, source_file, source_row "
                            f"FROM __bw__orders WHERE {where} ORDER BY created_at, order_id"),
        entity_rules=engine.fetch(f"SELECT kind, value, entity, rank FROM __bw__entity_hits WHERE {where} "
                                  f"ORDER BY rank, entity"),
        sync_events=engine.fetch(f"SELECT occurred_at, source, event_id, customer_ref, operation, outcome, "
                                 f"rejection_reason, source_file, source_row FROM __bw__account_events "
                                 f"WHERE {where} ORDER BY occurred_at, event_id"),
        staging=engine.fetch(f"SELECT * FROM {card.table('staging')} WHERE {where}") if card.uses_staging else [],
    )


def _verdict(engine: Engine, card: Card, where: str, pop: dict[str, Any],
             customer: CustomerRow | None) -> tuple[str, str]:
    if pop["scope_reason"]:
        return "out of scope", pop["scope_reason"]
    if customer is None:
        pr = engine.fetch(f"SELECT * FROM {card.table('presence')} WHERE {where}")[0]
        return "present", f"found in the master on key '{pr['matched_key']}' as {pr['matched_record']}" + (
            " (several records match: ambiguous)" if pr["match_ambiguous"] else "")
    sync = engine.fetch(f"SELECT * FROM __bw__account_sync WHERE {where}")[0]
    return "counted", cause_reason(customer, sync, pop)


def cause_reason(c: CustomerRow, sync: dict[str, Any], pop: dict[str, Any]) -> str:
    """A sentence saying why the customer has its cause, from the facts the SQL used."""
    last_run = sync["last_success_run"]
    if c.cause == "merged_retired":
        if pop.get("merged_into"):
            return f"merged on the storefront into {pop['merged_into']}; its orders still reference the old account"
        return "the only master records it matches are inactive, merged or retired"
    if c.cause == "dataverse_not_promoted":
        return "a matching Dataverse record exists but no customer in the expected entity's master"
    if c.cause == "create_failed":
        return (f"last create attempt ({sync['last_attempt_at']}, {sync['last_source']}) was rejected: "
                f"{c.rejection_reason}; {sync['failed_attempts']} failed attempt(s) in all")
    if c.cause == "synced_not_found":
        return f"the sync reported success at {sync['last_attempt_at']} but no record is in the expected entity"
    if c.cause == "lagging":
        if sync["last_outcome"] in ("pending", "succeeded"):
            return f"latest sync attempt ({sync['last_attempt_at']}) is {sync['last_outcome']}"
        if last_run is not None and c.created_at is not None and c.created_at > last_run:
            return f"created {c.created_at} after the last successful sync run ({last_run}); will clear next run"
        return "created or first ordered inside the awaiting-sync grace; will clear on the next run"
    return (f"no create attempt in the sync log (created {c.created_at}; last successful sync run "
            f"{last_run or 'not in the log'})")
