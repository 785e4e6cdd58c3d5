"""The shared parts of the ``bridgewatch`` command: the Typer app, consoles, common options, error guard.

Exit codes: 0 success; 1 unexpected internal error; 2 usage error; 3 an alert fired and
``--fail-on-alert`` was given; 4 ``--strict`` and rows were quarantined; 5 bad configuration or input.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from bridgewatch.errors import BridgewatchError, QuarantineError
from bridgewatch.ingest.accounting import Accounting

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_ALERT, EXIT_QUARANTINE, EXIT_INPUT = 0, 1, 2, 3, 4, 5
EXIT_STALE, EXIT_STORE = 6, 7

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Which customers are buying from us right now who do not exist in our ERP's customer "
                       "master, why, and what is blocked behind them?")
out = Console(soft_wrap=False, width=200)
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

WorkspaceOpt = Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder (holds workspace.toml).")]
CardOpt = Annotated[str | None, typer.Option("--card", help="Only this card (default: the workspace's cards).")]
AsOfOpt = Annotated[datetime | None, typer.Option("--as-of", help="Aligned as-of time (UTC unless it has a zone).",
                                                  formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S",
                                                           "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"])]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")]
QuarantineOpt = Annotated[Path | None, typer.Option(
    "--quarantine-file", help="Where to write quarantined cells as CSV (default: <workspace>/quarantine.csv "
                              "when there are any).")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Fail (exit 4) if any input row is quarantined.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="duckdb (embedded, default) or spark.")]
SparkMasterOpt = Annotated[str | None, typer.Option("--spark-master", help="Spark master URL (default local[2]).")]
NoStoreOpt = Annotated[bool, typer.Option("--no-store", help="Do not store this run in the workspace's history.")]
HistoryUrlOpt = Annotated[str | None, typer.Option(
    "--history-url", help="Run store URL (default: $BRIDGEWATCH_HISTORY_URL, [history] url, else "
                          "<workspace>/.bridgewatch/history.sqlite).")]
TablesRootOpt = Annotated[str | None, typer.Option(
    "--tables-root", help="Staged tables live under ROOT/<workspace id>/ (a folder, or for batch an object-storage "
                          "URI such as s3a://bucket/bridgewatch) instead of <workspace>/canonical.")]


def guard(fn: Callable[[], T]) -> T:
    """Run ``fn``, turning bridgewatch errors into a message and an exit code (never a traceback)."""
    try:
        return fn()
    except BridgewatchError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(exc.exit_code) from None


def check_format(fmt: str, allowed: tuple[str, ...] | None = None) -> None:
    from bridgewatch.report.output import FORMATS

    allowed = allowed or FORMATS
    if fmt not in allowed:
        raise typer.BadParameter(f"unknown format '{fmt}'; use one of {', '.join(allowed)}", param_hint="--format")


def load_checked(workspace: Path, strict: bool) -> Any:
    from bridgewatch.workspace import load_workspace

    ws = load_workspace(workspace)
    if strict and ws.accounting.problems:
        raise QuarantineError(f"{len(ws.accounting.problems)} quarantined cell(s) with --strict:",
                              ws.accounting.problems)
    return ws


def open_cli_store(config: Any, history_url: str | None) -> Any:
    """The workspace's run store: --history-url > $BRIDGEWATCH_HISTORY_URL > [history] url > the default file."""
    from bridgewatch.history import Store, store_url

    return Store(store_url(config, override=history_url, environ=os.environ))


def emit(views: list[Any], fmt: str, accounting: Accounting | None = None) -> None:
    """Write the results in ``fmt``: JSON/CSV streamed to stdout, or the terminal readout (with the accounting)."""
    from bridgewatch.report.accounting_view import render_accounting
    from bridgewatch.report.output import write_results

    write_results(views, fmt, fh=sys.stdout, console=out)
    if fmt == "table" and accounting is not None and accounting.files:
        render_accounting(accounting, out)


def save_quarantine(accounting: Accounting, path: Path | None, workspace: Path) -> None:
    """Write quarantined cells to ``path`` (default ``<workspace>/quarantine.csv`` when there are any)."""
    from bridgewatch.report.accounting_view import write_quarantine

    if path is None and not accounting.problems:
        return
    target = path or workspace / "quarantine.csv"
    write_quarantine(accounting, target)
    if accounting.problems:
        err.print(f"{len(accounting.problems)} quarantined cell(s) written to {target}", highlight=False)


@app.callback()
def main_options(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each SQL step.")] = False
                 ) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")


