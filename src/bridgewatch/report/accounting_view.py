"""Render ingest accounting: per file, read = used + excluded + quarantined."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bridgewatch.ingest.accounting import Accounting

QUARANTINE_COLUMNS = ("file", "row", "field", "value", "reason")


def render_accounting(accounting: Accounting, console: Console, fmt: str = "table") -> None:
    """Print the accounting as a table, JSON or CSV."""
    if fmt == "json":
        sys.stdout.write(json.dumps({"files": accounting.as_dicts(), "quarantine": [
            dict(zip(QUARANTINE_COLUMNS, (p.file, p.row, p.field, p.value, p.reason), strict=True))
            for p in accounting.problems]}, indent=2) + "\n")
        return
    if fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(("table", "file", "read", "used", "excluded", "quarantined"))
        for f in accounting.files:
            writer.writerow((f.table, f.file, f.read, f.used, sum(f.excluded.values()), f.quarantined_rows))
        return
    table = Table(title="Ingest accounting (read = used + excluded + quarantined)", title_justify="left")
    for name in ("Table", "File", "Read", "Used", "Excluded", "Quarantined", "Balanced"):
        table.add_column(name, justify="right" if name in ("Read", "Used", "Excluded", "Quarantined") else "left")
    for f in accounting.files:
        excluded = ", ".join(f"{n} {reason}" for reason, n in sorted(f.excluded.items())) or "0"
        table.add_row(f.table, f.file, str(f.read), str(f.used), excluded, str(f.quarantined_rows),
                      "yes" if f.balanced else "NO")
    console.print(table)
    for p in accounting.problems[:50]:
        console.print(f"  quarantined: {p.describe()}", highlight=False, markup=False)


def write_quarantine(accounting: Accounting, path: Path) -> None:
    """Write every quarantined cell as CSV (file, row, field, value, reason)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(QUARANTINE_COLUMNS)
        for p in accounting.problems:
            writer.writerow((p.file, p.row, p.field, p.value, p.reason))
