"""The ``bridgewatch`` command: parse, call one library function, render, map errors to exit codes.

Exit codes: 0 success; 1 unexpected internal error; 2 usage error; 3 an alert fired and
``--fail-on-alert`` was given; 4 ``--strict`` and rows were quarantined; 5 bad configuration or input.
"""

from __future__ import annotations

import json
import logging
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
TablesRootOpt = Annotated[str | None, typer.Option(
    "--tables-root", help="Staged tables live under ROOT/<workspace id>/ (a folder, or for batch an object-storage "
                          "URI such as s3a://bucket/bridgewatch) instead of <workspace>/canonical.")]


def _guard(fn: Callable[[], T]) -> T:
    """Run ``fn``, turning bridgewatch errors into a message and an exit code (never a traceback)."""
    try:
        return fn()
    except BridgewatchError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(exc.exit_code) from None


def _check_format(fmt: str) -> None:
    from bridgewatch.report.render import FORMATS

    if fmt not in FORMATS:
        raise typer.BadParameter(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}", param_hint="--format")


def _load(workspace: Path, strict: bool) -> Any:
    from bridgewatch.workspace import load_workspace

    ws = load_workspace(workspace)
    if strict and ws.accounting.problems:
        raise QuarantineError(f"{len(ws.accounting.problems)} quarantined cell(s) with --strict:",
                              ws.accounting.problems)
    return ws


def _emit(results: list[Any], fmt: str, accounting: Accounting | None = None) -> None:
    from bridgewatch.report.accounting_view import render_accounting
    from bridgewatch.report.render import render_csv, render_json, render_table

    if fmt == "json":
        sys.stdout.write(render_json(results) + "\n")
    elif fmt == "csv":
        sys.stdout.write(render_csv(results))
    else:
        render_table(results, out)
        if accounting is not None and accounting.files:
            render_accounting(accounting, out)


def _save_quarantine(accounting: Accounting, path: Path | None, workspace: Path) -> None:
    """Write quarantined cells to ``path`` (default ``<workspace>/quarantine.csv`` when there are any)."""
    from bridgewatch.report.accounting_view import write_quarantine

    if path is None and not accounting.problems:
        return
    target = path or workspace / "quarantine.csv"
    write_quarantine(accounting, target)
    if accounting.problems:
        err.print(f"{len(accounting.problems)} quarantined cell(s) written to {target}", highlight=False)


@app.command()
def run(workspace: WorkspaceOpt, card: CardOpt = None, as_of: AsOfOpt = None, fmt: FormatOpt = "table",
        fail_on_alert: Annotated[bool, typer.Option("--fail-on-alert", help="Exit 3 when an alert fires.")] = False,
        strict: StrictOpt = False, quarantine_file: QuarantineOpt = None, engine: EngineOpt = "duckdb",
        spark_master: SparkMasterOpt = None) -> None:
    """Compute the workspace's cards and print them (with the ingest accounting)."""
    _check_format(fmt)

    def go() -> list[Any]:
        from bridgewatch.cards.compute import compute

        ws = _load(workspace, strict)
        _save_quarantine(ws.accounting, quarantine_file, workspace)
        from bridgewatch.engine import open_engine

        results = compute([ws], engine=open_engine(engine, spark_master=spark_master),
                          cards=[card] if card else None, as_of=as_of)
        _emit(results, fmt, ws.accounting)
        return results

    results = _guard(go)
    if fail_on_alert and any(r.alert.fired for r in results):
        raise typer.Exit(EXIT_ALERT)


@app.command()
def explain(workspace: WorkspaceOpt, customer_id: Annotated[str, typer.Argument(help="Customer, company or "
                                                                                 "account id.")],
            card: CardOpt = None, as_of: AsOfOpt = None, fmt: FormatOpt = "table") -> None:
    """Show the evidence for one customer: keys tried, ERP records hit, orders, sync events, cause."""
    _check_format(fmt)

    def go() -> None:
        from bridgewatch.cards.explain import explain as explain_customer
        from bridgewatch.report.explain_view import render_explanations

        found = explain_customer(_load(workspace, False), customer_id, card=card, as_of=as_of)
        if fmt == "json":
            sys.stdout.write(json.dumps([e.to_dict() for e in found], indent=2) + "\n")
        else:
            render_explanations(found, out)

    _guard(go)


