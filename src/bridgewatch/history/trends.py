"""History readouts: a card's trend over runs, against the prior run and against a week earlier,
how long cleared customers took to fix, and each cause's count over time.

Everything is read from the store (card runs and episodes); nothing is recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from statistics import median
from typing import Any

from sqlalchemy import Connection, and_, false, func, or_, select

from bridgewatch.history.database import guarded
from bridgewatch.history.schema import card_runs, episodes
from bridgewatch.history.store import (
    LATEST_FIRST,
    Store,
    StoredCardRun,
    _card_runs_query,
    _stored,
    first_seen_runs,
    latest_card_run,
)

FIX_BUCKETS = ((1, "under 1 day"), (3, "1–3 days"), (7, "3–7 days"), (14, "1–2 weeks"), (30, "2–4 weeks"),
               (None, "over 4 weeks"))
"""Time-to-fix buckets (upper bound in days, label)."""


@dataclass(frozen=True)
class Change:
    """How the absent set moved between two runs of a card."""

    since: str
    """``prior run`` or ``7 days earlier``."""
    then_run_id: str | None
    then_count: int | None
    new: int
    cleared: int
    still_absent: int
    returned: int


@dataclass(frozen=True)
class Trend:
    """The history readout of one card of a workspace, as of its latest stored run."""

    card: str
    latest: StoredCardRun
    changes: list[Change]
    time_to_fix: dict[str, int]
    """Cleared absences by how long they lasted."""
    median_days_to_fix: float | None
    by_cause: list[dict[str, Any]] = field(default_factory=list)
    """Per stored run (last stored first): run id, as-of, freshness and customers per cause (``causes`` None for a
    stale or no-data run: its counts cannot be believed, and a no-data run's zeros are no all-clear)."""

    def to_dict(self) -> dict[str, Any]:
        return {"card": self.card, "run_id": self.latest.run_id, "count": self.latest.count,
                "changes": [vars(c) for c in self.changes], "time_to_fix": self.time_to_fix,
                "median_days_to_fix": self.median_days_to_fix, "by_cause": self.by_cause}


def trend(store: Store, workspace_id: str, card: str, *, limit: int = 20,
          recent: list[StoredCardRun] | None = None) -> Trend | None:
    """The readout for ``card`` as of its latest fresh run (the newest as-of: a backfill stored later is not
    newer; None when it has none).

    Stale, no-data and backfill runs open and close no episodes, so they are skipped: new, cleared and
    the week-earlier comparison are between the runs that moved the episodes only. ``recent``: the
    card's last stored runs (stored last first) when the caller has already read them, for the causes
    over time.
    """
    if recent is None:
        recent = store.history(workspace_id, card=card, limit=limit)
    with guarded(store.url, "read the trend"), store.engine.connect() as conn:
        latest = latest_card_run(conn, workspace_id, card, fresh_only=True)
        if latest is None:
            return None
        found = _changes(conn, latest)
        fixes = _fix_days(conn, latest)
    return Trend(card, latest, found, _buckets(fixes), median(fixes) if fixes else None,
                 [_causes(r) for r in recent])


def changes(store: Store, latest: StoredCardRun) -> list[Change]:
    """How ``latest`` moved against the prior run and (when there is one) the run 7 days earlier: the part of
    :func:`trend` an overview needs, without reading every cleared absence for the time to fix.

    None of either for a card run that moved no episode (stale, no data or a backfill): it was compared with
    nothing, so there is no change to show (not a change of zero)."""
    if not latest.moves_episodes:
        return []
    if latest.previous_id is None:
        return [_prior(latest)]  # no earlier run: nothing 7 days back either
    with guarded(store.url, "read the change"), store.engine.connect() as conn:
        return _changes(conn, latest)


def _changes(conn: Connection, latest: StoredCardRun) -> list[Change]:
    week = _at_or_before(conn, latest, timedelta(days=7))
    return [_prior(latest)] + ([_between(conn, week, latest, "7 days earlier")] if week else [])


def _prior(latest: StoredCardRun) -> Change:
    previous = latest.summary.get("previous_run_id")
    new, cleared, still, returned = (latest.new or 0, latest.cleared or 0, latest.still_absent or 0,
                                     latest.returned or 0)  # set: only a run that moved episodes gets here
    return Change("prior run", previous, latest.count - new + cleared if previous else None, new, cleared, still,
                  returned)


def _at_or_before(conn: Connection, latest: StoredCardRun, back: timedelta) -> StoredCardRun | None:
    row = conn.execute(_card_runs_query().where(
        card_runs.c.workspace_id == latest.workspace_id, card_runs.c.card == latest.card,
        card_runs.c.as_of <= latest.as_of - back, card_runs.c.id < latest.id, card_runs.c.freshness == "fresh",
        card_runs.c.backfill == false())  # a backfill's id marks the episodes as they were when it was stored
        .order_by(*LATEST_FIRST).limit(1)).first()
    return _stored(row) if row else None


def _open_at(run_id: int) -> Any:
    return and_(episodes.c.first_card_run <= run_id,
                or_(episodes.c.cleared_card_run.is_(None), episodes.c.cleared_card_run > run_id))


def _between(conn: Connection, then: StoredCardRun, now: StoredCardRun, since: str) -> Change:
    """New, cleared, still-absent and returned between two runs, from the episodes open at each."""
    base = and_(episodes.c.workspace_id == now.workspace_id, episodes.c.card == now.card)

    def count(*where: Any) -> int:
        return int(conn.execute(select(func.count()).select_from(episodes).where(base, *where)).scalar_one())

    new = count(_open_at(now.id), episodes.c.first_card_run > then.id)
    returned = count(_open_at(now.id), episodes.c.first_card_run > then.id, episodes.c.returned)
    still = count(_open_at(now.id), episodes.c.first_card_run <= then.id)
    cleared = count(_open_at(then.id), episodes.c.cleared_card_run <= now.id)
    return Change(since, then.run_id, then.count, new, cleared, still, returned)


def _fix_days(conn: Connection, latest: StoredCardRun) -> list[float]:
    """Days from first seen to cleared of each absence cleared up to ``latest``. First seen as the rows say it
    (:func:`~bridgewatch.history.store.first_seen_runs`): an absence a run ahead of the clock opened and the next
    live run cleared was fixed in no time, not in a negative one."""
    first, cleared = first_seen_runs(latest.workspace_id, latest.card, latest.id), card_runs.alias("cleared")
    rows = conn.execute(select(first.c.as_of, cleared.c.as_of)
                        .join(first, first.c.id == episodes.c.first_card_run)
                        .join(cleared, cleared.c.id == episodes.c.cleared_card_run)
                        .where(episodes.c.workspace_id == latest.workspace_id, episodes.c.card == latest.card,
                               episodes.c.cleared_card_run <= latest.id)).all()
    return sorted(round((c - f).total_seconds() / 86400, 2) for f, c in rows)


def _buckets(days: list[float]) -> dict[str, int]:
    out = {label: 0 for _, label in FIX_BUCKETS}
    for d in days:
        label = next(label for bound, label in FIX_BUCKETS if bound is None or d < bound)
        out[label] += 1
    return out


def _causes(run: StoredCardRun) -> dict[str, Any]:
    return {"run_id": run.run_id, "as_of": run.summary["as_of"], "freshness": run.freshness,
            "causes": cause_counts(run) if run.freshness == "fresh" else None}


def cause_counts(run: StoredCardRun) -> dict[str, int]:
    """Customers per cause in a stored run (its summary's ``by_cause``), as in :attr:`Trend.by_cause`."""
    return {b["cause"]: int(b["customers"]) for b in run.summary.get("by_cause", ())}
