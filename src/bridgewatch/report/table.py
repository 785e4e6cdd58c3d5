"""The terminal readout of a card: a loud warning when the data is not fresh or an export was read incomplete, the
headline, the drills, the top rows.

Every value that came from the data passes through ``report.safe`` (markup escaped, escapes and
control characters stripped, long values cut); amounts are shown in their currency's decimals and
ids are put in plain words (``report.words``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from bridgewatch.ingest.accounting import ReadWarning
from bridgewatch.report.accounting_view import warning_lines
from bridgewatch.report.result import Bucket, CardSummary, iso
from bridgewatch.report.safe import cell, markup, plain
from bridgewatch.report.words import (
    ALERT_WORDS,
    DEFAULT_LOCALE,
    cause_label,
    money,
    old_rate_words,
    segment_words,
    vat_words,
)

DEFAULT_LIMIT = 25
"""Worklist rows shown in the terminal (all rows are in --format csv / json)."""


def render_card(summary: CardSummary, top: Sequence[Mapping[str, Any]], console: Console, *,
                locale: str = DEFAULT_LOCALE, listed_above: Collection[str] = ()) -> None:
    """Print one card's readout; ``top`` holds the first rows of its worklist.

    An incomplete export is said once, at the top: listed in its own block, not again among the reasons
    the data is stale, nor on a later card of the same output (``listed_above``: the :func:`incomplete_lines`
    an earlier card printed).
    """
    parts: list[RenderableType] = [*_warning(summary), *_incomplete(summary, listed_above), *_old_rates(summary),
                                   _headline(summary, top, locale),
                                   _breakdown("By sync cause", "Cause", summary.by_cause, summary, locale),
                                   _splits(summary, locale), *_reasons(summary), _worklist(summary, top, locale)]
    console.print(Panel(Group(*parts), title=markup(summary.title), subtitle=markup(summary.workspace),
                        expand=False))


def incomplete_lines(s: CardSummary) -> list[str]:
    """The card's incomplete-export warnings, one terminal line each."""
    return warning_lines(ReadWarning.from_dict(w) for w in s.ingest_warnings)


def _warning(s: CardSummary) -> list[RenderableType]:
    if s.freshness.status == "fresh":
        return []
    head = "NO DATA" if s.freshness.status == "no_data" else "STALE DATA"
    text = Text(f"{head}: the count below cannot be trusted as an all-clear.\n", style="bold white on red")
    listed = {ReadWarning.from_dict(w).as_reason() for w in s.ingest_warnings}  # the INCOMPLETE EXPORT block
    for reason in s.freshness.reasons:
        if reason not in listed:
            text.append(f"- {plain(reason)}\n", style="bold red")
    return [text]


def _incomplete(s: CardSummary, listed_above: Collection[str]) -> list[RenderableType]:
    lines = incomplete_lines(s)
    if not lines:
        return []
    new = [line for line in lines if line not in listed_above]
    text = Text("INCOMPLETE EXPORT: customers or orders may be missing from what this count was computed on"
                + (".\n" if new else " (the export's warnings are listed on the card above).\n"),
                style="bold black on yellow")
    for line in new:
        text.append(f"- {line}\n", style="bold yellow")
    return [text]


def _old_rates(s: CardSummary) -> list[RenderableType]:
    """Orders valued at an old FX rate: still counted and valued, said in its own block."""
    if not s.fx_warnings:
        return []
    text = Text("OLD FX RATE: the blocked value below converts some orders at an old rate.\n",
                style="bold black on yellow")
    for w in s.fx_warnings:
        text.append(f"- OLD FX RATE: {plain(old_rate_words(w))}\n", style="bold yellow")
    return [text]


def _headline(s: CardSummary, top: Sequence[Mapping[str, Any]], locale: str) -> Text:
    blocked = money(s.blocked_value_reporting, s.reporting_currency, locale)
    text = Text()
    text.append(f"{s.count}", style="bold")
    text.append(f" customers with active orders absent from the master ({s.active_orders} active orders; "
                f"blocked {blocked})\n")
    text.append(f"as of {iso(s.as_of)}, window {iso(s.window_start)} → {iso(s.as_of)} ({s.window_days} days); ")
    style = {"firing": "bold red", "unknown": "bold yellow"}.get(s.alert.state, "green")
    text.append(f"{ALERT_WORDS[s.alert.state]} ({s.count} vs > {s.alert.threshold})", style=style)
    text.append("\n" + "; ".join(_extras(s, top, locale)))
    return text


