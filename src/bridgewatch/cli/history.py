"""`history` and `show`: a workspace's stored runs and their trend, and any stored run reprinted exactly."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from bridgewatch.cli.app import (
    EXIT_STALE,
    CardOpt,
    FormatOpt,
    HistoryUrlOpt,
    WorkspaceOpt,
    app,
    check_format,
    clean,
    emit,
    guard,
    open_cli_store,
    out,
    warn,
)
from bridgewatch.report.safe import json_text

RunOpt = Annotated[str | None, typer.Option("--run", help="A stored run id (default: the latest).")]
AllowFailedOpt = Annotated[bool, typer.Option("--allow-stale", help="Exit 0 even when a newer live run of the "
                                                                   "workspace failed (the warning is still printed).")]


def newer_failure(store: Any, workspace_id: str, shown: list[Any]) -> bool:
    """Warn when a live run newer than the one shown failed (what is shown is then not the workspace's state); a
    failed backfill (``run --as-of`` a past date) leaves the live state as it was, so it does not count."""
    failed = store.failed_runs(workspace_id, limit=1, after=shown[0], live_only=True) if shown else []
    if failed:
        f = failed[0]
        warn(f"the latest run of workspace '{workspace_id}' failed: run {f.run_id} ({f.at:%Y-%m-%d %H:%M:%S} "
             f"UTC): {f.first_line.rstrip('.:')}. Shown is the last successful run, {shown[0].run_id}, which may be "
             f"out of date; fix the failure and run again.")
    return bool(failed)


@app.command()
def history(workspace: WorkspaceOpt, card: CardOpt = None,
            limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs to list.")] = 20,
            fmt: FormatOpt = "table", history_url: HistoryUrlOpt = None) -> None:
    """List the workspace's stored runs (last stored first) with the trend: new, cleared, returned, time to fix."""
    check_format(fmt, ("table", "json"))

    def go() -> None:
        from bridgewatch.cards import get_card
        from bridgewatch.config import load_config

        config = load_config(workspace)
        if card is not None:
            get_card(card)  # a misspelt card would list nothing, as if it had never run
        with open_cli_store(config, history_url, read_only=True) as store:
            listed = store.history(config.id, card=card, limit=limit)
            failed = store.failed_runs(config.id, limit=limit)
            both = sorted([*listed, *failed], key=lambda r: -(r.pk if _failed(r) else r.run_pk))[:limit]
            if fmt == "json":
                sys.stdout.write(json_text([_entry(r) for r in both]) + "\n")
                return
            _print_history(both)
            for card_id in sorted({r.card for r in listed}):
                _print_trend(store, config.id, card_id, limit)

    guard(go)


@app.command()
def show(workspace: WorkspaceOpt, run_id: RunOpt = None, card: CardOpt = None, fmt: FormatOpt = "table",
         history_url: HistoryUrlOpt = None, allow_stale: AllowFailedOpt = False) -> None:
    """Reprint a stored run (the latest by default) exactly as it was, without recomputing anything.

    Without --run, a newer live run that failed (not a backfill) is named in a warning and the exit code is 6
    (unless --allow-stale).
    """
    check_format(fmt)

    def go() -> bool:
        from bridgewatch.config import load_config
        from bridgewatch.monitor import stored_view
        from bridgewatch.report.words import locale_for

        config = load_config(workspace)
        locale = locale_for(config.workspace.home_country, config.workspace.locale)
        with open_cli_store(config, history_url, read_only=True) as store:
            shown = store.run(config.id, run_id, card=card)
            failed = run_id is None and newer_failure(store, config.id, shown)
            emit([stored_view(store, s, locale) for s in shown], fmt)
        return failed

    if guard(go) and not allow_stale:
        raise typer.Exit(EXIT_STALE)


def _failed(r: Any) -> bool:
    from bridgewatch.history.store import FailedRun

    return isinstance(r, FailedRun)


def _entry(r: Any) -> dict[str, Any]:
    from bridgewatch.report.result import iso

    if _failed(r):
        return {"run_id": r.run_id, "status": "failed", "started_at": iso(r.at), "error": r.first_line,
                "backfill": r.backfill}
    full = {"status": "ok", **r.to_dict()}
    entry = {k: full[k] for k in ("run_id", "status", "card", "as_of", "count", "alert_state", "freshness", "new",
                                  "cleared", "returned")}
    entry["backfill"], entry["ahead"] = full["backfill"], full["ahead"]
    return entry if r.moves_episodes else entry | {"new": None, "cleared": None, "returned": None}


def _print_history(listed: list[Any]) -> None:
    table = Table(title="Stored runs, last stored first", title_justify="left")
    for name in ("Run", "Card", "As of", "Count", "Alert", "Data", "New", "Cleared", "Came back", "Still absent"):
        table.add_column(name, justify="right" if name in ("Count", "New", "Cleared", "Came back",
                                                          "Still absent") else "left")
    from bridgewatch.report.result import iso

    failed = [r for r in listed if _failed(r)]
    for r in listed:
        if _failed(r):
            table.add_row(r.run_id, "-", iso(r.at), "-", "-", "FAILED (backfill)" if r.backfill else "FAILED",
                          *["-"] * 4)
            continue
        d = r.to_dict()
        moves = [str(n) for n in (r.new, r.cleared, r.returned, r.still_absent)] if r.moves_episodes else \
            ["-"] * 4  # a stale, no-data or backfill run opens and closes nothing
        data = r.freshness + "".join(f" ({said})" for flag, said in ((r.backfill, "backfill"),
                                                                     (r.ahead, "ahead of the clock")) if flag)
        table.add_row(r.run_id, r.card, d["as_of"], str(r.count), r.alert_state, data, *moves)
    out.print(table)
    for f in failed:
        kind = "backfill run" if f.backfill else "run"
        out.print(Text(f"{kind} {f.run_id} failed: {clean(f.first_line)}"))


def _print_trend(store: Any, workspace_id: str, card: str, limit: int) -> None:
    from bridgewatch.history.trends import trend

    t = trend(store, workspace_id, card, limit=limit)
    latest = store.latest(workspace_id, card)
    if latest and latest.freshness != "fresh":
        out.print(Text(f"{card}: the latest run {latest.run_id} is {latest.freshness.replace('_', ' ')}; "
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
