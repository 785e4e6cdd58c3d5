"""Shared helpers for reader tests: read a fixture set, pick columns, check the accounting."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bridgewatch.ingest.accounting import OnBadRow
from bridgewatch.sources import ReadContext, ReadResult, get_reader

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def read(reader: str, pattern: str | Sequence[Path], *, zone: str = "UTC",
         on_bad_row: OnBadRow = OnBadRow.QUARANTINE, **options: Any) -> ReadResult:
    """Run ``reader`` over fixture files matching ``pattern`` (relative to tests/fixtures) or given paths."""
    paths = sorted(FIXTURES.glob(pattern)) if isinstance(pattern, str) else list(pattern)
    assert paths, f"no fixture matches {pattern}"
    return get_reader(reader).read(paths, ReadContext("ws", timezone=zone, on_bad_row=on_bad_row,
                                                      options=options, source="test"))


def rows(result: ReadResult, table: str, *columns: str) -> list[tuple[Any, ...]]:
    """The rows of ``table`` as tuples of ``columns``, in output order."""
    return [tuple(r[c] for c in columns) for r in result.tables[table].to_pylist()]


def accounts(result: ReadResult) -> dict[tuple[str, str], dict[str, object]]:
    """(table, file name) → the account as a dict without its table/file."""
    out = {}
    for a in result.accounts:
        d = a.as_dict()
        out[(a.table, Path(a.file).name)] = {k: v for k, v in d.items() if k not in ("table", "file")}
    return out


def problems(result: ReadResult) -> list[tuple[str, int | None, str | None, str | None, str]]:
    """Every quarantined problem as (file name, row, field, value, reason)."""
    return [(Path(p.file).name, p.row, p.field, p.value, p.reason) for a in result.accounts for p in a.quarantined]
