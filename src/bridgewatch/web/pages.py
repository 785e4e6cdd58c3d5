"""What each page shows, built from stored runs only: plain data for the templates, no HTML here.

Each builder takes the store of a workspace and the worklist index and returns a small dataclass.
Nothing computes a card: summaries come from the stored card runs, drills and pages from the
indexed stored worklist, evidence from the stored versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bridgewatch.cards import CARDS, Card
from bridgewatch.errors import LookupFailed
from bridgewatch.history import Store, StoredCardRun
from bridgewatch.history.store import FailedRun, not_counted
from bridgewatch.history.trends import Change, Trend, cause_counts, changes, trend
from bridgewatch.report.explanation import Explanation
from bridgewatch.web import charts, reads
from bridgewatch.web.formats import consequence
from bridgewatch.web.index import FILTERS, SORTS, Drills, Group, WorklistIndex
from bridgewatch.web.settings import ServedWorkspace

PAGE_SIZES = (25, 50, 100, 200)
_NOT_COMPARED = {"stale": "the data is stale", "no_data": "no data in the window"}
"""Why a run that moved no episode was not compared, by its freshness (else: it is a backfill)."""
SPARK_RUNS = 30
PICKER_RUNS = 50


@dataclass(frozen=True)
class Tile:
    """One workspace × card on the overview."""

    ws: ServedWorkspace
    card: Card
    latest: StoredCardRun | None
    spark: charts.Spark
    changes: tuple[Change, ...] = ()
    failed: FailedRun | None = None
    """The workspace's latest run, when it failed after ``latest`` was stored."""

    @property
    def summary(self) -> Mapping[str, Any]:
        return self.latest.summary if self.latest else {}

    @property
    def not_compared(self) -> str | None:
        """Why the latest run was compared with nothing (a stale or no-data run moves no episode, so it has no
        change against an earlier run: that is not 'no earlier run'); None when it was compared."""
        if self.latest is None or self.latest.moves_episodes:
            return None
        return _NOT_COMPARED.get(self.latest.freshness, "a backfill" if self.latest.backfill else
                                 self.latest.freshness.replace("_", " "))

    @property
    def state(self) -> str:
        """The alert state to show: ``unknown`` when the latest run failed, else the stored run's."""
        if self.failed is not None:
            return "unknown"
        return self.latest.alert_state if self.latest else "unknown"


@dataclass(frozen=True)
class CauseRow:
    id: str
    label: str
    action: str
    consequence: str
    group: Group


@dataclass(frozen=True)
class CardView:
    """The card page: a stored run's drills (filtered), its run picker and its top rows."""

    ws: ServedWorkspace
    card: Card
    stored: StoredCardRun
    runs: tuple[StoredCardRun, ...]
    filters: Mapping[str, str]
    options: Mapping[str, tuple[str, ...]]
    drills: Drills
    causes: tuple[CauseRow, ...]
    top: tuple[dict[str, Any], ...]

    @property
    def summary(self) -> Mapping[str, Any]:
        return self.stored.summary

    @property
    def filtered(self) -> bool:
        return bool(self.filters)

    def group(self, groups: tuple[Group, ...], key: str) -> Group:
        return next((g for g in groups if g.key == key), Group(key, 0, 0, 0))


@dataclass(frozen=True)
class WorklistView:
    """One page of a stored worklist."""

    ws: ServedWorkspace
    card: Card
    stored: StoredCardRun
    filters: Mapping[str, str]
    options: Mapping[str, tuple[str, ...]]
    sort: str
    reverse: bool
    page: int
    size: int
    total: int
    rows: tuple[dict[str, Any], ...]

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.page * self.size, self.total)


@dataclass(frozen=True)
class HistoryView:
    ws: ServedWorkspace
    card: Card
    runs: tuple[StoredCardRun, ...]
    older: int | None
    """Card run id to pass as ``before`` for the next (older) page, when there is one."""
    trend: Trend | None
    counts: charts.Bars
    causes: tuple[tuple[str, str, charts.Spark], ...]
    """(cause id, label, sparkline of its customers per run)."""
    ageing: charts.Bars
    fixes: charts.Bars


