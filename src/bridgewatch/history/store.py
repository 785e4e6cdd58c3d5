"""The run store: every run remembered, read back exactly as it was, without recomputing anything.

``open_store`` opens (and migrates) the store of a workspace; ``Store.save`` writes a computed run
in one transaction per workspace, under the workspace's write lock; the read methods return stored
summaries, worklists (ranked as they were, with how long each customer has been absent) and one
customer's evidence.

"Latest" has one meaning everywhere (``show``, ``explain``, ``history``, the alerts, the dashboard):
the stored card run with the newest as-of, ties by the order stored (:data:`LATEST_FIRST`,
:func:`latest_card_run`). A backfill (``run --as-of`` a past date) is stored after the live run but
is not newer, so it never stands for the workspace's present. The history itself (new, cleared,
previous run) follows the order runs are stored.

A card run whose as-of is later than the clock (more than :data:`CLOCK_TOLERANCE`) when it, or any run after
it, is stored is *ahead*: made while the host clock ran ahead, or asked for a future as-of. It is flagged when
that is seen, and from then on it is never the latest (while another run is), and a run after it is not a
backfill for being older than it: one run from a wrong clock cannot freeze the live state until real time
catches up. It stays in the history, and the episodes it moved stay moved (they follow the order stored).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, and_, false, func, insert, or_, select, true, update

from bridgewatch.config import WorkspaceConfig, load_config, naive_utc
from bridgewatch.errors import LookupFailed
from bridgewatch.fingerprint import combined, config_fingerprint, input_fingerprint
from bridgewatch.history.database import connect, guarded, lock_workspace, shown, writing
from bridgewatch.history.location import store_url
from bridgewatch.history.save import Diff, count_open, mark_returned, save_card
from bridgewatch.history.schema import card_runs, episode_versions, episodes, runs
from bridgewatch.model.money import to_stored
from bridgewatch.report.explanation import Explanation
from bridgewatch.report.result import CardSummary, RunInfo, iso
from bridgewatch.results.run import CardRun, Run
from bridgewatch.workspace import Workspace


@dataclass(frozen=True)
class StoredCardRun:
    """One card of one stored run (its summary as stored, and where it sits in the history)."""

    id: int
    run_id: str
    workspace_id: str
    card: str
    as_of: datetime
    count: int
    alert_state: str
    freshness: str
    new: int | None
    """Customers counted now and not in the previous run; None (as ``cleared``, ``returned`` and ``still_absent``)
    for a card run that moved no episode (stale, no data or a backfill): it was not compared, which is no zero."""
    cleared: int | None
    returned: int | None
    still_absent: int | None
    previous_id: int | None
    summary: dict[str, Any]
    run_pk: int
    """The primary key of its run (runs are numbered in the order they were stored, failed ones too)."""
    backfill: bool = False
    """Its as-of time is older than a fresh run already stored for the card: it moved no episode."""
    ahead: bool = False
    """Its as-of was later than the clock when it or a later run was stored (a clock that ran ahead, a future
    as-of): never the latest while another card run is (:data:`LATEST_FIRST`)."""

    @property
    def moves_episodes(self) -> bool:
        """True when this card run opened and closed absence episodes (and so keeps its worklist): a fresh
        run that is not a backfill. A stale or no-data run says nothing about who was fixed; a backfill
        comes after the history it would rewrite."""
        return self.freshness == "fresh" and not self.backfill

    def card_summary(self) -> CardSummary:
        return CardSummary.from_dict(self.summary)

    def to_dict(self) -> dict[str, Any]:
        """The ``bridgewatch history --format json`` entry."""
        return {"run_id": self.run_id, "card": self.card, "as_of": iso(self.as_of), "count": self.count,
                "alert_state": self.alert_state, "freshness": self.freshness, "new": self.new,
                "cleared": self.cleared, "returned": self.returned, "still_absent": self.still_absent,
                "backfill": self.backfill, "ahead": self.ahead}


class Store:
    """A connection to the run store at ``url`` (SQLite or PostgreSQL), migrated on open (``read_only``: opened
    to read only, never created or migrated: ``history``, ``show``, ``explain`` from the store, the dashboard)."""

    def __init__(self, url: str, *, read_only: bool = False, no_store: bool | None = None) -> None:
        self.url = url
        offered = not read_only if no_store is None else no_store  # whether the command has --no-store
        self.engine: Engine = connect(url, read_only=read_only, no_store=offered)

    def __repr__(self) -> str:
        return f"Store({shown(self.url)!r})"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------------

    def save(self, run: Run, *, engine_name: str | None = None) -> list[StoredCardRun]:
        """Store every workspace of ``run`` (one transaction each); the results gain their ``RunInfo``.

        A workspace the run could not compute (``run.errors``, ``compute(..., on_error="collect")``) is stored
        as a failed run, as ``bridgewatch run`` and ``batch`` store theirs: the store then says the monitor is
        blind for it from this run on, instead of still showing its last good run as the present; as of the time the
        run resolved for it (``Run.as_of``), so a failed workspace of a backfill is a failed backfill."""
        stored = []
        name = engine_name or run.engine.dialect.name
        for ws in run.workspaces:
            if ws.id in run.errors:
                self.record_failure(ws.config, str(run.errors[ws.id]), started_at=run.started_at, engine_name=name,
                                    as_of=run.as_of.get(ws.id))
                continue
            results = run.for_workspace(ws.id)
            if results:
                stored += self.save_workspace(ws, results, started_at=run.started_at, finished_at=run.finished_at,
                                              engine_name=name)
        return stored

    def record_failure(self, config: WorkspaceConfig, error: str, *, started_at: datetime,
                       engine_name: str, as_of: datetime | None = None) -> str:
        """Remember a run that failed (the alerts read it as 'the monitor is blind'); returns its run id.

        ``as_of``: the as-of the run was asked for (``--as-of``; else the workspace's ``as_of``, else now). A run
        asked for an as-of older than the newest live card run stored is a failed *backfill*: it is kept (``history``
        lists it) but says nothing about the live state, so the alerts do not go blind for it."""
        run_id = _run_id(started_at)
        with guarded(self.url, "record a failed run", no_store=True), writing(self.engine) as conn:
            lock_workspace(conn, config.id)
            flag_ahead(conn, config.id, _clock())
            conn.execute(insert(runs).values(run_id=run_id, workspace_id=config.id, started_at=started_at,
                                             finished_at=started_at, status="failed", engine=engine_name,
                                             version=_version(), config_fingerprint=config_fingerprint(config),
                                             error=error, backfill=_backfill(conn, config, as_of)))
        return run_id

    def save_workspace(self, ws: Workspace, results: Sequence[CardRun], *, started_at: datetime,
                       finished_at: datetime | None, engine_name: str) -> list[StoredCardRun]:
        """Store one workspace's card results (still readable on their engine) as one run, in one transaction."""
        inputs = input_fingerprint(ws.config.root, [f.file for f in ws.accounting.files] + _staged_files(ws))
        run_id = _run_id(started_at)
        with guarded(self.url, f"save the run of workspace '{ws.id}'", no_store=True), writing(self.engine) as conn:
            lock_workspace(conn, ws.id)
            clock = _clock()
            flag_ahead(conn, ws.id, clock)
            run_pk = conn.execute(insert(runs).values(
                run_id=run_id, workspace_id=ws.id, started_at=started_at, finished_at=finished_at,
                status="ok", engine=engine_name, version=_version(), config_fingerprint=config_fingerprint(ws.config),
                input_fingerprint=combined(inputs), inputs=json.dumps(inputs),
                ingest=json.dumps(ws.accounting.to_record(), default=str),
                ingest_warnings=json.dumps(ws.accounting.warnings_record())).returning(runs.c.id)).scalar_one()
            return [self._save_card(conn, result, run_pk, run_id, clock) for result in results]

    def _save_card(self, conn: Connection, result: CardRun, run_pk: int, run_id: str,
                   clock: datetime) -> StoredCardRun:
        ws, card, s = result.workspace.id, result.card.id, result.summary
        last = _last_stored(conn, ws, card, moved_only=True)
        newest = _newest_live(conn, ws, card)  # not an ahead one: a wrong clock's as-of makes no later run a backfill
        backfill = s.freshness.status == "fresh" and newest is not None and s.as_of < newest
        fresh = s.freshness.status == "fresh" and not backfill
        previous = last if fresh else _last_stored(conn, ws, card, moved_only=False)
        cr_id = conn.execute(insert(card_runs).values(
            run_pk=run_pk, workspace_id=ws, card=card, as_of=s.as_of, count=s.count, alert_state=s.alert.state,
            freshness=s.freshness.status, blocked_e4=to_stored(s.blocked_value_reporting), new=0, cleared=0,
            returned=0, still_absent=0, previous_id=previous.id if previous else None, summary="{}",
            backfill=backfill, ahead=s.as_of > clock + CLOCK_TOLERANCE).returning(card_runs.c.id)).scalar_one()
        # A stale or no-data run says nothing about who was fixed, and a backfill (an as-of older than
        # a run already stored) comes after the history it would rewrite: either card run is kept
        # (with its freshness) but the absence episodes are neither opened nor closed by it.
        diff = save_card(conn, result, cr_id) if fresh else Diff(0, 0, 0, 0)
        returned = mark_returned(conn, ws, card, cr_id) if fresh else 0
        still = count_open(conn, ws, card) - diff.new if fresh else 0
        # A card run that moved no episode was not compared with the previous one: its new / cleared / came back
        # / still absent are unknown (null in its JSON), never zeros beside a count that says otherwise.
        info = (RunInfo(run_id, previous.run_id if previous else None, diff.new, diff.cleared, returned, still)
                if fresh else RunInfo(run_id, previous.run_id if previous else None))
        result.with_info(info)
        summary = result.summary.to_dict()
        conn.execute(update(card_runs).where(card_runs.c.id == cr_id).values(
            new=diff.new, cleared=diff.cleared, returned=returned, still_absent=still,
            summary=json.dumps(summary, ensure_ascii=False)))
        return _stored(conn.execute(_card_runs_query().where(card_runs.c.id == cr_id)).one())

    # -- reading -----------------------------------------------------------------------------------

    def history(self, workspace_id: str, *, card: str | None = None, limit: int = 20,
                before: int | None = None) -> list[StoredCardRun]:
        """Stored card runs of a workspace, stored last first (``before``: a card run id, for older pages)."""
        query = _card_runs_query().where(card_runs.c.workspace_id == workspace_id)
        if card:
            query = query.where(card_runs.c.card == card)
        if before is not None:
            query = query.where(card_runs.c.id < before)
        with guarded(self.url, "read the history"), self.engine.connect() as conn:
            rows = conn.execute(query.order_by(card_runs.c.id.desc()).limit(limit)).all()
        return [_stored(r) for r in rows]

    def recent(self, workspace_id: str, card: str, *, limit: int = 20) -> list[StoredCardRun]:
        """A card's latest stored runs, latest first (:data:`LATEST_FIRST`: the newest as-of first, ties by the
        order stored), so the first is :meth:`latest`; :meth:`history` lists them in the order stored."""
        query = _card_runs_query().where(card_runs.c.workspace_id == workspace_id, card_runs.c.card == card)
        with guarded(self.url, "read the latest runs"), self.engine.connect() as conn:
            rows = conn.execute(query.order_by(*LATEST_FIRST).limit(limit)).all()
        return [_stored(r) for r in rows]

    def latest(self, workspace_id: str, card: str | None = None, *, fresh_only: bool = False
               ) -> StoredCardRun | None:
        """The latest stored card run of a workspace (of ``card`` when given; on fresh data only when
        ``fresh_only``): the newest as-of, ties by the order stored; None when there is none."""
        with guarded(self.url, "read the latest run"), self.engine.connect() as conn:
            return latest_card_run(conn, workspace_id, card, fresh_only=fresh_only)

    def latest_failure(self, workspace_id: str, *, live_only: bool = False) -> FailedRun | None:
        """The newest failed run of a workspace (compare it with a card run by ``FailedRun.newer_than``; with
        ``live_only``, of those that were not a backfill)."""
        with guarded(self.url, "read the failed runs"), self.engine.connect() as conn:
            return latest_failed(conn, workspace_id, live_only=live_only)

    def run(self, workspace_id: str, run_id: str | None = None, *, card: str | None = None) -> list[StoredCardRun]:
        """The card runs of one stored run (the latest, with ``card`` the latest that has it, when ``run_id`` is
        None), in card order.

        Raises:
            LookupFailed: no stored run (or no such run id / card in it).
        """
        query = _card_runs_query().where(card_runs.c.workspace_id == workspace_id)
        with guarded(self.url, "read a stored run"), self.engine.connect() as conn:
            if run_id is None:
                latest = latest_card_run(conn, workspace_id, card) or latest_card_run(conn, workspace_id)
                if latest is None:
                    raise LookupFailed(f"No stored run for workspace '{workspace_id}' in {shown(self.url)}. Run "
                                       f"`bridgewatch run -w <workspace>` first (without --no-store).")
                run_id = latest.run_id
            found = [_stored(r) for r in conn.execute(query.where(runs.c.run_id == run_id)
                                                        .order_by(card_runs.c.id)).all()]
            if not found:
                _no_cards_because_failed(conn, workspace_id, run_id)
        return _pick(found, workspace_id, run_id, card)

    def failed_runs(self, workspace_id: str, *, limit: int = 20, after: StoredCardRun | None = None,
                    live_only: bool = False) -> list[FailedRun]:
        """The workspace's failed runs, newest first (only those newer than ``after``'s run when given; with
        ``live_only``, only those that were not a backfill)."""
        query = _failed_query(workspace_id, live_only=live_only)
        if after is not None:
            query = query.where(runs.c.id > after.run_pk)
        with guarded(self.url, "read the failed runs"), self.engine.connect() as conn:
            return [_failed_run(r) for r in conn.execute(query.limit(limit)).all()]

    def rows(self, stored: StoredCardRun, *, limit: int | None = None) -> Iterator[dict[str, Any]]:
        """The worklist of a stored card run as it was: ranked, with ``first_seen`` and ``days_absent``."""
        first = first_seen_runs(stored.workspace_id, stored.card, stored.id)
        query = (select(episode_versions.c.row, first.c.as_of.label("first_seen"))
                 .join(episodes, episodes.c.id == episode_versions.c.episode_id)
                 .join(first, first.c.id == episodes.c.first_card_run)
                 .where(*_valid_at(stored))
                 .order_by(episode_versions.c.blocked_e4.desc(),
                           *_binary(self.engine.dialect.name, episodes.c.platform, episodes.c.account_kind,
                                    episodes.c.account_id)))
        if limit is not None:
            query = query.limit(limit)
        with guarded(self.url, "read a stored worklist"), self.engine.connect() as conn:
            result = conn.execute(query.execution_options(yield_per=5_000))
            for rank, r in enumerate(result, start=1):
                yield with_history(rank, json.loads(r.row), r.first_seen, stored.as_of)

    def page(self, stored: StoredCardRun, *, filters: Mapping[str, str | None] | None = None,
             sort: str = "rank", reverse: bool = False, limit: int = 50,
             offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """One page of a stored worklist, filtered and sorted on the database; returns (rows, rows matching).

        ``filters`` may name ``cause``, ``segment``, ``entity`` (``ambiguous`` = no single expected
        entity) and ``platform``. Each row keeps its rank in the whole worklist. ``sort`` is one of
        :data:`PAGE_SORTS`, in its natural order (most blocked, most orders, longest absent first; names
        A→Z), turned round by ``reverse``.

        Raises:
            LookupFailed: an unknown filter or sort key.
        """
        ranked = self._ranked(stored).subquery("ranked")
        where = _page_filters(ranked, filters or {})
        order = _page_order(ranked, sort, reverse)
        query = select(ranked).where(*where).order_by(*order, ranked.c.rank).limit(limit).offset(offset)
        total = select(func.count()).select_from(ranked).where(*where)
        with guarded(self.url, "read a stored worklist page"), self.engine.connect() as conn:
            rows = [with_history(r.rank, json.loads(r.row), r.first_seen, stored.as_of)
                    for r in conn.execute(query).all()]
            return rows, int(conn.execute(total).scalar_one())

    def _ranked(self, stored: StoredCardRun) -> Any:
        v, e = episode_versions.c, episodes.c
        first = first_seen_runs(stored.workspace_id, stored.card, stored.id)
        keys = _binary(self.engine.dialect.name, e.platform, e.account_kind, e.account_id)
        rank = func.row_number().over(order_by=[v.blocked_e4.desc(), *keys]).label("rank")
        return (select(v.row, v.cause, v.segment, v.expected_entity, v.active_orders, v.blocked_e4, v.name,
                       e.platform, first.c.as_of.label("first_seen"), rank)
                .join(episodes, e.id == v.episode_id).join(first, first.c.id == e.first_card_run)
                .where(*_valid_at(stored)))

    def explain(self, workspace_id: str, customer_id: str, *, card: str | None = None,
                run_id: str | None = None) -> list[Explanation]:
        """The stored evidence of ``customer_id`` (customer, company or account id) in a stored run."""
        out = []
        for stored in self.run(workspace_id, run_id, card=card):
            out += self._explain_card(stored, customer_id)
        return out

    def _explain_card(self, stored: StoredCardRun, customer_id: str) -> list[Explanation]:
        match = or_(episodes.c.account_id == customer_id, episode_versions.c.customer_id == customer_id,
                    episode_versions.c.company_id == customer_id)
        first = first_seen_runs(stored.workspace_id, stored.card, stored.id)
        query = (select(episode_versions.c.evidence, episode_versions.c.row, episode_versions.c.blocked_e4,
                        episodes.c.platform, episodes.c.account_kind, episodes.c.account_id,
                        first.c.as_of.label("first_seen"))
                 .join(episodes, episodes.c.id == episode_versions.c.episode_id)
                 .join(first, first.c.id == episodes.c.first_card_run)
                 .where(*_valid_at(stored), match))
        with guarded(self.url, "read stored evidence"), self.engine.connect() as conn:
            found = conn.execute(query).all()
            return [self._explanation(conn, stored, r) for r in found] or [not_counted(stored, customer_id)]

    def _explanation(self, conn: Connection, stored: StoredCardRun, r: Any) -> Explanation:
        evidence = json.loads(r.evidence)
        customer = with_history(self._rank(conn, stored, r), json.loads(r.row), r.first_seen, stored.as_of)
        return Explanation(**{**evidence, "customer": customer, "run_id": stored.run_id, "as_of": stored.as_of,
                              "episodes": _episodes(conn, stored, evidence)})

    def _rank(self, conn: Connection, stored: StoredCardRun, r: Any) -> int:
        """The customer's rank in the stored worklist: how many rows sort before it, plus one."""
        v, e = episode_versions.c, episodes.c
        cols = _binary(self.engine.dialect.name, e.platform, e.account_kind, e.account_id)
        mine = (r.platform, r.account_kind, r.account_id)
        before_key = or_(cols[0] < mine[0], and_(cols[0] == mine[0], or_(
            cols[1] < mine[1], and_(cols[1] == mine[1], cols[2] < mine[2]))))
        ahead = or_(v.blocked_e4 > r.blocked_e4, and_(v.blocked_e4 == r.blocked_e4, before_key))
        query = (select(func.count()).select_from(episode_versions)
                 .join(episodes, episodes.c.id == v.episode_id).where(*_valid_at(stored), ahead))
        return int(conn.execute(query).scalar_one()) + 1


def open_store(target: Workspace | WorkspaceConfig | str | Path, *, url: str | None = None) -> Store:
    """Open the run store of a workspace (or the store at ``url``), creating and migrating it as needed.

    Raises:
        StoreError: the store cannot be reached, created or migrated.
    """
    if url is None:
        config = target.config if isinstance(target, Workspace) else (
            target if isinstance(target, WorkspaceConfig) else load_config(target))
        url = store_url(config)
    return Store(url)


# -- helpers ------------------------------------------------------------------------------------------

def _run_id(started_at: datetime) -> str:
    return f"{started_at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("bridgewatch")
    except PackageNotFoundError:
        return "unknown"


def _staged_files(ws: Workspace) -> list[str]:
    return [str(v) for v in ws.tables.values() if isinstance(v, str) and "://" not in v]


def _card_runs_query() -> Any:
    return select(card_runs, runs.c.run_id).join(runs, runs.c.id == card_runs.c.run_pk)


def _stored(r: Any) -> StoredCardRun:
    m = r._mapping
    moved = m["freshness"] == "fresh" and not m["backfill"]  # the columns hold 0 for a run that moved nothing
    new, cleared, returned, still = ((m["new"], m["cleared"], m["returned"], m["still_absent"]) if moved
                                     else (None, None, None, None))
    return StoredCardRun(m["id"], m["run_id"], m["workspace_id"], m["card"], m["as_of"], m["count"], m["alert_state"],
                         m["freshness"], new, cleared, returned, still, m["previous_id"],
                         json.loads(m["summary"]), m["run_pk"], bool(m["backfill"]), bool(m["ahead"]))


@dataclass(frozen=True)
class FailedRun:
    """A run that failed (``Store.record_failure``): the monitor is blind from it on, until a run succeeds."""

    pk: int
    run_id: str
    at: datetime
    error: str
    backfill: bool = False
    """It was asked for an as-of older than the newest live run: it says nothing about the live state."""

    @property
    def first_line(self) -> str:
        """The error's first line (what ``history`` lists)."""
        return next(iter(self.error.splitlines()), "")

    def newer_than(self, stored: StoredCardRun | None) -> bool:
        """True when this failure came after ``stored``'s run (or nothing was ever stored)."""
        return stored is None or self.pk > stored.run_pk


def latest_failed(conn: Connection, workspace_id: str, *, live_only: bool = False) -> FailedRun | None:
    """The newest failed run of a workspace, if any (with ``live_only``, of those that were not a backfill)."""
    row = conn.execute(_failed_query(workspace_id, live_only=live_only).limit(1)).first()
    return _failed_run(row) if row else None


def _failed_query(workspace_id: str, *, live_only: bool) -> Any:
    """The workspace's failed runs, newest first (with ``live_only``, those that were not a backfill)."""
    live = (runs.c.backfill == false(),) if live_only else ()
    return (select(runs.c.id, runs.c.run_id, runs.c.started_at, runs.c.error, runs.c.backfill)
            .where(runs.c.workspace_id == workspace_id, runs.c.status == "failed", *live).order_by(runs.c.id.desc()))


def _failed_run(r: Any) -> FailedRun:
    return FailedRun(r.id, r.run_id, r.started_at, r.error or "no error recorded", bool(r.backfill))


def _backfill(conn: Connection, config: WorkspaceConfig, as_of: datetime | None) -> bool:
    """Whether a run asked for ``as_of`` (else the workspace's configured as-of; neither: now, live) is a backfill:
    older than the newest card run stored that moved episodes (as ``_save_card`` decides for a card)."""
    asked = naive_utc(as_of) or config.as_of_utc()
    if asked is None:
        return False
    newest = _newest_live(conn, config.id)
    return newest is not None and asked < newest


def _newest_live(conn: Connection, workspace_id: str, card: str | None = None) -> datetime | None:
    """The newest as-of of the card runs that moved episodes (fresh, not a backfill) and are not ahead."""
    c = card_runs.c
    where = [c.workspace_id == workspace_id, c.freshness == "fresh", c.backfill == false(), c.ahead == false()]
    if card is not None:
        where.append(c.card == card)
    found: datetime | None = conn.execute(select(func.max(c.as_of)).where(*where)).scalar()
    return found


CLOCK_TOLERANCE = timedelta(minutes=5)
"""How far a card run's as-of may be later than the clock of a save before it counts as ahead of the clock (a run
resolves its as-of from the clock a moment after it starts; hosts sharing a store disagree by seconds)."""


def _clock() -> datetime:
    """Now, naive UTC: the clock a save compares as-of times with."""
    return datetime.now(UTC).replace(tzinfo=None)


def flag_ahead(conn: Connection, workspace_id: str, clock: datetime) -> int:
    """Flag the workspace's card runs whose as-of is later than ``clock`` by more than :data:`CLOCK_TOLERANCE` (they
    were stored while the clock ran ahead); returns how many were newly flagged."""
    c = card_runs.c
    done = conn.execute(update(card_runs).where(c.workspace_id == workspace_id, c.ahead == false(),
                                                c.as_of > clock + CLOCK_TOLERANCE).values(ahead=true()))
    return int(done.rowcount or 0)


def first_seen_runs(workspace_id: str, card: str, up_to: int) -> Any:
    """A subquery ``(id, first_seen)``: for each card run of ``card`` up to card run ``up_to`` that moved the
    episodes (fresh, not a backfill), the earliest as-of of it and of every such run after it, up to ``up_to``.

    Joined on an episode's first card run, it gives when an absence open at ``up_to`` was first seen: an episode
    is open over consecutive card runs, so every run that moved the episodes from its first to ``up_to`` counted
    it. That is the first run's as-of, except when the first run was ahead of the clock (a later live run has
    an earlier as-of): then the earliest as-of the absence was counted at, never a ``first_seen`` in the future
    of the run shown or a negative ``days_absent``."""
    c = card_runs.c
    earliest = func.min(c.as_of).over(order_by=c.id.desc(), rows=(None, 0))
    return (select(c.id, earliest.label("as_of"))
            .where(c.workspace_id == workspace_id, c.card == card, c.id <= up_to, c.freshness == "fresh",
                   c.backfill == false())
            .subquery("seen"))


LATEST_FIRST = (card_runs.c.ahead.asc(), card_runs.c.as_of.desc(), card_runs.c.id.desc())
"""The order that says which card run is the latest: the newest as-of first, ties by the order stored; a card run
ahead of the clock after every other."""


def latest_card_run(conn: Connection, workspace_id: str, card: str | None = None, *,
                    fresh_only: bool = False) -> StoredCardRun | None:
    """The latest card run (by :data:`LATEST_FIRST`) of a workspace, of ``card`` when given."""
    fresh = (card_runs.c.freshness == "fresh",) if fresh_only else ()
    return _first(conn, workspace_id, card, LATEST_FIRST, *fresh)


def _last_stored(conn: Connection, workspace_id: str, card: str, *, moved_only: bool) -> StoredCardRun | None:
    """The card run stored last (with ``moved_only``, of those that moved episodes: the one a new run is
    compared with, as the episodes follow the order stored)."""
    moved = (card_runs.c.freshness == "fresh", card_runs.c.backfill == false()) if moved_only else ()
    return _first(conn, workspace_id, card, (card_runs.c.id.desc(),), *moved)


def _first(conn: Connection, workspace_id: str, card: str | None, order: tuple[Any, ...],
           *conditions: Any) -> StoredCardRun | None:
    query = _card_runs_query().where(card_runs.c.workspace_id == workspace_id, *conditions)
    if card is not None:
        query = query.where(card_runs.c.card == card)
    row = conn.execute(query.order_by(*order).limit(1)).first()
    return _stored(row) if row else None


def _no_cards_because_failed(conn: Connection, workspace_id: str, run_id: str) -> None:
    """Raise LookupFailed naming the failure when ``run_id`` is a failed run of the workspace (history lists those,
    so "no stored run" would contradict it)."""
    row = conn.execute(select(runs.c.started_at, runs.c.error).where(
        runs.c.workspace_id == workspace_id, runs.c.run_id == run_id, runs.c.status == "failed")).first()
    if row is not None:
        error = next(iter((row.error or "no error recorded").splitlines()), "").rstrip(".:")
        raise LookupFailed(f"Run '{run_id}' of workspace '{workspace_id}' failed ({row.started_at:%Y-%m-%d %H:%M:%S} "
                           f"UTC): {error}. It stored no cards to show; `bridgewatch history -w <workspace>` lists the "
                           f"runs that did.")


def _pick(found: list[StoredCardRun], workspace_id: str, run_id: str, card: str | None) -> list[StoredCardRun]:
    if not found:
        raise LookupFailed(f"No stored run '{run_id}' for workspace '{workspace_id}'; `bridgewatch history -w "
                           f"<workspace>` lists the stored runs.")
    if card is None:
        return found
    chosen = [s for s in found if s.card == card]
    if not chosen:
        raise LookupFailed(f"Run '{run_id}' has no card '{card}'; it has {', '.join(s.card for s in found)}.")
    return chosen


def _valid_at(stored: StoredCardRun) -> tuple[Any, ...]:
    v = episode_versions.c
    if not stored.moves_episodes:  # a stale, no-data or backfill run wrote no worklist (see _save_card)
        return (false(),)
    return (v.workspace_id == stored.workspace_id, v.card == stored.card, v.valid_from <= stored.id,
            or_(v.valid_to.is_(None), v.valid_to > stored.id))


def _binary(dialect: str, *columns: Any) -> list[Any]:
    """Text ordered by code point on every database, as the engine ranked it (PostgreSQL's locale collation
    would not be; SQLite's default collation already is)."""
    return [c.collate("C") if dialect == "postgresql" else c for c in columns]


PAGE_FILTERS = ("cause", "segment", "entity", "platform")
PAGE_SORTS = ("rank", "name", "active_orders", "blocked_value", "days_absent", "cause", "entity", "segment",
              "platform")


def _page_filters(ranked: Any, filters: Mapping[str, str | None]) -> list[Any]:
    unknown = sorted(set(filters) - set(PAGE_FILTERS))
    if unknown:
        raise LookupFailed(f"Unknown worklist filter {unknown[0]!r}; filters: {', '.join(PAGE_FILTERS)}.")
    out = []
    for key, value in filters.items():
        if value is None or value == "":
            continue
        if key == "entity":
            out.append(ranked.c.expected_entity.is_(None) if value == "ambiguous" else
                       ranked.c.expected_entity == value)
        else:
            out.append(getattr(ranked.c, key) == value)
    return out


def _page_order(ranked: Any, sort: str, reverse: bool) -> list[Any]:
    """The natural order of each sort puts what matters first (most blocked, longest absent, A→Z);
    ``reverse`` turns it round."""
    c = ranked.c
    natural = {"rank": (c.rank, False), "name": (c.name, False), "active_orders": (c.active_orders, True),
               "blocked_value": (c.blocked_e4, True), "days_absent": (c.first_seen, False),
               "cause": (c.cause, False), "entity": (c.expected_entity, False), "segment": (c.segment, False),
               "platform": (c.platform, False)}
    if sort not in natural:
        raise LookupFailed(f"Unknown worklist sort {sort!r}; sorts: {', '.join(PAGE_SORTS)}.")
    column, descending = natural[sort]
    return [column.desc() if descending != reverse else column.asc()]


def with_history(rank: int, row: dict[str, Any], first_seen: datetime, as_of: datetime) -> dict[str, Any]:
    """A stored worklist row as the store reads it back: its rank, ``first_seen`` and ``days_absent``."""
    days = (as_of - first_seen).days
    return {"rank": rank, **row, "first_seen": iso(first_seen), "days_absent": days}


def _episodes(conn: Connection, stored: StoredCardRun, evidence: dict[str, Any]) -> list[dict[str, Any]]:
    first, cleared = card_runs.alias("first"), card_runs.alias("cleared")
    seen = first_seen_runs(stored.workspace_id, stored.card, stored.id)
    query = (select(episodes.c.id, seen.c.as_of.label("first_seen"), cleared.c.as_of.label("cleared"),
                    first.c.run_pk)
             .join(first, first.c.id == episodes.c.first_card_run)
             .join(seen, seen.c.id == episodes.c.first_card_run)
             .outerjoin(cleared, cleared.c.id == episodes.c.cleared_card_run)
             .where(episodes.c.workspace_id == stored.workspace_id, episodes.c.card == stored.card,
                    and_(*(getattr(episodes.c, k) == evidence[k] for k in ("platform", "account_kind",
                                                                             "account_id"))),
                    episodes.c.first_card_run <= stored.id)
             .order_by(episodes.c.id))
    out = []
    for r in conn.execute(query).all():
        cleared_at = r.cleared if r.cleared is not None and r.cleared <= stored.as_of else None
        run_id = conn.execute(select(runs.c.run_id).where(runs.c.id == r.run_pk)).scalar_one()
        out.append({"first_seen": iso(r.first_seen), "first_run": run_id, "cleared": iso(cleared_at),
                    "last_seen": iso(_last_seen(conn, stored, r.id, cleared_at))})
    return out


def _last_seen(conn: Connection, stored: StoredCardRun, episode_id: int, cleared: datetime | None) -> datetime:
    """The as-of of the last card run (up to ``stored``) that still counted the episode."""
    ep = episodes.alias("ep")
    query = (select(card_runs.c.as_of).join(ep, ep.c.id == episode_id)
             .where(card_runs.c.workspace_id == stored.workspace_id, card_runs.c.card == stored.card,
                    card_runs.c.id >= ep.c.first_card_run, card_runs.c.id <= stored.id,
                    or_(ep.c.cleared_card_run.is_(None), card_runs.c.id < ep.c.cleared_card_run))
             .order_by(card_runs.c.id.desc()).limit(1))
    found = conn.execute(query).scalar()
    return found if found is not None else stored.as_of


def not_counted(stored: StoredCardRun, customer_id: str) -> Explanation:
    """What the store says of a customer its run holds no evidence for: not counted by a fresh run; for a stale,
    no-data or backfill run (which keeps no customers), that it cannot tell."""
    if stored.moves_episodes:
        verdict = "not counted in this run"
        reason = (f"'{customer_id}' is not among the {stored.count} customers counted in run {stored.run_id}: it was "
                  f"present, out of scope, or unknown then. The store keeps evidence for counted customers only; "
                  f"`bridgewatch explain --recompute` shows why from the current inputs.")
    else:
        kind = "a backfill" if stored.backfill else stored.freshness.replace("_", "-")
        verdict = "not kept by this run"
        reason = (f"run {stored.run_id} was {kind} ({stored.count} customers counted): such a run keeps its count but "
                  f"no customers, so it cannot tell whether '{customer_id}' was among them. "
                  f"`bridgewatch explain --recompute` shows why from the current inputs; --run names another run.")
    return Explanation(card=stored.card, workspace=stored.workspace_id, platform="", account_kind="",
                       account_id=customer_id, name=None, verdict=verdict, reason=reason, run_id=stored.run_id,
                       as_of=stored.as_of)

