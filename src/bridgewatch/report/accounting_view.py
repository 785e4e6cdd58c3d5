"""Render ingest accounting: per file, read = used + excluded + quarantined."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path, PurePath

from rich.console import Console
from rich.table import Table

from bridgewatch.atomic import atomic_file
from bridgewatch.ingest.accounting import Accounting, ReadWarning
from bridgewatch.report.safe import cell, plain, write_csv_rows

QUARANTINE_COLUMNS = ("file", "row", "field", "value", "reason")


def render_accounting(accounting: Accounting, console: Console, fmt: str = "table", *, warnings: bool = True) -> None:
    """Print the accounting as a table, JSON or CSV; the readers' warnings with it (on stderr beside CSV), unless
    ``warnings`` is false (the table under cards that list them already), and the files' notes (a file skipped
    and why, an export read without a column: in the JSON per file, under the table, on stderr beside CSV)."""
    if fmt == "json":
        sys.stdout.write(json.dumps({"files": accounting.as_dicts(), "quarantine": [
            dict(zip(QUARANTINE_COLUMNS, (p.file, p.row, p.field, p.value, p.reason), strict=True))
            for p in accounting.problems], "warnings": accounting.warnings_record()}, indent=2) + "\n")
        return
    if fmt == "csv":
        write_csv_rows(sys.stdout, ("table", "file", "read", "used", "excluded", "quarantined"), (
            (f.table, f.file, f.read, f.used, sum(f.excluded.values()), f.quarantined_rows) for f in accounting.files))
        sys.stderr.writelines(f"warning: {line}\n" for line in warning_lines(accounting.warnings))
        sys.stderr.writelines(f"note: {plain(line)}\n" for line in accounting.notes)
        return
    console.print(accounting_table(accounting))
    for p in accounting.problems[:50]:
        console.print(f"  quarantined: {plain(p.describe())}", highlight=False, markup=False)
    for line in warning_lines(accounting.warnings) if warnings else []:  # wrapped to the terminal, as the table
        console.print(f"  incomplete: {line}", highlight=False, markup=False)
    for line in accounting.notes:
        console.print(f"  note: {plain(line)}", highlight=False, markup=False)


def warning_lines(warnings: Iterable[ReadWarning]) -> list[str]:
    """Each reader warning as one line for a terminal (control characters made inert)."""
    return [plain(w.describe()) for w in warnings]


def accounting_table(accounting: Accounting) -> Table:
    """The per-file table; files are named relative to the folder they share; long values wrap, never cut."""
    names = short_names([f.file for f in accounting.files])
    table = Table(title="Ingest accounting (read = used + excluded + quarantined)", title_justify="left")
    for name in ("Table", "File", "Read", "Used", "Excluded", "Quarantined", "Balanced"):
        numeric = name in ("Read", "Used", "Excluded", "Quarantined")
        table.add_column(name, justify="right" if numeric else "left", overflow="fold",
                         min_width=12 if name == "File" else None)
    for f, shown in zip(accounting.files, names, strict=True):
        # some reasons quote the export (a listtype, an entity set, an href): printed literally, made inert
        excluded = ", ".join(f"{n} {reason}" for reason, n in sorted(f.excluded.items())) or "0"
        table.add_row(cell(f.table, None), cell(shown, None), str(f.read), str(f.used), cell(excluded, None),
                      str(f.quarantined_rows), "yes" if f.balanced else "NO")
    return table


def short_names(files: list[str]) -> list[str]:
    """Each path relative to the deepest folder all of them share (the workspace, typically).

    Two different files never get the same name: the common folder is only ever cut from the
    left, and a lone file keeps its own name.
    """
    paths = [PurePath(f) for f in files]
    try:
        common = PurePath(os.path.commonpath([p.parent for p in paths])) if paths else None
    except ValueError:  # absolute and relative paths mixed
        return list(files)
    return [p.relative_to(common).as_posix() if common is not None and p != common else str(p) for p in paths]


def write_quarantine(accounting: Accounting, path: Path) -> None:
    """Write every quarantined cell as CSV (file, row, field, value, reason), formula-safe, replaced whole."""
    with atomic_file(path) as fh:
        write_csv_rows(fh, QUARANTINE_COLUMNS, ((p.file, p.row, p.field, p.value, p.reason)
                                                for p in accounting.problems))
