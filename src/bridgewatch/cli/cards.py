"""`run`, `explain`, `ingest`: one workspace's cards, one customer's evidence, the row accounting."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from bridgewatch.cli.app import (
    EXIT_ALERT,
    EXIT_STALE,
    AsOfOpt,
    CardOpt,
    EngineOpt,
    FormatOpt,
    HistoryUrlOpt,
    MemoryLimitOpt,
    NoStoreOpt,
    QuarantineOpt,
    SparkMasterOpt,
    StrictOpt,
    ThreadsOpt,
    WorkspaceOpt,
    app,
    beside,
    check_format,
    close_when_open,
    emit,
    guard,
    load_checked,
    open_cli_store,
    out,
    save_quarantine,
)
from bridgewatch.cli.history import AllowFailedOpt
from bridgewatch.engine import EngineChoice
from bridgewatch.errors import BridgewatchError, QuarantineError, StoreError


@app.command()
def run(workspace: WorkspaceOpt, card: CardOpt = None, as_of: AsOfOpt = None, fmt: FormatOpt = "table",
        fail_on_alert: Annotated[bool, typer.Option("--fail-on-alert", help="Exit 3 when an alert fires.")] = False,
        strict: StrictOpt = False, quarantine_file: QuarantineOpt = None, engine: EngineOpt = "duckdb",
        spark_master: SparkMasterOpt = None, memory_limit: MemoryLimitOpt = None, threads: ThreadsOpt = None,
        no_store: NoStoreOpt = False, history_url: HistoryUrlOpt = None,
        allow_stale: Annotated[bool, typer.Option("--allow-stale", help="Exit 0 even when the data is stale or "
                                                                        "empty (the alert state stays unknown).")]
        = False,
        pull: Annotated[bool, typer.Option("--pull", help="First pull the workspace's API sources (bridgewatch "
                                                         "pull); a source that fails makes the data stale.")] = False,
        no_alerts: Annotated[bool, typer.Option("--no-alerts", help="Store the run but deliver no alerts.")] = False
        ) -> None:
    """Compute the workspace's cards, store the run, print them (with the ingest accounting) and send the alerts."""
    check_format(fmt)
    pulled = True
    if pull:
        from bridgewatch.cli.pull import pull_before_run

        pulled = guard(lambda: pull_before_run(workspace))
    choice = EngineChoice(engine, spark_master, memory_limit, threads)
    states = guard(lambda: _run(workspace, card, as_of, fmt, strict, quarantine_file, choice,
                                None if no_store else history_url, no_store, no_alerts))
    if not allow_stale and ("unknown" in states or not pulled):
        raise typer.Exit(EXIT_STALE)
    if fail_on_alert and "firing" in states:
        raise typer.Exit(EXIT_ALERT)


def _run(workspace: Path, card: str | None, as_of: datetime | None, fmt: str, strict: bool,
         quarantine_file: Path | None, engine: EngineChoice, history_url: str | None,
         no_store: bool, no_alerts: bool = False) -> list[str]:
    """Returns the alert state of each card (alerts are delivered after the run is stored, when configured)."""
    from bridgewatch.cli.alerts import after_run
    from bridgewatch.config import load_config
    from bridgewatch.engine import open_engine
    from bridgewatch.monitor import run_workspace

    config = load_config(workspace)
    opening = None if no_store else beside(lambda: open_cli_store(config, history_url))
    started = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    try:
        ws = load_checked(workspace, strict)
        save_quarantine(ws.accounting, quarantine_file, workspace)
        with open_engine(engine) as opened:
            done = run_workspace(ws, engine=opened, store=opening.result if opening else None,
                                 cards=[card] if card else None, as_of=as_of)
            emit(done.views, fmt, ws.accounting)
        store = opening.result() if opening else None
        after_run(store, config, no_alerts)
        return [v.summary.alert.state for v in done.views]
    except BridgewatchError as exc:
        store = opening.result() if opening else None  # a store that cannot open: its error is the one shown
        if store is not None and not isinstance(exc, StoreError):
            store.record_failure(config, str(exc), started_at=started, engine_name=engine.name, as_of=as_of)
            after_run(store, config, no_alerts)
        raise
    finally:
        if opening is not None:
            close_when_open(opening)


