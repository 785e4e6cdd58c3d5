"""Saving one card result into the store: the absence episodes change only where the facts changed.

The comparison runs on the engine that computed the card, not in Python memory:

1. the store's open versions for the card (account, episode, version, facts hash) are streamed into
   the engine as an Arrow table;
2. the current worklist is streamed once, in account order, and each row's facts hash (its
   worklist row without the rank, plus a digest of its evidence) is put beside it;
3. SQL classifies every account as new, changed, unchanged or cleared;
4. only new and changed accounts have their evidence built and written; cleared episodes are
   closed. An unchanged account writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, and_, exists, func, insert, select, update

from bridgewatch.cards.steps import ACCOUNT
from bridgewatch.engine import Engine, Step
from bridgewatch.history.schema import episode_versions, episodes
from bridgewatch.ingest.pyvalues import table_of
from bridgewatch.model.money import to_stored
from bridgewatch.results.evidence import KEY, STREAM_BATCH, _Peek, evidence_digests, explain_accounts
from bridgewatch.results.run import CardRun
from bridgewatch.results.worklist import worklist_row
from bridgewatch.sql import literal

VOLATILE = ("rank", "first_seen", "days_absent")
"""Worklist fields that depend on the run or on other customers, never part of a customer's facts."""
WRITE_BATCH = 1_000


@dataclass(frozen=True)
class Diff:
    """How the current worklist differs from the store's open episodes."""

    new: int
    changed: int
    unchanged: int
    cleared: int


def facts_hash(row: dict[str, Any], evidence_digest: str) -> str:
    """A customer's facts as one hash: its worklist row (rank and history fields aside) and its evidence."""
    facts = {k: v for k, v in row.items() if k not in VOLATILE}
    text = json.dumps(facts, sort_keys=True, ensure_ascii=False) + "\0" + (evidence_digest or "")
    return hashlib.sha256(text.encode()).hexdigest()


def save_card(conn: Connection, result: CardRun, card_run_id: int) -> Diff:
    """Write the episodes and versions of ``result`` as of card run ``card_run_id``; returns the diff."""
    engine, card, ws = result.worklist.engine, result.card, result.workspace.id
    names = _names(card.id)
    engine.register(names["prev"], _open_versions(conn, ws, card.id))
    engine.register(names["cur"], _current_hashes(result))
    engine.run([_classify(names)])
    counts = {r["kind"]: int(r["n"]) for r in engine.fetch(
        f"SELECT kind, count(*) AS n FROM __bw__{names['todo']} GROUP BY kind")}
    if counts.get("new", 0) or counts.get("changed", 0):  # a rerun that changed nothing asks for no evidence
        _write_versions(conn, result, names, card_run_id)
    cleared = _close_cleared(conn, engine, names, card_run_id)
    return Diff(counts.get("new", 0), counts.get("changed", 0), counts.get("same", 0), cleared)


def mark_returned(conn: Connection, workspace_id: str, card: str, card_run_id: int) -> int:
    """Flag the episodes opened by this card run whose account had an earlier absence; returns how many."""
    earlier = episodes.alias()  # Core's alias: the ORM (40 ms to import) is not needed for a table
    same_account = and_(*(getattr(earlier.c, c) == getattr(episodes.c, c) for c in ACCOUNT[1:]),
                        earlier.c.workspace_id == episodes.c.workspace_id, earlier.c.card == episodes.c.card,
                        earlier.c.id < episodes.c.id)
    result = conn.execute(update(episodes).where(
        episodes.c.workspace_id == workspace_id, episodes.c.card == card, episodes.c.first_card_run == card_run_id,
        exists(select(earlier.c.id).where(same_account))).values(returned=True))
    return int(result.rowcount or 0)


def _names(card: str) -> dict[str, str]:
    return {"prev": f"__bw__store_{card}_prev", "cur": f"__bw__store_{card}_cur", "todo": f"store_{card}_todo"}


# -- 1. the store's open versions, into the engine -------------------------------------------------

PREV_SCHEMA = pa.schema([("platform", pa.string()), ("account_kind", pa.string()), ("account_id", pa.string()),
                         ("episode_id", pa.int64()), ("version_id", pa.int64()), ("facts_hash", pa.string())])
