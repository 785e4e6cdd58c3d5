"""`batch` and `stage`: many workspaces in one pass, and staging their canonical tables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from bridgewatch.cli.app import (
    AsOfOpt,
    CardOpt,
    EngineOpt,
    HistoryUrlOpt,
    MemoryLimitOpt,
    NoStoreOpt,
    SparkMasterOpt,
    TablesRootOpt,
    ThreadsOpt,
    app,
    guard,
    say,
    warn,
)


@app.command()
def batch(workspaces: Annotated[Path, typer.Option("--workspaces", help="A folder of workspace folders, or a "
                                                                        "manifest (TOML or text) listing them.")],
          out_dir: Annotated[Path, typer.Option("--out", help="Where OUT/<workspace>.<format> and batch.json "
                                                              "go.")] = Path("bridgewatch-results"),
          fmt: Annotated[str, typer.Option("--format", "-f", help="json or csv (per workspace).")] = "json",
          card: CardOpt = None, as_of: AsOfOpt = None, engine: EngineOpt = "duckdb",
          spark_master: SparkMasterOpt = None, memory_limit: MemoryLimitOpt = None, threads: ThreadsOpt = None,
          staged: Annotated[bool, typer.Option("--staged", help="Read each workspace's staged Parquet tables "
                                                                "(bridgewatch stage) instead of its source files.")]
          = False,
          tables_root: TablesRootOpt = None,
          no_prepared_store: Annotated[bool, typer.Option(
              "--no-prepared-store", help="With --staged on DuckDB: keep no prepared store next to the staged "
                                          "tables (every step is computed; nothing is written there).")] = False,
          no_store: NoStoreOpt = False, history_url: HistoryUrlOpt = None,
          allow_stale: Annotated[bool, typer.Option("--allow-stale", help="Exit 0 even when a workspace's data is "
                                                                          "stale or empty (listed as STALE).")]
          = False) -> None:
    """Compute many workspaces in one pass and store each run; a failed workspace is reported (exit 5, 7, 8 or 1)
    without stopping the rest; a workspace on stale or no data is listed as STALE (exit 6 unless --allow-stale).

    OUT is replaced whole: it holds the previous complete batch until the new one is complete.
    """

    def go() -> int:
        from bridgewatch.batch import run_and_write, store_urls, summary_lines
        from bridgewatch.engine import EngineChoice

        choice = EngineChoice(engine, spark_master, memory_limit, threads, prepared=not no_prepared_store)
        done = run_and_write(workspaces, out_dir, engine=choice, fmt=fmt,
                             cards=[card] if card else None, as_of=as_of, staged=staged or bool(tables_root),
                             tables_root=tables_root,
                             store_for=None if no_store else store_urls(history_url, os.environ))
        say("\n".join(summary_lines(done)))
        return done.failed_code if allow_stale else done.exit_code

    code = guard(go)
    if code:
        raise typer.Exit(code)


@app.command()
def stage(workspaces: Annotated[Path, typer.Option("--workspaces", "--workspace", "-w",
                                                   help="A workspace, a folder of them, or a manifest.")],
          tables_root: TablesRootOpt = None) -> None:
    """Read each workspace's sources once and write its canonical tables as Parquet, for batch --staged.

    Each staging is replaced whole; a workspace that cannot be read is reported (its previous
    staging is kept) and the others are still staged.
    """

    def go() -> int:
        from bridgewatch.batch import exit_code
        from bridgewatch.staging import stage_many

        done = stage_many(workspaces, tables_root)
        for staged in done:
            if staged.error is None:
                say(f"staged {staged.name} -> {staged.path}")
                for w in staged.warnings:
                    say(f"  incomplete: {w.describe()}")
            else:
                say(f"FAILED  {staged.name}: {type(staged.error).__name__}: {staged.error}")
        failed = [s.error for s in done if s.error is not None]
        if failed:
            warn(f"{len(failed)} of {len(done)} workspace(s) not staged; a previous staging of them is kept, and "
                 f"batch --staged refuses it if their exports changed since.")
        return exit_code(failed)

    code = guard(go)
    if code:
        raise typer.Exit(code)


