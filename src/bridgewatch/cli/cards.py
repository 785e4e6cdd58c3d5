"""`run`, `explain`, `ingest`: one workspace's cards, one customer's evidence, the row accounting."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from bridgewatch.cli.app import (
    EXIT_ALERT,
    AsOfOpt,
    CardOpt,
    EngineOpt,
    FormatOpt,
    QuarantineOpt,
    SparkMasterOpt,
    StrictOpt,
    WorkspaceOpt,
    app,
    check_format,
    emit,
    guard,
    load_checked,
    out,
    save_quarantine,
)
from bridgewatch.errors import QuarantineError


@app.command()
def run(workspace: WorkspaceOpt, card: CardOpt = None, as_of: AsOfOpt = None, fmt: FormatOpt = "table",
        fail_on_alert: Annotated[bool, typer.Option("--fail-on-alert", help="Exit 3 when an alert fires.")] = False,
        strict: StrictOpt = False, quarantine_file: QuarantineOpt = None, engine: EngineOpt = "duckdb",
        spark_master: SparkMasterOpt = None,
        pull: Annotated[bool, typer.Option("--pull", help="First pull the workspace's API sources "
                                                         "(bridgewatch pull); exit 6 if one failed.")] = False) -> None:
    """Compute the workspace's cards and print them (with the ingest accounting)."""
    check_format(fmt)
    pulled = [True]

    def go() -> list[Any]:
        if pull:
            from bridgewatch.cli.pull import pull_before_run

            pulled[0] = pull_before_run(workspace)
        from bridgewatch.cards.compute import compute

        ws = load_checked(workspace, strict)
        save_quarantine(ws.accounting, quarantine_file, workspace)
        from bridgewatch.engine import open_engine

        results = compute([ws], engine=open_engine(engine, spark_master=spark_master),
                          cards=[card] if card else None, as_of=as_of)
        emit(results, fmt, ws.accounting)
        return results

    results = guard(go)
    if fail_on_alert and any(r.alert.fired for r in results):
        raise typer.Exit(EXIT_ALERT)
    if not pulled[0]:
        from bridgewatch.cli.pull import EXIT_PULL_FAILED

        raise typer.Exit(EXIT_PULL_FAILED)


@app.command()
def explain(workspace: WorkspaceOpt, customer_id: Annotated[str, typer.Argument(help="Customer, company or "
                                                                                 "account id.")],
            card: CardOpt = None, as_of: AsOfOpt = None, fmt: FormatOpt = "table") -> None:
    """Show the evidence for one customer: keys tried, ERP records hit, orders, sync events, cause."""
    check_format(fmt)

    def go() -> None:
        from bridgewatch.cards.explain import explain as explain_customer
        from bridgewatch.report.explain_view import render_explanations

        found = explain_customer(load_checked(workspace, False), customer_id, card=card, as_of=as_of)
        if fmt == "json":
            sys.stdout.write(json.dumps([e.to_dict() for e in found], indent=2) + "\n")
        else:
            render_explanations(found, out)

    guard(go)


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


