"""Alert evaluation: the state of every alert of a workspace, read from its stored runs.

An alert is one card of one workspace (card-wide) or one entity of it (when a route asks for
entities), under one rule: ``threshold`` (the count of absent customers with active orders is above
the line). Its state, from the newest stored runs:

* ``firing``: above the threshold in the latest ``for_runs`` consecutive fresh runs (a stale run between
  them says nothing about the count, so it neither counts nor breaks the streak);
* ``pending``: above the threshold, but not yet for ``for_runs`` fresh runs (flapping is damped);
* ``quiet``: at or below the threshold, on fresh data;
* ``removed``: the workspace no longer runs the card, or no longer has the entity; evaluated only while a
  receiver still believes the alert is firing or unknown, so it is told once that the alert is closed (not an
  all-clear);
* ``unknown``: the monitor is blind: the latest result is stale or has no data, or the latest live run of
  the workspace failed after it (a failed backfill, ``run --as-of`` a time older than the newest live run, does not).

"Latest" means the newest as-of (ties by the order stored), not the last one stored: a backfilled older
run is history, never the live state (the run store's one definition, ``history.store.LATEST_FIRST``,
which ``show``, ``explain`` and the dashboard use too). Nothing is recomputed: the counts are the stored
summaries'.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

from sqlalchemy import Connection, false

from bridgewatch.alerts.facts import AMBIGUOUS
from bridgewatch.config import AlertRoute, WorkspaceConfig
from bridgewatch.history import Store, StoredCardRun
from bridgewatch.history.database import guarded
from bridgewatch.history.schema import card_runs
from bridgewatch.history.store import LATEST_FIRST, FailedRun, _card_runs_query, _stored, latest_failed

RULE = "threshold"


def dedup_key(workspace: str, card: str, entity: str | None, rule: str = RULE) -> str:
    """``workspace/card/entity/rule``, each part percent-encoded; the entity is ``*`` for a card-wide alert."""
    parts = [quote(workspace, safe=""), quote(card, safe=""), "*" if entity is None else quote(entity, safe=""),
             quote(rule, safe="")]
    return "/".join(parts)


@dataclass(frozen=True)
class AlertInstance:
    """One alert as of the latest stored runs."""

    workspace: str
    card: str
    entity: str | None
    state: str
    threshold: int
    count: int | None
    stored: StoredCardRun | None
    """The card run the alert's facts are read from (when blind: the last one that was stored, if any)."""
    run_id: str | None
    """The run this state comes from (the failed run's id when the latest run failed)."""
    reason: str | None = None
    """Why the state is ``unknown``."""
    rule: str = RULE

    @property
    def dedup_key(self) -> str:
        return dedup_key(self.workspace, self.card, self.entity, self.rule)


def evaluate(store: Store, config: WorkspaceConfig) -> list[AlertInstance]:
    """Every alert of ``config``'s workspace: card-wide per card, plus per entity where routes ask for it."""
    entities = requested_entities(config)
    known = {*(e.id for e in config.legal_entities), AMBIGUOUS}
    depth = config.alerts.for_runs
    out: list[AlertInstance] = []
    with guarded(store.url, "evaluate the alerts"), store.engine.connect() as conn:
        failed = latest_failed(conn, config.id, live_only=True)
        still_open = open_alerts(conn, config.id, {r.name for r in config.alerts.receivers})
        for card in config.cards:
            recent = _recent(conn, config.id, card, 1) + _recent(conn, config.id, card, depth, fresh=True)
            if not recent and failed is None:
                continue  # never run: nothing to say yet
            out.append(_instance(config, card, None, recent, failed))
            more = [e for e in still_open.get(card, ()) if e is not None and e not in entities]
            out += [_instance(config, card, e, recent, failed) for e in [*entities, *more] if e in known]
            out += [_removed(config, card, e, recent, _entity_gone(config, e)) for e in more if e not in known]
        for card, open_ones in still_open.items():
            if card not in config.cards:
                out += [_removed(config, card, e, _recent(conn, config.id, card, 1), _card_gone(config, card))
                        for e in open_ones]
    return out


REMOVED = "removed"
"""The state of an alert whose card the workspace no longer runs (taken out of ``[workspace] cards``)."""


def open_alerts(conn: Connection, workspace_id: str, receivers: set[str]) -> dict[str, list[str | None]]:
    """Card → alerts (None: the card-wide one, else the entity) that one of ``receivers`` was last told are firing or
    unknown. They are evaluated even when no route asks for them any more, so those receivers hear the alert end
    (docs/alerts.md, "Roles and routing"), and closed when their card is no longer run."""
    from bridgewatch.alerts import journal

    found: dict[str, list[str | None]] = {}
    for (key, receiver), told in sorted(journal.told(conn, workspace_id).items()):
        parts = key.split("/")
        if (told.status == "resolved" or receiver not in receivers or len(parts) != 4
                or unquote(parts[3]) != RULE):
            continue
        card, entity = unquote(parts[1]), None if parts[2] == "*" else unquote(parts[2])
        if entity not in found.setdefault(card, []):
            found[card].append(entity)
    return found


