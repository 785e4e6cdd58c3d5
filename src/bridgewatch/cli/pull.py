"""`pull`: fetch every API source of a workspace into its pages, with a progress bar per source."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from bridgewatch.cli.app import EXIT_STALE, WorkspaceOpt, app, err, guard, out
from bridgewatch.report.safe import plain


class BarProgress:
    """A rich progress line per source: records, pages and rate-limit waits."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}
        self.counts: dict[str, list[float]] = {}

    def start(self, source: str, resources: list[str]) -> None:
        self.counts[source] = [0, 0, 0, 0.0]
        self.tasks[source] = self.progress.add_task(source, total=None, status=", ".join(resources))

    def page(self, source: str, resource: str, records: int) -> None:
        c = self.counts[source]
        c[0] += records
        c[1] += 1
        self._show(source, resource)

    def waited(self, source: str, seconds: float, reason: str) -> None:
        c = self.counts[source]
        c[2] += 1
        c[3] += seconds
        self._show(source, f"waiting {seconds:.1f} s ({reason})")

    def done(self, outcome: Any) -> None:
        task = self.tasks.get(outcome.source)
        if task is not None:
            self.progress.update(task, total=1, completed=1, status="done" if outcome.ok else "FAILED")

    def _show(self, source: str, doing: str) -> None:
        records, pages, waits, waited = self.counts[source]
        self.progress.update(self.tasks[source], advance=1,
                             status=f"{records:,.0f} records, {pages:.0f} pages, {waits:.0f} rate-limit waits "
                                    f"({waited:.0f} s) - {doing}")


def summary_lines(report: Any) -> list[str]:
    """One line per source: what landed, or the error and what was kept."""
    lines = []
    for s in report.sources:
        if not s.ok:
            lines.append(f"{s.source:<20} FAILED  {s.error}")
            continue
        fetched = ", ".join(f"{r} {n:,} ({s.modes.get(r, '')})" for r, n in s.fetched.items())
        total = sum(s.totals.values())
        lines.append(f"{s.source:<20} ok      fetched {fetched}; {total:,} records on disk; {s.pages} pages, "
                     f"{s.waits} waits ({s.waited_seconds:.1f} s), {s.seconds:.1f} s")
        lines += [f"{'':<20} note    {s.reset}"] if s.reset else []
        lines += [f"{'':<20} note    {n}" for n in s.notes]
        lines += [f"{'':<20} warning {w}" for w in s.warnings]
    return lines


def run_pull(workspace: Any, source: str | None, full: bool, quiet: bool = False, summary: Any = None) -> Any:
    """Pull with a progress display on stderr; print the summary (stdout by default); return the report."""
    from bridgewatch.config import load_config
    from bridgewatch.connectors import pull_workspace

    load_config(workspace)  # a configuration error is said alone, before the progress display starts (its blank line)
    columns = (TextColumn("{task.description:<20}"), BarColumn(), TextColumn("{task.fields[status]}"),
               TimeElapsedColumn())
    with Progress(*columns, console=err, transient=False, disable=quiet) as bar:
        report = pull_workspace(workspace, source=source, full=full, environ=os.environ,
                                progress=BarProgress(bar))
    for line in summary_lines(report):
        (summary or out).print(escape(plain(line)), highlight=False, soft_wrap=True)  # one line, vendor text inert
    return report


def pull_before_run(workspace: Any) -> bool:
    """``run --pull``: pull every source (summary on stderr, stdout stays the result); True when all succeeded."""
    report = run_pull(workspace, None, False, summary=err)
    for s in report.failed:
        when = f"data pulled {s.pulled_at}" if s.pulled_at else "no data pulled yet"
        err.print(escape(plain(f"warning: computing with the previous data of source '{s.source}' ({when}): it "
                               f"is not fresh")), highlight=False)
    return not report.failed


@app.command()
def pull(workspace: WorkspaceOpt,
         source: Annotated[str | None, typer.Option("--source", help="Only this [sources.<name>] entry.")] = None,
         full: Annotated[bool, typer.Option("--full", help="Refetch everything instead of what changed since the "
                                                         "last pull.")] = False) -> None:
    """Fetch the workspace's API sources into their pages (incrementally); a failed source keeps its old data."""
    report = guard(lambda: run_pull(workspace, source, full))
    if report.failed:
        raise typer.Exit(EXIT_STALE)  # the failed sources' data is now stale (kept from their last pull)
