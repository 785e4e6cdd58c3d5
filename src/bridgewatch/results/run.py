"""``compute``: run cards over workspaces on an engine and hand back summaries and worklist handles.

The returned :class:`Run` keeps the engine it ran on: its worklists stream from that engine, so
read or store them before the run is closed. A run that opened its own engine closes it on
``close()`` (it is a context manager).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from bridgewatch.cards import Card
from bridgewatch.engine import Engine, get_engine
from bridgewatch.errors import BridgewatchError
from bridgewatch.report.result import CardResult, CardSummary, CustomerRow, Freshness, RunInfo
from bridgewatch.results.pipeline import run_pipeline
from bridgewatch.results.summary import PassReader, read_freshness, read_summary
from bridgewatch.results.worklist import Worklist
from bridgewatch.workspace import Workspace, resolve_as_of

PullProblems = Callable[[Workspace, datetime], Sequence[str]]
"""Given a workspace and its aligned as-of time, in words, each source whose data cannot be trusted as current."""
"""Given a workspace, the sources that could not be refreshed (in words); they make its result stale."""


@dataclass
class CardRun:
    """One card's result for one workspace: the summary (computed in SQL) and the worklist handle."""

    card: Card
    workspace: Workspace
    summary: CardSummary
    worklist: Worklist

    def with_info(self, info: RunInfo) -> CardRun:
        """The same result placed in the workspace's history (see ``Store.save``)."""
        self.summary = _replace_run(self.summary, info)
        return self

    def collect(self) -> CardResult:
        """Summary and every worklist row in memory: for tests and small workspaces, never for big runs."""
        rows = tuple(self.worklist)
        return CardResult(self.summary, tuple(CustomerRow.from_dict(r) for r in rows), rows)


@dataclass
class Run:
    """The results of one pass: a :class:`CardRun` per (workspace, card), and the workspaces that failed."""

    engine: Engine
    results: list[CardRun] = field(default_factory=list)
    errors: dict[str, BridgewatchError] = field(default_factory=dict)
    workspaces: list[Workspace] = field(default_factory=list)
    started_at: datetime = field(default_factory=lambda: _now())
    finished_at: datetime | None = None
    owns_engine: bool = False
    as_of: dict[str, datetime] = field(default_factory=dict)
    """Each workspace's as-of time (naive UTC) as the run resolved it: asked (``as_of``), configured, else the clock;
    known for a workspace that failed too (``Store.save`` records its failure as of it)."""

    def for_workspace(self, workspace_id: str) -> list[CardRun]:
        return [r for r in self.results if r.workspace.id == workspace_id]

    def __iter__(self) -> Iterator[CardRun]:
        return iter(self.results)

    def close(self) -> None:
        """Close the engine if this run opened it (worklists cannot be read afterwards)."""
        if self.owns_engine:
            self.engine.close()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def compute(workspaces: Sequence[Workspace] | Workspace, *, engine: Engine | None = None,
            cards: Sequence[str] | None = None, as_of: datetime | None = None,
            on_error: Literal["raise", "collect"] = "raise", pull_problems: PullProblems | None = None) -> Run:
    """Compute every requested (or configured) card of every workspace in one SQL pass.

    Args:
        workspaces: loaded workspaces (``load_workspace``), or one.
        engine: an open engine; without one, an in-memory DuckDB engine is opened and owned by the run.
        cards: card ids to compute instead of each workspace's configured cards.
        as_of: the aligned as-of time for every workspace (default: its configured as-of, else now).
        on_error: ``raise`` the first workspace error (default), or ``collect`` them in ``Run.errors``.
        pull_problems: per workspace and its as-of time, the sources that could not be refreshed or were last
            refreshed too long before it (their results become stale).

    Raises:
        BridgewatchError: with ``on_error="raise"``, the first workspace that could not be computed.
    """
    listed = [workspaces] if isinstance(workspaces, Workspace) else list(workspaces)
    run = Run(engine or get_engine("duckdb"), workspaces=listed, owns_engine=engine is None,
              as_of={ws.id: resolve_as_of(ws.config, as_of) for ws in listed})
    try:
        chosen, run.errors = run_pipeline(run.engine, listed, cards=cards, as_of=as_of, resolved=run.as_of)
        if run.errors and on_error == "raise":
            raise next(iter(run.errors.values()))
    except BaseException:
        run.close()
        raise
    read = PassReader(run.engine)  # each summary query once for the pass's workspaces
    for ws in listed:
        if ws.id not in run.errors:
            run.results += _card_runs(read, ws, chosen[ws.id], read_freshness(read, ws, pull_problems))
    run.finished_at = _now()
    return run


def collect(workspaces: Sequence[Workspace] | Workspace, **options: Any) -> list[CardResult]:
    """``compute`` with every result held in memory (summary and rows): for tests and small workspaces only."""
    with compute(workspaces, **options) as run:
        return [r.collect() for r in run.results]


def _card_runs(read: PassReader, ws: Workspace, cards: Sequence[Card], freshness: Freshness) -> list[CardRun]:
    return [CardRun(card, ws, read_summary(read, card, ws, freshness), Worklist(read.engine, card, ws.id))
            for card in cards]


def _replace_run(summary: CardSummary, info: RunInfo) -> CardSummary:
    from dataclasses import replace

    return replace(summary, run=info)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
