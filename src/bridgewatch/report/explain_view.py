"""Render explanations (``bridgewatch explain``) for a person checking one customer by hand."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bridgewatch.report.explanation import Explanation
from bridgewatch.report.safe import cell, json_text, markup, plain
from bridgewatch.report.words import DEFAULT_LOCALE, money, segment_words, vat_words

SECTIONS = (
    ("keys", "Keys (normalised) and where they came from"),
    ("erp_matches", "ERP records hit by those keys"),
    ("orders", "Orders"),
    ("entity_rules", "Entity rules that fired"),
    ("sync_events", "Sync events read"),
    ("staging", "Staging (Dataverse) matches"),
)


def explanations_json(explanations: Sequence[Explanation]) -> str:
    """``explain --format json``: every explanation, the terminal-acting characters of names written as escapes
    (``report.safe.json_text``)."""
    return json_text([e.to_dict() for e in explanations], indent=2) + "\n"


def render_explanations(explanations: Sequence[Explanation], console: Console, *,
                        locale: str = DEFAULT_LOCALE) -> None:
    for e in explanations:
        console.rule(markup(f"{e.card} · {e.workspace} · {e.platform} {e.account_kind} {e.account_id} "
                            f"({e.name or 'no name'})"))
        if e.run_id:
            console.print(Text(f"From stored run {e.run_id} (as of {plain(e.as_of)})"))
        console.print(Text.assemble("Verdict: ", (e.verdict, "bold"), f" — {plain(e.reason)}"))
        if e.cause_definition:
            console.print(Text(f"{e.cause_label}: {plain(e.cause_definition)}"))
        if e.customer is not None:
            console.print(Text(_customer_line(e.customer, _reporting(e.orders), locale)))
        for episode in e.episodes:
            console.print(Text(_episode_line(episode)))
        for name, title in SECTIONS:
            rows = getattr(e, name)
            if rows or name != "staging":
                _table(console, title, [_shown(r, locale) for r in rows])


def _reporting(orders: Sequence[dict[str, Any]]) -> str | None:
    """The reporting currency the counted orders were valued in (None from a run stored before it was kept)."""
    return next((o["reporting_currency"] for o in orders if o.get("reporting_currency")), None)


def _customer_line(c: dict[str, Any], reporting: str | None, locale: str) -> str:
    entity = c["expected_entity"] or f"ambiguous ({c['entity_candidates'] or 'no rule applies'})"
    value = (money(c["blocked_value"], c["currency"], locale) if c["blocked_value"] is not None
             else "in several currencies")
    if reporting and c["currency"] != reporting:
        value += f" = {money(c['blocked_value_reporting'], reporting, locale)} in {reporting}"
    return plain(f"Expected entity {entity} (by {c['entity_basis']}); segment {segment_words(c['segment'])}; "
                 f"{c['active_orders']} active order(s), blocked {value}; VAT treatment "
                 f"{vat_words(c['vat_treatment'])}; next action: {c['next_action']}\nJoin status: {c['join_status']}")


def _episode_line(ep: dict[str, Any]) -> str:
    cleared = f"cleared {ep['cleared']}" if ep.get("cleared") else "still absent"
    return plain(f"Absent from {ep['first_seen']} (run {ep['first_run']}), last seen {ep['last_seen']}; {cleared}")


def _shown(row: dict[str, Any], locale: str) -> dict[str, Any]:
    if "total" in row and "currency" in row:
        row = {**row, "total": money(row["total"], row["currency"], locale)}
    if row.get("value_reporting") is not None and row.get("reporting_currency"):
        row = {**row, "value_reporting": money(row["value_reporting"], row["reporting_currency"], locale)}
    return row


def _table(console: Console, title: str, rows: list[dict[str, Any]]) -> None:
    if not rows:
        console.print(Text(f"{title}: none"))
        return
    table = Table(title=title, title_justify="left")
    for name in rows[0]:
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*(cell(v, 60) for v in row.values()))
    console.print(table)