def _removed(config: WorkspaceConfig, card: str, entity: str | None, recent: list[tuple[int, StoredCardRun]],
             reason: str) -> AlertInstance:
    """The alert of a card no longer run, or of an entity no longer in the workspace: its facts are the last stored
    ones, its state :data:`REMOVED` (never ``quiet``: a count of 0 for an entity that is gone is no all-clear)."""
    latest = recent[0][1] if recent else None
    threshold = _threshold(config, card, entity, latest)
    count = None if latest is None else _count(latest, entity)
    return AlertInstance(config.id, card, entity, REMOVED, threshold, count, latest,
                         latest.run_id if latest else None, f"{reason}; this alert is not evaluated any more")


def _card_gone(config: WorkspaceConfig, card: str) -> str:
    return f"card {card} is no longer run by workspace '{config.id}' (it was taken out of [workspace] cards)"


def _entity_gone(config: WorkspaceConfig, entity: str | None) -> str:
    return (f"entity {entity} is no longer a legal entity of workspace '{config.id}' (it was taken out of "
            f"[[legal_entities]])")


def requested_entities(config: WorkspaceConfig) -> list[str]:
    """Entities that routes ask per-entity alerts for (``*``: every configured entity and ``ambiguous``)."""
    named: list[str] = []
    for route in _walk(config.alerts.routes):
        named += [e for e in route.match.entity if e not in named]
    if "*" in named:
        return [e.id for e in config.legal_entities] + [AMBIGUOUS]
    return named


def _walk(routes: tuple[AlertRoute, ...]) -> list[AlertRoute]:
    out: list[AlertRoute] = []
    for route in routes:
        out += [route, *_walk(route.routes)]
    return out


def _instance(config: WorkspaceConfig, card: str, entity: str | None, recent: list[tuple[int, StoredCardRun]],
              failed: FailedRun | None) -> AlertInstance:
    """``recent``: the newest stored card run, then the newest fresh ones (newest first)."""
    latest = recent[0][1] if recent else None
    threshold = _threshold(config, card, entity, latest)
    count = None if latest is None else _count(latest, entity)
    if failed is not None and failed.newer_than(latest):
        reason = f"the latest run ({failed.run_id}, {failed.at:%Y-%m-%d %H:%M} UTC) failed: {failed.error}"
        return AlertInstance(config.id, card, entity, "unknown", threshold, count, latest, failed.run_id, reason)
    assert latest is not None  # evaluate() skips cards with neither a stored nor a failed run
    if latest.alert_state == "unknown" or latest.freshness != "fresh":
        return AlertInstance(config.id, card, entity, "unknown", threshold, count, latest, latest.run_id,
                             _stale_reason(latest))
    state = "quiet" if (count or 0) <= threshold else _breaching(config, entity, threshold, recent[1:])
    return AlertInstance(config.id, card, entity, state, threshold, count, latest, latest.run_id)


def _breaching(config: WorkspaceConfig, entity: str | None, threshold: int,
               fresh: list[tuple[int, StoredCardRun]]) -> str:
    """``firing`` when each of the newest ``for_runs`` fresh runs is above the threshold, else ``pending``."""
    needed = config.alerts.for_runs
    streak = [s for _, s in fresh[:needed] if _count(s, entity) > threshold]
    return "firing" if len(streak) >= needed else "pending"


def _threshold(config: WorkspaceConfig, card: str, entity: str | None, latest: StoredCardRun | None) -> int:
    if entity is not None and config.alerts.entity_threshold is not None:
        return config.alerts.entity_threshold
    if latest is not None:
        return int(latest.summary["alert"]["threshold"])
    return config.threshold_for(card)


def _count(stored: StoredCardRun, entity: str | None) -> int:
    if entity is None:
        return stored.count
    found = [b for b in stored.summary.get("by_entity", ()) if b["entity"] == entity]
    return int(found[0]["customers"]) if found else 0


def _stale_reason(stored: StoredCardRun) -> str:
    freshness = stored.summary.get("freshness", {})
    reasons = freshness.get("reasons") or [f"the data is {stored.freshness}"]
    return "; ".join(str(r) for r in reasons)


def _recent(conn: Connection, workspace_id: str, card: str, limit: int, *, fresh: bool = False
            ) -> list[tuple[int, StoredCardRun]]:
    """The newest stored card runs of ``card`` (newest as-of first, ties by the order they were stored; only those
    on fresh data when ``fresh``), each with its run's primary key. A backfill (``run --as-of`` a past date) is
    stored later but is not newer, so it never changes the live alert: it is never the latest, and never counts
    towards the ``for_runs`` streak (a backfill of the day before the latest live run would otherwise complete it)."""
    c = card_runs.c
    where = [c.workspace_id == workspace_id, c.card == card]
    if fresh:
        where += [c.freshness == "fresh", c.alert_state != "unknown", c.backfill == false()]
    query = _card_runs_query().where(*where).order_by(*LATEST_FIRST).limit(limit)
    return [(r.run_pk, _stored(r)) for r in conn.execute(query).all()]
