"""The worklist of one card for one workspace: a handle that streams rows from the engine, never a list.

A :class:`Worklist` names a computed card table on an open engine and a workspace. Iterating it
runs one ordered query and yields the rows one at a time in their documented JSON form
(``docs/output.md``): the counted customers ranked by blocked value, each with the keys tried.
Writers (CSV, JSON, the run store) consume that stream batch by batch; Parquet is written by the
engine's own writer. Nothing here holds every row in Python.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from itertools import groupby
from pathlib import Path
from typing import IO, Any

from bridgewatch.cards import Card
from bridgewatch.cards.steps import ACCOUNT, on
from bridgewatch.engine import Engine
from bridgewatch.engine.base import Step
from bridgewatch.model.money import places, text, text_sql
from bridgewatch.report.result import CustomerRow, iso
from bridgewatch.sql import equals, literal

GAP_COLUMNS = (
    "rank", "account_kind", "account_id", "last_buyer", "name", "platform", "segment", "cause", "rejection_reason",
    "matched_key", "expected_entity", "entity_ambiguous", "entity_candidates", "entity_basis",
    "exists_in_other_entity", "other_entity_records", "awaiting_sync", "in_staging", "active_orders",
    "blocked_value", "n_currencies", "currency", "blocked_value_reporting", "reporting_currency", "vat_number",
    "vat_treatment", "next_action", "created_at", "first_order_at", "last_attempt_at", "attempts",
)
"""Columns of the card's gap table that make a worklist row."""

BATCH = 5_000
"""Rows fetched from the engine at a time."""


