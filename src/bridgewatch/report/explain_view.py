"""Render explanations (``bridgewatch explain``) for a person checking one customer by hand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from bridgewatch.cards.explain import Explanation


def render_explanations(explanations: Sequence[Explanation], console: Console) -> None:
    for e in explanations:
        console.rule(f"{e.card} · {e.workspace} · {e.platform} {e.account_kind} {e.account_id} ({e.name or '?'})")
        console.print(f"Verdict: [bold]{e.verdict}[/] — {e.reason}", highlight=False)
        if e.customer is not None:
            c = e.customer
            entity = c.expected_entity or f"ambiguous ({c.entity_candidates or 'no rule applies'})"
            console.print(f"Cause: {c.cause}; expected entity {entity} (by {c.entity_basis}); "
                          f"segment {c.segment}; VAT treatment {c.vat_treatment}; next action: {c.next_action}",
                          highlight=False)
            console.print(f"Join status: {c.join_status}", highlight=False, markup=False)
        _table(console, "Keys (normalised) and where they came from", e.keys)
        _table(console, "ERP records hit by those keys", e.erp_matches)
        _table(console, "Orders", e.orders)
        _table(console, "Entity rules that fired", e.entity_rules)
        _table(console, "Sync events read", e.sync_events)
        if e.staging:
            _table(console, "Staging (Dataverse) matches", e.staging)


def _table(console: Console, title: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        console.print(f"{title}: none", highlight=False)
        return
    table = Table(title=title, title_justify="left")
    for name in rows[0]:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row.values()))
    console.print(table)
