"""`batch` and `stage`: many workspaces in one pass, and staging their canonical tables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from bridgewatch.cli.app import (
    EXIT_INPUT,
    AsOfOpt,
    CardOpt,
    EngineOpt,
    HistoryUrlOpt,
    NoStoreOpt,
    SparkMasterOpt,
    TablesRootOpt,
    app,
    guard,
    out,
)


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
          tables_root: TablesRootOpt = None, no_store: NoStoreOpt = False, history_url: HistoryUrlOpt = None) -> None:
    """Compute many workspaces in one pass and store each run; a failed workspace is reported (exit 5) without
    stopping the rest."""

    def go() -> int:
        from bridgewatch.batch import run_and_write, store_urls, summary_lines

        done = run_and_write(workspaces, out_dir, engine=engine, spark_master=spark_master, fmt=fmt,
                             cards=[card] if card else None, as_of=as_of, staged=staged or bool(tables_root),
                             tables_root=tables_root,
                             store_for=None if no_store else store_urls(history_url, os.environ))
        out.print("\n".join(summary_lines(done)), highlight=False, markup=False)
        return len(done.failed)

    if guard(go):
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

    guard(go)