class Worklist:
    """The ranked worklist of ``card`` for ``workspace_id`` on ``engine`` (valid while the engine is open)."""

    def __init__(self, engine: Engine, card: Card, workspace_id: str) -> None:
        self.engine, self.card, self.workspace_id = engine, card, workspace_id

    @property
    def table(self) -> str:
        return self.card.table("gap")

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self._rows()

    def head(self, n: int) -> list[dict[str, Any]]:
        """The first ``n`` rows (a ``rank <= n`` query, not a scan of the rest)."""
        return list(self._rows(f"g.rank <= {int(n)}"))

    def customers(self) -> Iterator[CustomerRow]:
        """The rows as typed :class:`CustomerRow` objects, streamed."""
        return (CustomerRow.from_dict(row) for row in self)

    def count(self) -> int:
        rows = self.engine.fetch(f"SELECT count(*) AS n FROM {self.table} WHERE {self.where()}")
        return int(rows[0]["n"])

    def where(self, alias: str = "") -> str:
        """SQL restricting a card table to this workspace."""
        return equals(f"{alias}.workspace_id" if alias else "workspace_id", self.workspace_id)

    def accounts_sql(self) -> str:
        """A relation of this worklist's accounts (``workspace_id, platform, account_kind, account_id``)."""
        return f"(SELECT {', '.join(ACCOUNT)} FROM {self.table} WHERE {self.where()})"

    def to_parquet(self, path: str | Path) -> None:
        """Write the flat worklist columns as Parquet with the engine's own writer (no row passes through Python);
        the value in reporting currency typed with that currency's decimals (:func:`bridgewatch.model.money.places`)."""
        found = self.engine.fetch(f"SELECT reporting_currency FROM bw_params WHERE {self.where()}")
        scale = places(found[0]["reporting_currency"] if found else None)
        typed = {"blocked_value_reporting": f"CAST(g.blocked_value_reporting AS DECIMAL(38, {scale})) "
                                            "AS blocked_value_reporting"}
        cols = ", ".join(typed.get(c, f"g.{c}") for c in GAP_COLUMNS)
        self.engine.write_parquet(f"SELECT {literal(self.card.id)} AS card, g.workspace_id, {cols} FROM "
                                  f"{self.table} g WHERE {self.where('g')} ORDER BY g.rank", str(path))

    def to_csv(self, target: str | Path | IO[str], *, meta: Mapping[str, Any] | None = None) -> int:
        """Write the worklist as formula-safe CSV (see ``report.csv_out``); returns the number of rows.

        To a file on an engine with its own CSV writer (DuckDB), the rows never pass through Python:
        :meth:`cells_step` makes each customer cell (the same cells ``report.csv_out`` makes from the
        rows) as a step of the pass, so a repeatable pass keeps them with its other steps and a
        second run reads them; :meth:`csv_sql` adds the given ``meta`` cells and the engine writes
        them. Otherwise the rows are streamed and written here.
        """
        from bridgewatch.report.csv_out import write_worklist_csv

        if isinstance(target, str | Path) and self.engine.writes_csv:
            step = self.cells_step()
            self.engine.run([step])
            written = self.engine.write_csv(self.csv_sql(meta or {}, step.table), str(target))
            if written is not None:
                return written
        return write_worklist_csv(target, [(meta or {}, iter(self))])

    def cells_step(self) -> Step:
        """The customer cells of the CSV worklist, cleaned and formula-guarded, with ``bw_rank`` (a step).

        Named per card and workspace; a view unless the engine keeps the steps of this pass (a
        repeatable pass with a prepared store: then it is a table the store keeps, so a second run
        writes the CSV straight from it).
        """
        from bridgewatch.report.csv_out import META_COLUMNS, WORKLIST_COLUMNS
        from bridgewatch.report.safe import csv_changed_sql, csv_clean_sql, csv_guard_sql

        columns = [c for c in WORKLIST_COLUMNS if c not in META_COLUMNS]
        cells = _csv_cells("g", "k")
        raw = ", ".join(f"CAST({cells[c]} AS VARCHAR) AS {c}" for c in columns)
        clean = ", ".join(f"CASE WHEN bw_changed THEN {csv_clean_sql(c)} ELSE {c} END AS {c}" for c in columns)
        guarded = ", ".join(f"{csv_guard_sql(c)} AS {c}" for c in columns)
        name = f"{self.card.id}_csv_{hashlib.sha256(self.workspace_id.encode()).hexdigest()[:12]}"
        return Step(name, f"""
            SELECT bw_rank, {guarded} FROM (
                SELECT bw_rank, {clean} FROM (
                    SELECT *, {csv_changed_sql(columns)} AS bw_changed FROM (
                        SELECT g.rank AS bw_rank, {raw}
                        FROM {self.table} g
                        LEFT JOIN (SELECT acct, {_JOIN_STATUS} AS join_status
                                   FROM {self.card.table('keys_tried')} GROUP BY acct) k ON k.acct = g.acct
                        WHERE {self.where('g')})))""", view=not self.engine.keeps_steps)

    def csv_sql(self, meta: Mapping[str, Any], cells: str) -> str:
        """The CSV worklist's rows as SQL over ``cells`` (:meth:`cells_step`'s relation), with the ``meta`` cells
        (the same for every row: made once here by ``csv_cell``), in the columns' order, by rank."""
        from bridgewatch.report.csv_out import META_COLUMNS, WORKLIST_COLUMNS
        from bridgewatch.report.safe import csv_cell

        given = {k: str(csv_cell(meta.get(k))) for k in META_COLUMNS}
        cols = ", ".join(f"CAST({literal(given[c]) if given[c] else 'NULL'} AS VARCHAR) AS {c}"
                         if c in META_COLUMNS else c for c in WORKLIST_COLUMNS)
        return f"SELECT {cols} FROM {cells} ORDER BY bw_rank"

    def rows_sql(self, condition: str = "TRUE", *, order: str = "g.rank") -> str:
        """The query behind the rows: one line per (customer, key tried), ordered by ``order`` then key priority."""
        cols = ", ".join(f"g.{c}" for c in GAP_COLUMNS)
        return f"""
            SELECT {cols}, k.key_type, k.priority, k.key_values, k.result, k.erp_records
            FROM {self.table} g
            LEFT JOIN {self.card.table('keys_tried')} k ON {on('k', 'g')}
            WHERE {self.where('g')} AND {condition}
            ORDER BY {order}, k.priority"""

    def _rows(self, condition: str = "TRUE") -> Iterator[dict[str, Any]]:
        stream = self.engine.stream(self.rows_sql(condition), BATCH)
        for _, group in groupby(stream, key=lambda r: r["rank"]):
            yield worklist_row(list(group))


_JOIN_STATUS = ("string_agg(key_type || ': ' || CASE WHEN result = 'not usable' THEN 'only ' || erp_records "
                "ELSE result END, '; ' ORDER BY priority)")
"""What :func:`join_status` says, per account, over its ``keys_tried`` rows."""