CUR_SCHEMA = pa.schema([("platform", pa.string()), ("account_kind", pa.string()), ("account_id", pa.string()),
                        ("facts_hash", pa.string())])


def _open_versions(conn: Connection, workspace_id: str, card: str) -> pa.Table:
    query = (select(episodes.c.platform, episodes.c.account_kind, episodes.c.account_id,
                    episodes.c.id.label("episode_id"), episode_versions.c.id.label("version_id"),
                    episode_versions.c.facts_hash)
             .join(episode_versions, and_(episode_versions.c.episode_id == episodes.c.id,
                                          episode_versions.c.valid_to.is_(None)))
             .where(episodes.c.workspace_id == workspace_id, episodes.c.card == card,
                    episodes.c.cleared_card_run.is_(None)))
    rows = conn.execute(query.execution_options(yield_per=STREAM_BATCH))
    return _arrow(PREV_SCHEMA, (tuple(r) for r in rows))


# -- 2. the current worklist's hashes ---------------------------------------------------------------

def _current_hashes(result: CardRun) -> pa.Table:
    wl = result.worklist
    rows = _account_ordered_rows(result)
    digests = _Peek(evidence_digests(wl.engine, wl.card, wl.accounts_sql()))
    return _arrow(CUR_SCHEMA, ((*key, facts_hash(row, _digest(digests, key))) for key, row in rows))


def _account_ordered_rows(result: CardRun) -> Iterator[tuple[tuple[str, str, str], dict[str, Any]]]:
    wl = result.worklist
    stream = wl.engine.stream(wl.rows_sql(order="g.platform, g.account_kind, g.account_id"), STREAM_BATCH)
    for key, group in groupby(stream, key=lambda r: (r["platform"], r["account_kind"], r["account_id"])):
        yield key, worklist_row(list(group))


def _digest(digests: _Peek, key: tuple[str, str, str]) -> str:
    found = digests.take(key)
    return str(found[0]["digest"]) if found else ""


def _arrow(schema: pa.Schema, rows: Iterator[tuple[Any, ...]], batch: int = 10_000) -> pa.Table:
    """An Arrow table built a batch at a time (no list of every row in Python)."""
    types = dict(zip(schema.names, schema.types, strict=True))
    parts, columns = [], [[] for _ in schema]  # type: ignore[var-annotated]
    for row in rows:
        for col, value in zip(columns, row, strict=True):
            col.append(value)
        if len(columns[0]) >= batch:
            parts.append(table_of(dict(zip(schema.names, columns, strict=True)), types))
            columns = [[] for _ in schema]
    parts.append(table_of(dict(zip(schema.names, columns, strict=True)), types))
    return pa.concat_tables(parts)


# -- 3. classify -------------------------------------------------------------------------------------

def _classify(names: dict[str, str]) -> Step:
    on = " AND ".join(f"p.{c} = c.{c}" for c in KEY)
    return Step(names["todo"], f"""
        SELECT c.platform, c.account_kind, c.account_id, c.facts_hash, p.episode_id, p.version_id,
               CASE WHEN p.episode_id IS NULL THEN 'new' WHEN p.facts_hash <> c.facts_hash THEN 'changed'
                    ELSE 'same' END AS kind
        FROM {names['cur']} c LEFT JOIN {names['prev']} p ON {on}""")


# -- 4. write what changed -----------------------------------------------------------------------------

def _write_versions(conn: Connection, result: CardRun, names: dict[str, str], card_run_id: int) -> None:
    engine, ws = result.worklist.engine, result.workspace.id
    todo = f"__bw__{names['todo']}"
    accounts = (f"(SELECT {literal(ws)} AS workspace_id, platform, account_kind, account_id FROM {todo} "
                f"WHERE kind <> 'same')")
    plan = engine.stream(f"SELECT * FROM {todo} WHERE kind <> 'same' ORDER BY platform, account_kind, account_id",
                         STREAM_BATCH)
    explained = explain_accounts(engine, result.card, accounts, worklist=result.worklist)
    pending: list[tuple[dict[str, Any], Any]] = []
    for step, explanation in zip(plan, explained, strict=True):
        pending.append((step, explanation))
        if len(pending) >= WRITE_BATCH:
            _flush(conn, result, pending, card_run_id)
            pending = []
    _flush(conn, result, pending, card_run_id)


