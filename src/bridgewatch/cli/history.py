"""`history` and `show`: a workspace's stored runs and their trend, and any stored run reprinted exactly."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from bridgewatch.cli.app import (
    CardOpt,
    FormatOpt,
    HistoryUrlOpt,
    WorkspaceOpt,
    app,
    check_format,
    emit,
    guard,
    open_cli_store,
    out,
)

RunOpt = Annotated[str | None, typer.Option("--run", help="A stored run id (default: the latest).")]


@app.command()
def history(workspace: WorkspaceOpt, card: CardOpt = None,
            limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs to list.")] = 20,
            fmt: FormatOpt = "table", history_url: HistoryUrlOpt = None) -> None:
    """List the workspace's stored runs (newest first) with the trend: new, cleared, returned, time to fix."""
    check_format(fmt, ("table", "json"))

    def go() -> None:
        from bridgewatch.config import load_config

        config = load_config(workspace)
        with open_cli_store(config, history_url) as store:
            listed = store.history(config.id, card=card, limit=limit)
            if fmt == "json":
                sys.stdout.write(json.dumps([_entry(r) for r in listed], indent=2) + "\n")
                return
            _print_history(listed)
            for card_id in sorted({r.card for r in listed}):
                _print_trend(store, config.id, card_id, limit)

    guard(go)


@app.command()
def show(workspace: WorkspaceOpt, run_id: RunOpt = None, card: CardOpt = None, fmt: FormatOpt = "table",
         history_url: HistoryUrlOpt = None) -> None:
    """Reprint a stored run (the latest by default) exactly as it was, without recomputing anything."""
    check_format(fmt)

    def go() -> None:
        from bridgewatch.config import load_config
        from bridgewatch.monitor import stored_view
        from bridgewatch.report.words import locale_for

        config = load_config(workspace)
        locale = locale_for(config.workspace.home_country, config.workspace.locale)
        with open_cli_store(config, history_url) as store:
            emit([stored_view(store, s, locale) for s in store.run(config.id, run_id, card=card)], fmt)

    guard(go)


def _entry(r: Any) -> dict[str, Any]:
    full = r.to_dict()
    entry = {k: full[k] for k in ("run_id", "card", "as_of", "count", "alert_state", "freshness", "new", "cleared",
                                  "returned")}
    return entry if r.freshness == "fresh" else entry | {"new": None, "cleared": None, "returned": None}


def _print_history(listed: list[Any]) -> None:
    table = Table(title="Stored runs, newest first", title_justify="left")
    for name in ("Run", "Card", "As of", "Count", "Alert", "Data", "New", "Cleared", "Came back", "Still absent"):
        table.add_column(name, justify="right" if name in ("Count", "New", "Cleared", "Came back",
                                                          "Still absent") else "left")
    for r in listed:
        d = r.to_dict()
        moves = [str(n) for n in (r.new, r.cleared, r.returned, r.still_absent)] if r.freshness == "fresh" else \
            ["-"] * 4  # a stale or no-data run opens and closes nothing
        table.add_row(r.run_id, r.card, d["as_of"], str(r.count), r.alert_state, r.freshness, *moves)
    out.print(table)


def _print_trend(store: Any, workspace_id: str, card: str, limit: int) -> None:
    from bridgewatch.history.trends import trend

    t = trend(store, workspace_id, card, limit=limit)
    newest = store.history(workspace_id, card=card, limit=1)
    if newest and newest[0].freshness != "fresh":
        out.print(Text(f"{card}: the latest run {newest[0].run_id} is {newest[0].freshness.replace('_', ' ')}; "
                       f"it is left out of new and cleared" + (f" (below: as of {t.latest.run_id})" if t else "")))
    if t is None:
        return
    for c in t.changes:
        then = f"{c.then_count} in {c.then_run_id}" if c.then_run_id else "no earlier run"
        out.print(Text(f"{card}: {t.latest.count} now vs {c.since} ({then}): {c.new} new ({c.returned} came back), "
                       f"{c.cleared} cleared, {c.still_absent} still absent"))
    fixed = sum(t.time_to_fix.values())
    if fixed:
        spread = ", ".join(f"{label} {n}" for label, n in t.time_to_fix.items() if n)
        out.print(Text(f"{card}: {fixed} cleared absence(s), median {t.median_days_to_fix} days to fix ({spread})"))
