"""Build a workspace folder (workspace.toml + canonical CSVs) from rows held in memory.

Used by the demo generator and by tests that state scenarios by hand: a scenario is a config
dictionary plus a list of rows per canonical table, written in the documented canonical format.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from bridgewatch.config import CONFIG_FILE
from bridgewatch.model.tables import TABLES_BY_NAME


@dataclass
class Scenario:
    """A workspace under construction."""

    config: dict[str, Any]
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def add(self, table: str, **row: Any) -> dict[str, Any]:
        """Append a row to ``table`` (unknown tables or columns fail at once)."""
        known = TABLES_BY_NAME[table].column_names
        unknown = set(row) - set(known)
        if unknown:
            raise KeyError(f"{table} has no column(s) {sorted(unknown)}")
        self.rows.setdefault(table, []).append(row)
        return row

    def write(self, root: Path | str) -> Path:
        """Write ``workspace.toml`` and ``data/<table>.csv`` under ``root``; return ``root``."""
        root = Path(root)
        data = root / self.config.get("data_dir", "data")
        data.mkdir(parents=True, exist_ok=True)
        (root / CONFIG_FILE).write_text(tomli_w.dumps(self.config), encoding="utf-8")
        for name, table in TABLES_BY_NAME.items():
            rows = self.rows.get(name, [])
            if rows or not table.optional:
                write_csv(data / f"{name}.csv", table.column_names, rows)
        return root


def write_csv(path: Path, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