@app.command()
def ingest(workspace: WorkspaceOpt, strict: StrictOpt = False, fmt: FormatOpt = "table",
           quarantine_file: QuarantineOpt = None) -> None:
    """Read the workspace's inputs and print what happened to every row (read = used + excluded + quarantined)."""
    _check_format(fmt)

    def go() -> None:
        from bridgewatch.report.accounting_view import render_accounting

        ws = _load(workspace, False)
        _save_quarantine(ws.accounting, quarantine_file, workspace)
        render_accounting(ws.accounting, out, fmt)
        if strict and ws.accounting.problems:
            raise QuarantineError(f"{len(ws.accounting.problems)} quarantined cell(s) with --strict:",
                                  ws.accounting.problems)

    _guard(go)


@app.command()
def demo(out_dir: Annotated[Path, typer.Option("--out", help="Where the demo workspaces are written.")] =
         Path("demo-workspaces"), fmt: FormatOpt = "table",
         canonical: Annotated[bool, typer.Option("--canonical", help="Write canonical tables instead of vendor "
                                                                    "files.")] = False) -> None:
    """Write the two worked-example workspaces (as vendor files) and run their cards."""
    _check_format(fmt)

    def go() -> None:
        from bridgewatch.cards.compute import compute
        from bridgewatch.demo import write_demo
        from bridgewatch.workspace import load_workspace

        folders = write_demo(out_dir, canonical=canonical)
        results = [r for folder in folders for r in compute([load_workspace(folder)])]
        _emit(results, fmt)
        if fmt == "table":
            names = ", ".join(str(f) for f in folders)
            out.print(f"Demo workspaces written to {names}; re-run one with "
                      f"`bridgewatch run --workspace {folders[0]}`.")

    _guard(go)


@app.command()
def batch(workspaces: Annotated[Path, typer.Option("--workspaces", help="A folder of workspace folders, or a "
                                                                        "manifest (TOML or text) listing them.")],
          out_dir: Annotated[Path, typer.Option("--out", help="Where OUT/<workspace>.<format> and batch.json "
                                                              "go.")] = Path("bridgewatch-results"),
          fmt: Annotated[str, typer.Option("--format", "-f", help="json or csv (per workspace).")] = "json",
          card: CardOpt = None, as_of: AsOfOpt = None, engine: EngineOpt = "duckdb",
          spark_master: SparkMasterOpt = None,
          staged: Annotated[bool, typer.Option("--staged", help="Read each workspace's staged Parquet tables "
                                                                "(bridgewatch stage) instead of its source files.")]
          = False,
          tables_root: TablesRootOpt = None) -> None:
    """Compute many workspaces in one pass; a failed workspace is reported (exit 5) without stopping the rest."""

    def go() -> int:
        from bridgewatch.batch import run_and_write, summary_lines

        done = run_and_write(workspaces, out_dir, engine=engine, spark_master=spark_master, fmt=fmt,
                             cards=[card] if card else None, as_of=as_of, staged=staged or bool(tables_root),
                             tables_root=tables_root)
        out.print("\n".join(summary_lines(done)), highlight=False, markup=False)
        return len(done.failed)

    if _guard(go):
        raise typer.Exit(EXIT_INPUT)


@app.command()
def stage(workspaces: Annotated[Path, typer.Option("--workspaces", "--workspace", "-w",
                                                   help="A workspace, a folder of them, or a manifest.")],
          tables_root: TablesRootOpt = None) -> None:
    """Read each workspace's sources once and write its canonical tables as Parquet, for batch --staged."""

    def go() -> None:
        from bridgewatch.batch import stage_many

        for workspace_id, path in stage_many(workspaces, tables_root):
            out.print(f"staged {workspace_id} -> {path}", highlight=False, markup=False)

    _guard(go)


@app.callback()
def main_options(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each SQL step.")] = False
                 ) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")


def main() -> None:
    """Console entry point."""
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - last resort: no tracebacks for users
        err.print(f"internal error: {type(exc).__name__}: {exc}. This is a bridgewatch bug; please report it "
                  f"with the command you ran (add -v for the SQL steps).", highlight=False, markup=False)
        sys.exit(EXIT_INTERNAL)