def _flush(conn: Connection, result: CardRun, pending: Sequence[tuple[dict[str, Any], Any]], card_run_id: int) -> None:
    if not pending:
        return
    ws, card = result.workspace.id, result.card.id
    new = [(step, e) for step, e in pending if step["kind"] == "new"]
    episode_ids = _insert_episodes(conn, ws, card, [step for step, _ in new], card_run_id)
    changed = [step["version_id"] for step, _ in pending if step["kind"] == "changed"]
    if changed:
        conn.execute(update(episode_versions).where(episode_versions.c.id.in_(changed)).values(valid_to=card_run_id))
    ids = iter(episode_ids)
    conn.execute(insert(episode_versions), [
        _version(ws, card, next(ids) if step["kind"] == "new" else step["episode_id"], step, e, card_run_id)
        for step, e in pending])


def _insert_episodes(conn: Connection, ws: str, card: str, steps: Sequence[dict[str, Any]],
                     card_run_id: int) -> list[int]:
    if not steps:
        return []
    rows = [{"workspace_id": ws, "card": card, "platform": s["platform"], "account_kind": s["account_kind"],
             "account_id": s["account_id"], "first_card_run": card_run_id, "cleared_card_run": None,
             "returned": False} for s in steps]
    returned = conn.execute(insert(episodes).returning(episodes.c.id, sort_by_parameter_order=True), rows)
    return [int(r[0]) for r in returned]


def _version(ws: str, card: str, episode_id: int, step: dict[str, Any], explanation: Any,
             card_run_id: int) -> dict[str, Any]:
    row = {k: v for k, v in (explanation.customer or {}).items() if k not in VOLATILE}
    evidence = explanation.evidence()
    evidence.pop("customer", None)
    return {"episode_id": episode_id, "workspace_id": ws, "card": card, "valid_from": card_run_id, "valid_to": None,
            "facts_hash": step["facts_hash"], "blocked_e4": to_stored(row.get("blocked_value_reporting")),
            "cause": row["cause"], "segment": row["segment"], "expected_entity": row.get("expected_entity"),
            "active_orders": row["active_orders"], "name": row.get("name"),
            "customer_id": row.get("customer_id"), "company_id": row.get("company_id"),
            "row": json.dumps(row, ensure_ascii=False), "evidence": json.dumps(evidence, ensure_ascii=False)}


def _close_cleared(conn: Connection, engine: Engine, names: dict[str, str], card_run_id: int) -> int:
    on = " AND ".join(f"c.{col} = p.{col}" for col in KEY)
    cleared = engine.stream(f"SELECT p.episode_id, p.version_id FROM {names['prev']} p "
                            f"WHERE NOT EXISTS (SELECT 1 FROM {names['cur']} c WHERE {on})")
    total = 0
    batch: list[dict[str, Any]] = []
    for row in cleared:
        batch.append(row)
        if len(batch) >= WRITE_BATCH:
            total += _clear(conn, batch, card_run_id)
            batch = []
    return total + _clear(conn, batch, card_run_id)


def _clear(conn: Connection, rows: list[dict[str, Any]], card_run_id: int) -> int:
    if not rows:
        return 0
    conn.execute(update(episodes).where(episodes.c.id.in_([r["episode_id"] for r in rows]))
                 .values(cleared_card_run=card_run_id))
    conn.execute(update(episode_versions).where(episode_versions.c.id.in_([r["version_id"] for r in rows]))
                 .values(valid_to=card_run_id))
    return len(rows)


def count_open(conn: Connection, workspace_id: str, card: str) -> int:
    return int(conn.execute(select(func.count()).select_from(episodes).where(
        episodes.c.workspace_id == workspace_id, episodes.c.card == card,
        episodes.c.cleared_card_run.is_(None))).scalar_one())