def _extras(s: CardSummary, top: Sequence[Mapping[str, Any]], locale: str) -> list[str]:
    extras = []
    if top:
        first = top[0]
        name = plain(first["name"] or first["company_id"] or first["customer_id"], 40)
        extras.append(f"largest: {name} {money(first['blocked_value_reporting'], s.reporting_currency, locale)}")
    segments = {b.key: b.customers for b in s.by_segment}
    extras.append(f"B2B {segments.get('b2b', 0)}, DTC {segments.get('dtc', 0)}")
    if s.dataverse_not_promoted:
        extras.append(f"{s.dataverse_not_promoted} already in Dataverse, not promoted")
    if s.awaiting_sync:
        extras.append(f"{s.awaiting_sync} awaiting sync (first order inside the grace)")
    if s.run.run_id and s.run.new is None:  # stored, but a stale, no-data or backfill run is compared with nothing
        extras.append("vs previous run: not compared (" + ("the data is not fresh" if s.freshness.status != "fresh"
                                                           else "a backfill: older than a run already stored") + ")")
    elif s.run.run_id:
        extras.append(f"vs previous run: {s.run.new} new, {s.run.cleared} cleared"
                      + (f" ({s.run.returned} came back)" if s.run.returned else ""))
    return extras


def _breakdown(title: str, first: str, buckets: Sequence[Bucket], s: CardSummary, locale: str) -> Table:
    table = Table(title=title, title_justify="left", show_footer=True)
    table.add_column(first, footer="Total")
    table.add_column("Customers", justify="right", footer=str(sum(b.customers for b in buckets)))
    table.add_column("Active orders", justify="right", footer=str(sum(b.active_orders for b in buckets)))
    total = sum((b.blocked_value_reporting for b in buckets), Decimal(0))
    table.add_column(f"Blocked ({s.reporting_currency})", justify="right",
                     footer=money(total, s.reporting_currency, locale))
    consequences = any(b.consequence for b in buckets)
    if consequences:
        table.add_column("Consequence on the next invoice batch", overflow="fold")
    for b in buckets:
        table.add_row(cell(b.label or b.key), str(b.customers), str(b.active_orders),
                      money(b.blocked_value_reporting, s.reporting_currency, locale),
                      *([cell(b.consequence or "", 100)] if consequences else []))
    return table


def _splits(s: CardSummary, locale: str) -> Table:
    table = Table(title="By segment and expected entity", title_justify="left")
    table.add_column("Cut")
    table.add_column("Value")
    for name in ("Customers", "Active orders", f"Blocked ({s.reporting_currency})"):
        table.add_column(name, justify="right")
    for cut, buckets in (("segment", s.by_segment), ("entity", s.by_entity)):
        for b in buckets:
            value = segment_words(b.key) if cut == "segment" else b.key
            table.add_row(cut, cell(value), str(b.customers), str(b.active_orders),
                          money(b.blocked_value_reporting, s.reporting_currency, locale))
    return table


def _reasons(s: CardSummary) -> list[RenderableType]:
    if not s.by_rejection_reason:
        return []
    table = Table(title="Create failures by rejection reason (one fix each)", title_justify="left")
    table.add_column("Reason (template)", overflow="fold")
    table.add_column("Customers", justify="right")
    table.add_column("Active orders", justify="right")
    table.add_column("Example", overflow="fold")
    for b in s.by_rejection_reason:
        table.add_row(cell(b.key, 80), str(b.customers), str(b.active_orders),
                      cell(b.examples[0] if b.examples else "", 80))
    return [table]


def _worklist(s: CardSummary, top: Sequence[Mapping[str, Any]], locale: str) -> Table:
    more = "" if len(top) >= s.count else f" (top {len(top)} of {s.count}; --format csv for all)"
    table = Table(title=f"Worklist, ranked by blocked value{more}", title_justify="left")
    for name in ("#", "Customer", "Name", "Platform", "Segment", "Cause", "Entity", "Orders", "Blocked",
                 f"In {s.reporting_currency}", "VAT", "Next action"):
        table.add_column(name, overflow="fold", justify="right" if name in ("#", "Orders") else "left")
    for c in top:
        table.add_row(str(c["rank"]), cell(c["company_id"] or c["customer_id"], 24), cell(c["name"], 32),
                      c["platform"], segment_words(c["segment"]), _cause(s.card, c), cell(_entity(c), 40),
                      str(c["active_orders"]), money(c["blocked_value"], c["currency"], locale),
                      money(c["blocked_value_reporting"], s.reporting_currency, locale), vat_words(c["vat_treatment"]),
                      cell(c["next_action"], 80))
    return table


def _cause(card: str, c: Mapping[str, Any]) -> str:
    return cause_label(card, c["cause"]) + (" (awaiting sync)" if c["awaiting_sync"] else "")


def _entity(c: Mapping[str, Any]) -> str:
    entity = c["expected_entity"] or f"ambiguous ({c['entity_candidates'] or 'no rule applies'})"
    return entity + (" (exists in another entity)" if c["exists_in_other_entity"] else "")
