"""One monitored run of a workspace: compute its cards, store the run, hand back what to show.

``bridgewatch run`` and (later) ``bridgewatch watch`` share this: with a store, the results shown
are read back from the store after saving, so what a user sees now is exactly what ``bridgewatch
show`` prints for this run later; without one, they stream from the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bridgewatch.config import naive_utc
from bridgewatch.engine import Engine
from bridgewatch.report.output import ResultView
from bridgewatch.report.result import iso
from bridgewatch.report.words import DEFAULT_LOCALE, locale_for
from bridgewatch.results import CardRun, Run, compute
from bridgewatch.results.run import PullProblems
from bridgewatch.workspace import Workspace

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only by a run that stores: `run --no-store` never needs it
    from bridgewatch.history import Store, StoredCardRun


@dataclass
class Monitored:
    """A computed run of one workspace, its stored card runs (when stored) and the views to show."""

    run: Run
    stored: list[StoredCardRun]
    views: list[ResultView]


def run_workspace(ws: Workspace, *, engine: Engine, store: Store | Callable[[], Store] | None = None,
                  cards: Sequence[str] | None = None, as_of: datetime | None = None,
                  pull_problems: PullProblems | None = None) -> Monitored:
    """Compute ``ws`` on ``engine`` and, with a ``store``, save the run (the views then read the store).

    ``store`` may also be a function giving the store, called once the run is computed (``bridgewatch run``
    opens its store beside the computing, then waits for it). API sources whose last pull failed make the
    result stale (``source_problems``) unless the caller passes its own ``pull_problems``.
    """
    run = compute([ws], engine=engine, cards=cards, as_of=as_of, pull_problems=pull_problems or source_problems)
    locale = workspace_locale(ws)
    if store is None:
        return Monitored(run, [], [live_view(r) for r in run.results])
    if callable(store):
        store = store()
    stored = store.save(run)
    return Monitored(run, stored, [shown_view(store, s, r, locale) for s, r in zip(stored, run.results, strict=True)])


def shown_view(store: Store, stored: StoredCardRun, result: CardRun, locale: str = DEFAULT_LOCALE) -> ResultView:
    """What to show of a run just stored: read back from the store, except a stale, no-data or backfill card
    run's worklist, which the store does not keep (it moves no episode), so it streams from the engine."""
    if stored.moves_episodes:
        return stored_view(store, stored, locale)
    return ResultView(stored.card_summary(), live_view(result).rows, locale)


def source_problems(ws: Workspace, as_of: datetime) -> list[str]:
    """In words, each API source whose data is not from a successful last pull (failed, interrupted, never), or
    whose last successful pull is more than ``max_age_hours`` before ``as_of`` (naive UTC): scheduled pulls that
    stopped leave data that looks complete but describes another time (an ERP master without the customers
    created since reads them as absent)."""
    if not any(spec.api is not None for spec in ws.config.sources.values()):
        return []
    from bridgewatch.connectors import pull_status

    max_age = ws.config.workspace.max_age_hours
    statuses = pull_status(ws.config.root, ws.config).values()
    return [_pull_problem(s) if s.stale else _pull_age(s, as_of, max_age) for s in statuses
            if s.stale or _pulled_before(s, as_of, max_age)]


def _pulled_before(status: Any, as_of: datetime, max_age: int) -> bool:
    return status.last_success is not None and naive_utc(status.last_success) < as_of - timedelta(hours=max_age)


def _pull_age(status: Any, as_of: datetime, max_age: int) -> str:
    pulled = naive_utc(status.last_success)
    hours = int((as_of - pulled).total_seconds() // 3600)
    return (f"source {status.source}: last pulled {iso(pulled)}, {hours} hours before the as-of time ({iso(as_of)}), "
            f"more than max_age_hours = {max_age}: its data may be out of date (run bridgewatch pull, or check the "
            f"schedule that runs it)")


def _pull_problem(status: Any) -> str:
    if status.state == "running":
        had = (f"its data is from the pull of {_when(status.last_success)}" if status.last_success is not None
               else "nothing was pulled before")
        return (f"source {status.source}: a pull is running now (started {_when(status.last_attempt)}); {had}; run "
                f"again when it ends")
    if status.last_success is None:
        return (f"source {status.source}: never pulled successfully ({status.last_error or status.state}); "
                f"run bridgewatch pull")
    return (f"source {status.source}: the last pull {status.state} ({status.last_error or 'no error recorded'}); "
            f"its data is from the pull of {_when(status.last_success)}")


def _when(ts: datetime | None) -> str | None:
    return iso(naive_utc(ts)) if ts is not None else None


def workspace_locale(ws: Workspace) -> str:
    return locale_for(ws.config.workspace.home_country, ws.config.workspace.locale)


def live_view(result: CardRun) -> ResultView:
    """A result streamed from the engine (valid while the engine holds the run)."""
    def rows(limit: int | None) -> Iterator[dict[str, Any]]:
        return iter(result.worklist.head(limit)) if limit is not None else iter(result.worklist)

    return ResultView(result.summary, rows, workspace_locale(result.workspace))


def stored_view(store: Store, stored: StoredCardRun, locale: str = DEFAULT_LOCALE) -> ResultView:
    """A stored result, read back exactly as it was stored."""
    def rows(limit: int | None) -> Iterator[dict[str, Any]]:
        return store.rows(stored, limit=limit)

    return ResultView(stored.card_summary(), rows, locale)
