"""Put workspaces on an engine and run the card SQL over all of them in one pass.

Every workspace's canonical tables are stacked (``workspace_id`` is a column throughout) and its
settings become small tables, so one pass of the shared steps and each card's steps serves every
workspace. A workspace whose data cannot support a card (an order with no FX rate) gets its own
error; the others are unaffected.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from bridgewatch.cards import CARDS, Card, card_steps, get_card
from bridgewatch.cards.scope import scoping_cards
from bridgewatch.cards.steps import shared_steps
from bridgewatch.engine import Engine
from bridgewatch.errors import BridgewatchError, InputError, Problem
from bridgewatch.model.tables import TABLES, table_name
from bridgewatch.workspace import Workspace, config_tables, resolve_as_of


def run_pipeline(engine: Engine, workspaces: Sequence[Workspace], *, cards: Sequence[str] | None = None,
                 as_of: datetime | None = None, resolved: Mapping[str, datetime] | None = None
                 ) -> tuple[dict[str, tuple[Card, ...]], dict[str, BridgewatchError]]:
    """Compute the requested (or configured) cards of every workspace on ``engine``.

    ``resolved``: each workspace's as-of time already resolved (``resolve_as_of``); missing ones are resolved here.

    Returns:
        The cards computed per workspace id, and the workspaces whose data could not support them.

    Raises:
        LookupFailed: an unknown card id.
        EngineError: a SQL step failed (for everyone: the pass is shared).
    """
    chosen = {ws.id: tuple(get_card(c) for c in (cards or ws.config.cards)) for ws in workspaces}
    as_of_by_ws = {ws.id: (resolved or {}).get(ws.id) or resolve_as_of(ws.config, as_of) for ws in workspaces}
    engine.repeatable = repeatable(workspaces, as_of)
    register_workspaces(engine, workspaces, as_of_by_ws, {k: [c.id for c in v] for k, v in chosen.items()})
    engine.run(shared_steps(scoping_cards(chosen)))
    used = [CARDS[c] for c in CARDS if any(CARDS[c] in v for v in chosen.values())]
    for card in used:
        engine.run(card_steps(card))
    return chosen, fx_errors(engine, used)


def repeatable(workspaces: Sequence[Workspace], as_of: datetime | None) -> bool:
    """True when the pass can be asked again exactly: every as-of time is given (``as_of`` or each
    workspace's own), none read from the clock."""
    return as_of is not None or all(ws.config.as_of_utc() is not None for ws in workspaces)


def register_workspaces(engine: Engine, workspaces: Sequence[Workspace], as_of: Mapping[str, datetime],
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


def fx_errors(engine: Engine, cards: Sequence[Card]) -> dict[str, BridgewatchError]:
    """Counted orders whose currency has no rate into reporting currency, per workspace."""
    errors: dict[str, list[Problem]] = defaultdict(list)
    for card in cards:
        rows = engine.fetch(f"""
            SELECT DISTINCT o.workspace_id, o.source_file, o.source_row, o.order_id, o.currency,
                   o.reporting_currency, o.order_date
            FROM __bw__order_values o JOIN {card.table('gap')} g ON g.acct = o.acct
            WHERE g.orders_missing_fx > 0 AND o.fx_rate IS NULL ORDER BY 1, 2, 3""")
        for r in rows:
            errors[r["workspace_id"]].append(Problem(
                r["source_file"], r["source_row"], "currency", r["currency"],
                f"order {r['order_id']}: no FX rate from {r['currency']} into {r['reporting_currency']} dated on or "
                f"before {r['order_date']}; add one to fx_rates"))
    return {ws: InputError(f"Workspace '{ws}': cannot value blocked orders in reporting currency.",
                           sorted(set(p), key=lambda x: (x.file, x.row or 0)))
            for ws, p in errors.items()}
