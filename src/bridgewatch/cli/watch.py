"""`watch`: keep one workspace (or a group) current: (pull →) run → store → alert, every period."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from bridgewatch.cli.app import EngineOpt, HistoryUrlOpt, MemoryLimitOpt, ThreadsOpt, app, clean, err, guard, out


def _period(value: str) -> str:
    from bridgewatch.config import parse_duration

    try:
        seconds = parse_duration(value).total_seconds()
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if seconds <= 0:
        raise typer.BadParameter("the period must be longer than zero")
    return value


@app.command()
def watch(workspace: Annotated[Path | None, typer.Option("--workspace", "-w", help="Workspace folder.")] = None,
          workspaces: Annotated[Path | None, typer.Option("--workspaces", help="A folder of workspace folders, or a "
                                                                                "manifest listing them.")] = None,
          every: Annotated[str, typer.Option("--every", callback=_period, help="Period between cycles: 30s, 15m, "
                                                                                "1h, 1h30m.")] = "15m",
          cycles: Annotated[int | None, typer.Option("--cycles", min=1, help="Stop after this many cycles (default: "
                                                                           "until SIGINT/SIGTERM).")] = None,
          no_alerts: Annotated[bool, typer.Option("--no-alerts", help="Store the runs but deliver no alerts.")]
          = False,
          no_pull: Annotated[bool, typer.Option("--no-pull", help="Do not pull API sources first (read the pages "
                                                                  "already on disk).")] = False,
          engine: EngineOpt = "duckdb", memory_limit: MemoryLimitOpt = None, threads: ThreadsOpt = None,
          history_url: HistoryUrlOpt = None) -> None:
    """Every period pull each workspace's API sources, run it, store it and send its alerts; one line per cycle;
    SIGINT/SIGTERM stop after the current cycle."""
    if (workspace is None) == (workspaces is None):
        raise typer.BadParameter("give --workspace DIR or --workspaces DIR|MANIFEST (one of them)")

    def go() -> tuple[int, int]:
        from bridgewatch.batch import exit_code, find_workspaces
        from bridgewatch.config import parse_duration
        from bridgewatch.engine import EngineChoice
        from bridgewatch.watch import Watcher, connector_pull, stop_on_signals

        folders = [workspace] if workspace is not None else find_workspaces(workspaces)  # type: ignore[arg-type]
        choice = EngineChoice(engine, memory_limit=memory_limit, threads=threads)
        choice.options()  # a bad option stops the watch before its first cycle, not in every cycle
        watcher = Watcher(folders, parse_duration(every), os.environ, engine=choice, history_url=history_url,
                          alerts=not no_alerts, pull=None if no_pull else connector_pull(os.environ), say=_say)
        last: list[Any] = []
        with stop_on_signals(watcher.stop, _note):
            ran = watcher.run(cycles=cycles, on_cycle=lambda _n, results: last.__setitem__(slice(None), results))
        failures = [r.failure for r in last if r.failure is not None]
        return ran, exit_code(failures) if failures and cycles is not None else 0

    done, code = guard(go)
    _note(f"watch: stopped after {done} cycle(s)")
    if code:  # --cycles N (cron, a systemd timer): the last cycle's failure is the process's, as batch's is
        raise typer.Exit(code)


def _say(line: str) -> None:
    """A cycle line: it quotes receivers' answers and error texts, so escapes and control characters go."""
    out.print(clean(line), markup=False, highlight=False, soft_wrap=True)


def _note(line: str) -> None:
    err.print(clean(line), markup=False, highlight=False)
