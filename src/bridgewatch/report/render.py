"""Renderers: card results as a terminal readout (rich), JSON, or the CSV worklist."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bridgewatch.report.result import Bucket, CardResult

FORMATS = ("table", "json", "csv")

WORKLIST_COLUMNS = (
    "card", "workspace", "as_of", "rank", "customer_id", "company_id", "name", "platform", "segment", "cause",
    "rejection_reason", "expected_entity", "entity_ambiguous", "entity_candidates", "exists_in_other_entity",
    "other_entity_records", "in_dataverse", "awaiting_sync", "active_orders", "blocked_value", "currency",
    "blocked_value_reporting", "reporting_currency", "vat_number", "vat_treatment", "join_status", "next_action",
)
"""Columns of the CSV worklist, one row per counted customer, ranked by blocked value."""


def render_json(results: Sequence[CardResult]) -> str:
    """A JSON array with one object per card result (schema: docs/output.md)."""
    return json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False)


def render_csv(results: Sequence[CardResult]) -> str:
    """The ranked worklist of every result, as CSV text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(WORKLIST_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for result in results:
        meta = {"card": result.card, "workspace": result.workspace, "as_of": result.to_dict()["as_of"],
                "reporting_currency": result.reporting_currency}
        for row in result.to_dict()["customers"]:
            writer.writerow({k: _csv_cell(v) for k, v in (row | meta).items() if k in WORKLIST_COLUMNS})
    return out.getvalue()


def _csv_cell(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def _money(value: Decimal | None, currency: str = "") -> str:
    if value is None:
        return "—"
    return f"{currency} {value:,.2f}".strip()


def render_table(results: Sequence[CardResult], console: Console, *, limit: int | None = 25) -> None:
    """Print each card's readout: headline, breakdowns and the top of the worklist."""
    for result in results:
        console.print(Panel(Group(_headline(result), _breakdown("By sync cause", result.by_cause, result),
                                  _splits(result), _reasons(result), _worklist(result, limit)),
                            title=f"[bold]{result.title}[/]", subtitle=result.workspace, expand=False))


def _headline(r: CardResult) -> Text:
    alert = "[bold red]ALERT[/]" if r.alert.fired else "[green]below alert line[/]"
    d = r.to_dict()
    text = (f"[bold]{r.count}[/] customers with active orders absent from the master "
            f"({r.active_orders} active orders; blocked {_money(r.blocked_value_reporting, r.reporting_currency)})\n"
            f"as of {d['as_of']}, window {d['window_start']} → {d['as_of']} ({r.window_days} days); "
            f"{alert} (> {r.alert.threshold}, sentiment {r.alert.sentiment})")
    extras = []
    if r.customers:
        top = r.customers[0]
        extras.append(f"largest: {top.name or top.company_id or top.customer_id} "
                      f"{_money(top.blocked_value_reporting, r.reporting_currency)}")
    segments = {b.key: b.customers for b in r.by_segment}
    extras.append(f"B2B {segments.get('b2b', 0)}, DTC {segments.get('dtc', 0)}")
    if r.dataverse_not_promoted:
        extras.append(f"{r.dataverse_not_promoted} already in Dataverse, not promoted")
    if r.awaiting_sync:
        extras.append(f"{r.awaiting_sync} awaiting sync (first order inside the grace)")
    return Text.from_markup(text + "\n" + "; ".join(extras))


def _breakdown(title: str, buckets: Sequence[Bucket], r: CardResult) -> Table:
    table = Table(title=title, title_justify="left", show_footer=True)
    table.add_column(title.split()[-1].capitalize(), footer="Total")
    table.add_column("Customers", justify="right", footer=str(sum(b.customers for b in buckets)))
    table.add_column("Active orders", justify="right", footer=str(sum(b.active_orders for b in buckets)))
    table.add_column(f"Blocked ({r.reporting_currency})", justify="right",
                     footer=_money(sum((b.blocked_value_reporting for b in buckets), Decimal(0))))
    for b in buckets:
        table.add_row(b.label or b.key, str(b.customers), str(b.active_orders), _money(b.blocked_value_reporting))
    return table


def _splits(r: CardResult) -> Table:
    table = Table(title="By segment and expected entity", title_justify="left")
    for name in ("Cut", "Value", "Customers", "Active orders", f"Blocked ({r.reporting_currency})"):
        table.add_column(name, justify="right" if name[0] in "CAB" and name != "Cut" else "left")
    for cut, buckets in (("segment", r.by_segment), ("entity", r.by_entity)):
        for b in buckets:
            table.add_row(cut, b.key, str(b.customers), str(b.active_orders), _money(b.blocked_value_reporting))
    return table


def _reasons(r: CardResult) -> Table | Text:
    if not r.by_rejection_reason:
        return Text("")
    table = Table(title="Create failures grouped by rejection reason (one fix each)", title_justify="left")
    table.add_column("Rejection reason")
    table.add_column("Customers", justify="right")
    table.add_column("Active orders", justify="right")
    for b in r.by_rejection_reason:
        table.add_row(b.key, str(b.customers), str(b.active_orders))
    return table


def _worklist(r: CardResult, limit: int | None) -> Table:
    shown = r.customers if limit is None else r.customers[:limit]
    more = "" if len(shown) == len(r.customers) else f" (top {len(shown)} of {len(r.customers)}; --format csv for all)"
    table = Table(title=f"Worklist, ranked by blocked value{more}", title_justify="left")
    for name in ("#", "Customer", "Name", "Platform", "Seg", "Cause", "Entity", "Orders", "Blocked",
                 f"In {r.reporting_currency}", "VAT", "Next action"):
        table.add_column(name, overflow="fold")
    for c in shown:
        entity = c.expected_entity or f"ambiguous ({c.entity_candidates or 'no rule'})"
        if c.exists_in_other_entity:
            entity += " *exists elsewhere"
        cause = c.cause + (" (awaiting sync)" if c.awaiting_sync else "")
        table.add_row(str(c.rank), c.company_id or c.customer_id, c.name or "", c.platform, c.segment, cause,
                      entity, str(c.active_orders), _money(c.blocked_value, c.currency),
                      _money(c.blocked_value_reporting), c.vat_treatment, c.next_action)
    return table
