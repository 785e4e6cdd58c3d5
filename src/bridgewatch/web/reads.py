"""Reads the dashboard makes on the run store beyond ``Store``'s own: rows and evidence by version id,
and the card runs of a card page by page. Every value reaches the database as a bound parameter.

A run's ingest accounting comes back as ``bridgewatch run`` stored it beside its card runs (``runs.ingest``).

Rows come back exactly as ``Store.rows`` gives them (the stored worklist row with its rank in the
whole worklist, ``first_seen`` and ``days_absent``), and evidence exactly as ``Store.explain`` does.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select

from bridgewatch.history import Store, StoredCardRun
from bridgewatch.history.database import guarded
from bridgewatch.history.schema import episode_versions, episodes, runs
from bridgewatch.history.store import _episodes, first_seen_runs, with_history
from bridgewatch.ingest.accounting import Accounting
from bridgewatch.report.explanation import Explanation
from bridgewatch.web.index import Ranked


def _by_ids(stored: StoredCardRun, columns: Sequence[Any]) -> Any:
    first = first_seen_runs(stored.workspace_id, stored.card, stored.id)
    return (select(episode_versions.c.id, *columns, first.c.as_of.label("first_seen"))
            .join(episodes, episodes.c.id == episode_versions.c.episode_id)
            .join(first, first.c.id == episodes.c.first_card_run)
            .where(episode_versions.c.id.in_(bindparam("ids", expanding=True))))


def rows(store: Store, stored: StoredCardRun, entries: Sequence[Ranked]) -> list[dict[str, Any]]:
    """The worklist rows of ``entries``, in the order given."""
    if not entries:
        return []
    with guarded(store.url, "read stored worklist rows"), store.engine.connect() as conn:
        query = _by_ids(stored, [episode_versions.c.row])
        found = {r.id: r for r in conn.execute(query, {"ids": [e.vid for e in entries]})}
    return [with_history(e.rank, json.loads(found[e.vid].row), found[e.vid].first_seen, stored.as_of)
            for e in entries]


def explanation(store: Store, stored: StoredCardRun, entry: Ranked) -> Explanation:
    """The stored evidence of one worklist entry, with its absence episodes (as ``Store.explain`` gives it)."""
    with guarded(store.url, "read stored evidence"), store.engine.connect() as conn:
        query = _by_ids(stored, [episode_versions.c.row, episode_versions.c.evidence])
        r = conn.execute(query, {"ids": [entry.vid]}).one()
        evidence = json.loads(r.evidence)
        customer = with_history(entry.rank, json.loads(r.row), r.first_seen, stored.as_of)
        return Explanation(**{**evidence, "customer": customer, "run_id": stored.run_id, "as_of": stored.as_of,
                              "episodes": _episodes(conn, stored, evidence)})


def accounting(store: Store, stored: StoredCardRun) -> Accounting:
    """The ingest accounting of the run ``stored`` belongs to: every file with its counts and quarantined cells, and
    the readers' warnings. A run stored without it (none is) gives the counts its card summary kept, no cells."""
    with guarded(store.url, "read the stored ingest accounting"), store.engine.connect() as conn:
        found = conn.execute(select(runs.c.ingest, runs.c.ingest_warnings).where(runs.c.id == stored.run_pk)).one()
    files = json.loads(found.ingest) if found.ingest else list(stored.summary.get("ingest", []))
    warnings = json.loads(found.ingest_warnings) if found.ingest_warnings else []
    return Accounting.from_record([{"problems": [], **f} for f in files], warnings)
