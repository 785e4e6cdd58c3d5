"""The CSV worklist: one row per counted customer, ranked by blocked value, formula-safe, streamed.

Rows arrive as an iterator per card (from the engine or the run store) and are written as they
come; text cells that a spreadsheet would run as a formula are neutralised (``report.safe``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from bridgewatch.report.safe import write_csv_rows

WORKLIST_COLUMNS = (
    "card", "workspace", "as_of", "rank", "customer_id", "company_id", "name", "platform", "segment", "cause",
    "rejection_reason", "expected_entity", "entity_ambiguous", "entity_candidates", "exists_in_other_entity",
    "other_entity_records", "in_dataverse", "awaiting_sync", "active_orders", "blocked_value", "currency",
    "blocked_value_reporting", "reporting_currency", "vat_number", "vat_treatment", "join_status", "next_action",
    "first_seen", "days_absent",
)
"""Columns of the CSV worklist, one row per counted customer, ranked by blocked value."""

META_COLUMNS = ("card", "workspace", "as_of", "reporting_currency")
"""Columns that come from the card result rather than the customer row."""


def write_worklist_csv(target: str | Path | IO[str],
                       cards: Iterable[tuple[Mapping[str, Any], Iterator[dict[str, Any]]]]) -> int:
    """Write the header and every card's rows; ``cards`` pairs each card's meta (``META_COLUMNS``) with its rows.

    Returns the number of customer rows written.
    """
    with _open(target) as fh:
        return write_csv_rows(fh, WORKLIST_COLUMNS, _cells(cards))


def _cells(cards: Iterable[tuple[Mapping[str, Any], Iterator[dict[str, Any]]]]) -> Iterator[list[Any]]:
    for meta, rows in cards:
        yield from cells(meta, rows)


def cells(meta: Mapping[str, Any], rows: Iterable[Mapping[str, Any]]) -> Iterator[list[Any]]:
    """Each worklist row of one card as the CSV's cells (the per-card columns from ``meta``)."""
    for row in rows:
        merged = {**row, **{k: meta.get(k) for k in META_COLUMNS}}
        yield [merged.get(c) for c in WORKLIST_COLUMNS]


def meta_of(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The per-card columns of the CSV from a summary in its JSON form."""
    return {k: summary.get(k) for k in META_COLUMNS}


@contextmanager
def _open(target: str | Path | IO[str]) -> Iterator[IO[str]]:
    if isinstance(target, str | Path):
        with Path(target).open("w", newline="", encoding="utf-8") as fh:
            yield fh
    else:
        yield target if target is not None else sys.stdout