@app.command()
def explain(workspace: WorkspaceOpt, customer_id: Annotated[str, typer.Argument(help="Customer, company or "
                                                                                 "account id.")],
            card: CardOpt = None, fmt: FormatOpt = "table",
            run_id: Annotated[str | None, typer.Option("--run", help="A stored run id (default: the latest).")]
            = None,
            recompute: Annotated[bool, typer.Option("--recompute", help="Recompute from the current inputs instead "
                                                                        "of reading the stored run.")] = False,
            as_of: AsOfOpt = None, history_url: HistoryUrlOpt = None, engine: EngineOpt = "duckdb",
            memory_limit: MemoryLimitOpt = None, threads: ThreadsOpt = None,
            allow_stale: AllowFailedOpt = False) -> None:
    """Show the evidence for one customer: keys tried, ERP records hit, orders, sync events, cause.

    Read from the stored run (the latest, or --run) without recomputing; --recompute recomputes. Without
    --run, a newer live run that failed (not a backfill) is named in a warning and the exit code is 6 (unless
    --allow-stale).
    """
    check_format(fmt, ("table", "json"))
    if (as_of is not None) and not recompute:
        raise typer.BadParameter("--as-of needs --recompute (a stored run has its own as-of)", param_hint="--as-of")

    def go() -> bool:
        from bridgewatch.config import load_config
        from bridgewatch.report.explain_view import explanations_json, render_explanations
        from bridgewatch.report.words import locale_for

        if not recompute:
            _check_stored_id(customer_id)
        config = load_config(workspace)
        choice = EngineChoice(engine, memory_limit=memory_limit, threads=threads)
        found, failed = ((_recompute(workspace, customer_id, card, as_of, choice), False) if recompute
                         else _stored(config, customer_id, card, run_id, history_url))
        if fmt == "json":
            sys.stdout.write(explanations_json(found))
        else:
            render_explanations(found, out, locale=locale_for(config.workspace.home_country,
                                                              config.workspace.locale))
        return failed

    if guard(go) and not allow_stale:
        raise typer.Exit(EXIT_STALE)


def _check_stored_id(customer_id: str) -> None:
    """Refuse an id no run store can hold, before any database call (PostgreSQL text cannot hold a NUL: the read
    failed as a store error, exit 7, as if the store were broken).

    Raises:
        LookupFailed: the id holds a NUL character.
    """
    from bridgewatch.errors import LookupFailed

    if "\x00" in customer_id:
        raise LookupFailed(f"The customer id {customer_id!r} holds a NUL character (\\x00), which no "
                           f"stored customer, company or account id can hold; check how the id was typed or pasted.")


def _stored(config: Any, customer_id: str, card: str | None, run_id: str | None,
            history_url: str | None) -> tuple[Any, bool]:
    """The stored evidence, and whether a run newer than the one read failed (warned about)."""
    from bridgewatch.cli.history import newer_failure

    with open_cli_store(config, history_url, read_only=True) as store:
        shown = store.run(config.id, run_id, card=card)
        failed = run_id is None and newer_failure(store, config.id, shown)
        return store.explain(config.id, customer_id, card=card, run_id=shown[0].run_id), failed


def _recompute(workspace: Path, customer_id: str, card: str | None, as_of: datetime | None,
               engine: EngineChoice) -> Any:
    from bridgewatch.api import explain as explain_customer
    from bridgewatch.engine import open_engine
    from bridgewatch.results import compute

    ws = load_checked(workspace, False)
    with open_engine(engine) as opened:
        run = compute([ws], engine=opened, cards=[card] if card else None, as_of=as_of)
        return explain_customer(run, customer_id, workspace=ws.id, card=card)


@app.command()
def ingest(workspace: WorkspaceOpt, strict: StrictOpt = False, fmt: FormatOpt = "table",
           quarantine_file: QuarantineOpt = None) -> None:
    """Read the workspace's inputs and print what happened to every row (read = used + excluded + quarantined)."""
    check_format(fmt)

    def go() -> None:
        from bridgewatch.report.accounting_view import render_accounting

        ws = load_checked(workspace, False)
        save_quarantine(ws.accounting, quarantine_file, workspace)
        render_accounting(ws.accounting, out, fmt)
        if strict and ws.accounting.problems:
            raise QuarantineError(f"{len(ws.accounting.problems)} quarantined cell(s) with --strict:",
                                  ws.accounting.problems)

    guard(go)


