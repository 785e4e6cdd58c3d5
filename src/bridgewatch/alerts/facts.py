"""What an alert reports, read from the run store: one stored card run, narrowed to an entity and a role's causes.

Every number is an aggregate over the episode versions valid at the card run (the worklist exactly as
it was stored), so a card-wide alert reports the card's own count, and a per-entity or per-role part
reports the same rows filtered; nothing is recomputed from the inputs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, cast, func, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from bridgewatch.cards.causes import CREATE_FAILED
from bridgewatch.engine import open_engine
from bridgewatch.history import Store, StoredCardRun
from bridgewatch.history.database import guarded
from bridgewatch.history.schema import episode_versions
from bridgewatch.ingest.pyvalues import table_of
from bridgewatch.matching.reasons import reason_template_sql
from bridgewatch.model.money import from_stored, text
from bridgewatch.report.words import cause_label

AMBIGUOUS = "ambiguous"
"""The entity name of customers with no single expected entity (as in the card's ``by_entity``)."""


@dataclass(frozen=True)
class Part:
    """One line of a breakdown: a cause, a rejection-reason template or an entity."""

    key: str
    customers: int
    active_orders: int
    blocked_e4: int
    label: str | None = None
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Facts:
    """What one alert (or one role's part of it) says about one stored card run."""

    count: int
    active_orders: int
    blocked_e4: int
    causes: tuple[Part, ...] = ()
    reasons: tuple[Part, ...] = ()
    entities: tuple[Part, ...] = ()
    top: tuple[dict[str, Any], ...] = field(default=())

    @property
    def cause_ids(self) -> frozenset[str]:
        return frozenset(p.key for p in self.causes if p.customers)

    @property
    def templates(self) -> frozenset[str]:
        return frozenset(p.key for p in self.reasons if p.customers)


def read_facts(store: Store, stored: StoredCardRun, *, entity: str | None = None,
               causes: Sequence[str] | None = None, top: int = 5) -> Facts:
    """The facts of ``stored`` for ``entity`` (None: every entity) and ``causes`` (None: every cause)."""
    with guarded(store.url, "read an alert's facts"), store.engine.connect() as conn:
        where = _where(stored, entity, causes)
        by_cause = _by_cause(conn, stored, where)
        out = Facts(sum(p.customers for p in by_cause), sum(p.active_orders for p in by_cause),
                    sum(p.blocked_e4 for p in by_cause), by_cause, _reasons(conn, where),
                    _entities(conn, where))
    return Facts(**{**vars(out), "top": _top(store, stored, entity, causes, top)})


def _where(stored: StoredCardRun, entity: str | None, causes: Sequence[str] | None) -> list[Any]:
    v = episode_versions.c
    where = [v.workspace_id == stored.workspace_id, v.card == stored.card, v.valid_from <= stored.id,
             or_(v.valid_to.is_(None), v.valid_to > stored.id)]
    if entity is not None:
        where.append(v.expected_entity.is_(None) if entity == AMBIGUOUS else v.expected_entity == entity)
    if causes is not None:
        where.append(v.cause.in_(list(causes)))
    return where


def _sums() -> list[Any]:
    v = episode_versions.c
    return [func.count().label("n"), func.coalesce(func.sum(v.active_orders), 0).label("orders"),
            func.coalesce(func.sum(v.blocked_e4), 0).label("e4")]


def _by_cause(conn: Connection, stored: StoredCardRun, where: list[Any]) -> tuple[Part, ...]:
    v = episode_versions.c
    labels = {b["cause"]: b.get("label") for b in stored.summary.get("by_cause", ())}
    rows = conn.execute(select(v.cause, *_sums()).where(*where).group_by(v.cause)).all()
    parts = [Part(r.cause, int(r.n), int(r.orders), int(r.e4), labels.get(r.cause) or cause_label(
        stored.card, r.cause)) for r in rows]
    return tuple(sorted(parts, key=lambda p: (-p.blocked_e4, -p.customers, p.key)))


def _reasons(conn: Connection, where: list[Any]) -> tuple[Part, ...]:
    """Create rejections by template: the store groups the rows by message, and the card's own template SQL
    (``bridgewatch.matching.reasons``) groups the messages, on an in-memory DuckDB, as the card did."""
    v = episode_versions.c
    reason = _json_text(conn.dialect.name, v.row, "rejection_reason")
    rows = conn.execute(select(reason.label("reason"), *_sums())
                        .where(*where, v.cause == CREATE_FAILED, reason.is_not(None)).group_by(reason)).all()
    if not rows:
        return ()
    messages = table_of({"reason": [r.reason for r in rows], "n": [int(r.n) for r in rows],
                         "orders": [int(r.orders) for r in rows], "e4": [int(r.e4) for r in rows]},
                        {"reason": pa.string(), "n": pa.int64(), "orders": pa.int64(), "e4": pa.int64()})
    with open_engine("duckdb") as engine:
        engine.register(MESSAGES, messages)
        found = engine.fetch(f"""
            SELECT {reason_template_sql('reason')} AS template, sum(n) AS n, sum(orders) AS orders,
                   sum(e4) AS e4, min(reason) AS first, max(reason) AS last
            FROM {MESSAGES} GROUP BY 1 HAVING template IS NOT NULL ORDER BY n DESC, template""")
    return tuple(Part(r["template"], int(r["n"]), int(r["orders"]), int(r["e4"]),
                      examples=tuple(dict.fromkeys(e for e in (r["first"], r["last"]) if e))) for r in found)


MESSAGES = "__bw__alert_messages"


def _entities(conn: Connection, where: list[Any]) -> tuple[Part, ...]:
    v = episode_versions.c
    entity = func.coalesce(v.expected_entity, AMBIGUOUS)
    rows = conn.execute(select(entity.label("entity"), *_sums()).where(*where).group_by(entity)).all()
    parts = [Part(r.entity, int(r.n), int(r.orders), int(r.e4)) for r in rows]
    return tuple(sorted(parts, key=lambda p: (-p.customers, p.key)))


def _json_text(dialect: str, column: Any, key: str) -> Any:
    """A text field of a JSON document kept in a text column (SQLite's json_extract, PostgreSQL's ->>)."""
    if dialect == "postgresql":
        return cast(column, JSONB)[key].astext
    return func.json_extract(column, f"$.{key}")


TOP_FIELDS = ("rank", "name", "customer_id", "company_id", "platform", "segment", "cause", "rejection_reason",
              "expected_entity", "active_orders", "blocked_value_reporting", "vat_treatment", "days_absent",
              "next_action")
"""The worklist fields a message shows for each of its top rows."""


def _top(store: Store, stored: StoredCardRun, entity: str | None, causes: Sequence[str] | None,
         limit: int) -> tuple[dict[str, Any], ...]:
    if limit <= 0:
        return ()
    if causes is not None and len(causes) != 1:
        raise ValueError("a role's part names one cause or every cause")
    filters = {"entity": entity, "cause": causes[0] if causes else None}
    rows, _ = store.page(stored, filters=filters, limit=limit)
    return tuple({k: r.get(k) for k in TOP_FIELDS} for r in rows)


def money(units: int, currency: str | None) -> str:
    """A stored amount (ten-thousandths, ``blocked_e4``) as the JSON money form: exact decimal text with the
    currency's decimals (at least two, as the run's JSON writes them: KWD ``30.716``, JPY ``1498.00``)."""
    return text(from_stored(units), currency)