@dataclass(frozen=True)
class CustomerView:
    ws: ServedWorkspace
    card: Card
    stored: StoredCardRun
    customer_id: str
    explanations: tuple[Explanation, ...] = field(default_factory=tuple)


def card_of(ws: ServedWorkspace, card_id: str) -> Card:
    """The card ``card_id`` of a served workspace.

    Raises:
        LookupFailed: the workspace has no such card.
    """
    if card_id not in ws.cards or card_id not in CARDS:
        raise LookupFailed(f"Workspace '{ws.id}' has no card '{card_id}'.")
    return CARDS[card_id]


def stored_run(store: Store, ws: ServedWorkspace, card: Card, run_id: str | None,
               recent: list[StoredCardRun] | None = None) -> StoredCardRun | None:
    """The card's stored run ``run_id`` (the latest when None: the newest as-of; None when the card has never been
    stored), taken from ``recent`` (its latest runs, latest first: ``Store.recent``) when it is there.

    Raises:
        LookupFailed: no stored run ``run_id`` with this card.
    """
    if not run_id and recent is None:
        return store.latest(ws.id, card.id)
    if not run_id:
        return recent[0] if recent else None
    found = next((r for r in recent or () if r.run_id == run_id), None)
    return found or store.run(ws.id, run_id, card=card.id)[0]


def failure_after(failed: FailedRun | None, stored: StoredCardRun | None) -> FailedRun | None:
    """``failed`` (the workspace's latest failed run) when it came after ``stored``'s run, else None."""
    return failed if failed is not None and failed.newer_than(stored) else None


def tiles(store: Store, ws: ServedWorkspace) -> list[Tile]:
    """The overview tiles of one workspace: latest run, change vs prior run and 7 days, sparkline."""
    out = []
    failed = store.latest_failure(ws.id, live_only=True)  # a failed backfill leaves the live state as it was
    for card_id in ws.cards:
        recent = store.recent(ws.id, card_id, limit=SPARK_RUNS)
        spark = _spark([(r, r.count) for r in reversed(recent)])
        latest = recent[0] if recent else None
        moved = tuple(changes(store, latest)) if latest else ()
        out.append(Tile(ws, CARDS[card_id], latest, spark, moved, failure_after(failed, latest)))
    return out


def states(store: Store, ws: ServedWorkspace) -> list[Tile]:
    """Each card's latest stored run and alert state (the alerts page): one short read per card, no trend."""
    failed = store.latest_failure(ws.id, live_only=True)  # a failed backfill leaves the live state as it was
    out = []
    for card_id in ws.cards:
        latest = store.latest(ws.id, card_id)
        out.append(Tile(ws, CARDS[card_id], latest, charts.sparkline([]), (), failure_after(failed, latest)))
    return out


def clean_filters(values: Mapping[str, str | None]) -> dict[str, str]:
    return {k: v for k in FILTERS if (v := (values.get(k) or "").strip())}


def filter_options(drills: Drills, card: Card) -> dict[str, tuple[str, ...]]:
    """The values each filter can take in a run (every cause of the card, the others as found)."""
    return {"cause": card.cause_ids, "segment": tuple(sorted(str(g.key) for g in drills.by_segment)),
            "entity": tuple(sorted(str(g.key) for g in drills.by_entity)),
            "platform": tuple(sorted(str(g.key) for g in drills.by_platform))}


def card_view(store: Store, index: WorklistIndex, ws: ServedWorkspace, card: Card, stored: StoredCardRun,
              filters: Mapping[str, str], *, recent: list[StoredCardRun], top: int = 10) -> CardView:
    """``recent``: the card's latest ``PICKER_RUNS`` stored runs (the run picker), latest first."""
    drills = index.drills(store, stored, filters)
    options = filter_options(index.drills(store, stored) if filters else drills, card)
    causes = tuple(CauseRow(c.id, c.label, c.action, consequence(c.id, card.id), _group(drills.by_cause, c.id))
                   for c in card.causes)
    entries, _ = index.page(store, stored, filters=filters, limit=top)
    runs = tuple(recent)
    if stored.id not in {r.id for r in runs}:
        runs = (stored, *runs)
    return CardView(ws, card, stored, runs, filters, options, drills, causes,
                    tuple(reads.rows(store, stored, entries)))