def _csv_cells(g: str, k: str) -> dict[str, str]:
    """SQL for each customer column of the CSV worklist over gap table ``g`` and ``k`` (its join status),
    as :func:`worklist_row` makes them (text before the CSV cleaning)."""
    company = f"{g}.account_kind = 'company'"

    def flag(column: str) -> str:
        return f"CASE WHEN COALESCE({g}.{column}, FALSE) THEN 'true' ELSE 'false' END"

    def cents(column: str, currency: str) -> str:
        return text_sql(column, f"{g}.{currency}")

    plain = ("rank", "name", "platform", "segment", "cause", "rejection_reason", "expected_entity",
             "entity_candidates", "other_entity_records", "active_orders", "currency", "vat_number",
             "vat_treatment", "next_action")
    return {**{c: f"{g}.{c}" for c in plain},
            "customer_id": f"CASE WHEN {company} THEN COALESCE({g}.last_buyer, {g}.account_id) ELSE {g}.account_id END",
            "company_id": f"CASE WHEN {company} THEN {g}.account_id END",
            "entity_ambiguous": flag("entity_ambiguous"), "exists_in_other_entity": flag("exists_in_other_entity"),
            "in_dataverse": flag("in_staging"), "awaiting_sync": flag("awaiting_sync"),
            "blocked_value": f"CASE WHEN {g}.n_currencies = 1 THEN {cents(f'{g}.blocked_value', 'currency')} END",
            "blocked_value_reporting": cents(f"{g}.blocked_value_reporting", "reporting_currency"),
            "join_status": f"COALESCE({k}.join_status, 'no keys configured')",
            "first_seen": "NULL", "days_absent": "NULL"}


def worklist_row(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One customer's worklist row (JSON form) from its gap columns joined to each key tried."""
    r = parts[0]
    keys = [_key(p) for p in parts if p["key_type"] is not None]
    company = r["account_kind"] == "company"
    return {
        "rank": r["rank"], "customer_id": (r["last_buyer"] or r["account_id"]) if company else r["account_id"],
        "company_id": r["account_id"] if company else None, "account_kind": r["account_kind"], "name": r["name"],
        "platform": r["platform"], "segment": r["segment"], "cause": r["cause"],
        "rejection_reason": r["rejection_reason"], "matched_key": r["matched_key"], "keys_tried": keys,
        "expected_entity": r["expected_entity"], "entity_ambiguous": bool(r["entity_ambiguous"]),
        "entity_candidates": r["entity_candidates"], "entity_basis": r["entity_basis"],
        "exists_in_other_entity": bool(r["exists_in_other_entity"]),
        "other_entity_records": r["other_entity_records"], "awaiting_sync": bool(r["awaiting_sync"]),
        "in_dataverse": bool(r["in_staging"]), "active_orders": r["active_orders"],
        "blocked_value": _cents(r["blocked_value"], r["currency"]) if r["n_currencies"] == 1 else None,
        "currency": r["currency"],
        "blocked_value_reporting": _cents(r["blocked_value_reporting"], r["reporting_currency"]),
        "vat_number": r["vat_number"], "vat_treatment": r["vat_treatment"], "next_action": r["next_action"],
        "join_status": join_status(keys), "created_at": iso(r["created_at"]),
        "first_order_at": iso(r["first_order_at"]), "last_attempt_at": iso(r["last_attempt_at"]),
        "sync_attempts": r["attempts"], "first_seen": None, "days_absent": None,
    }


def _key(p: Mapping[str, Any]) -> dict[str, Any]:
    values = sorted(p["key_values"].split(", ")) if p["key_values"] else []
    return {"key": p["key_type"], "priority": p["priority"], "values": values, "result": p["result"],
            "erp_records": p["erp_records"]}


def _cents(value: Any, currency: str | None) -> str | None:
    """An amount as JSON text with its currency's decimals (what :func:`_csv_cells` writes in SQL)."""
    return None if value is None else text(value, currency)


def join_status(keys: list[dict[str, Any]]) -> str:
    """One line saying what the field-map join found, key by key, in precedence order."""
    parts = [f"{k['key']}: only {k['erp_records']}" if k["result"] == "not usable" else f"{k['key']}: {k['result']}"
             for k in keys]
    return "; ".join(parts) if parts else "no keys configured"