def worklist_view(store: Store, index: WorklistIndex, ws: ServedWorkspace, card: Card, stored: StoredCardRun,
                  filters: Mapping[str, str], *, sort: str, reverse: bool, page: int, size: int) -> WorklistView:
    """Raises: LookupFailed: an unknown sort or page size."""
    if sort not in SORTS or size not in PAGE_SIZES:
        raise LookupFailed(f"Unknown sort '{sort}' or page size {size}; sorts: {', '.join(SORTS)}; sizes: "
                           f"{', '.join(map(str, PAGE_SIZES))}.")
    page = max(page, 1)
    entries, total = index.page(store, stored, filters=filters, sort=sort, reverse=reverse, limit=size,
                                offset=(page - 1) * size)
    last = max((total + size - 1) // size, 1)
    if page > last:  # past the end (e.g. an old link after filtering): show the last page
        page = last
        entries, total = index.page(store, stored, filters=filters, sort=sort, reverse=reverse, limit=size,
                                    offset=(page - 1) * size)
    options = filter_options(index.drills(store, stored), card)
    return WorklistView(ws, card, stored, filters, options, sort, reverse, page, size, total,
                        tuple(reads.rows(store, stored, entries)))


def customer_view(store: Store, index: WorklistIndex, ws: ServedWorkspace, card: Card, stored: StoredCardRun,
                  customer_id: str) -> CustomerView:
    """Every worklist entry the id names (account, customer or company id), or why the run did not count it."""
    found = index.locate(store, stored, customer_id)
    explained = [reads.explanation(store, stored, entry) for entry in found]
    return CustomerView(ws, card, stored, customer_id, tuple(explained or [not_counted(stored, customer_id)]))


def history_view(store: Store, index: WorklistIndex, ws: ServedWorkspace, card: Card, *, before: int | None,
                 limit: int = 30) -> HistoryView:
    runs = store.history(ws.id, card=card.id, before=before, limit=limit + 1)
    older = runs[limit - 1].id if len(runs) > limit else None
    runs = runs[:limit]
    newest = runs[:SPARK_RUNS] if before is None and limit >= SPARK_RUNS else None  # already read: no second read
    found = trend(store, ws.id, card.id, limit=SPARK_RUNS, recent=newest)
    oldest_first = sorted(runs, key=lambda r: (r.as_of, r.id))  # in time: a backfill stored last is not the newest
    counts = charts.columns([(r.run_id, _counted(r, r.count), _note(r)) for r in oldest_first])
    per_cause = tuple((c.id, c.label, _spark([(r, cause_counts(r).get(c.id, 0)) for r in oldest_first]))
                      for c in card.causes)
    latest = found.latest if found else None
    ageing = charts.rows(index.ageing(store, latest) if latest else [])
    fixes = charts.rows(list(found.time_to_fix.items()) if found else [])
    return HistoryView(ws, card, tuple(runs), older, found, counts, per_cause, ageing, fixes)


def _note(run: StoredCardRun) -> str:
    """What a chart says beside a run's value: why it was not counted (stale or no data), or that it is a backfill
    (counted as of its own past time) or ahead of the clock (its as-of later than the clock that stored it); empty
    for a live fresh run."""
    if run.freshness != "fresh":
        return "not counted: " + ("no data" if run.freshness == "no_data" else "stale data")
    return ", ".join(said for flag, said in ((run.backfill, "backfill"), (run.ahead, "ahead of the clock")) if flag)


def _counted(run: StoredCardRun, value: int) -> int | None:
    """``value`` for a fresh run; None (a gap) for a stale or no-data run, whose counts cannot be believed and
    whose 0 would read as an all-clear (as ``trends.Trend.by_cause`` says)."""
    return value if run.freshness == "fresh" else None


def _spark(points: list[tuple[StoredCardRun, int]]) -> charts.Spark:
    """A sparkline of (run, value) oldest first: gaps for the runs not counted, backfills marked."""
    return charts.sparkline([_counted(r, v) for r, v in points], notes=[_note(r) for r, _ in points])


def _group(groups: tuple[Group, ...], key: str) -> Group:
    return next((g for g in groups if g.key == key), Group(key, 0, 0, 0))

