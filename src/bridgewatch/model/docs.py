"""Render docs/model.md from the table descriptions, so the documentation cannot drift from the code."""

from __future__ import annotations

from bridgewatch.model.tables import LINEAGE_COLUMNS, TABLES, Column

HEADER = """# The canonical model

Every source (canonical CSV/Excel/Parquet files, vendor exports, APIs) is mapped onto these tables; every card
reads only them. This page is generated from `src/bridgewatch/model/tables.py`
(`python -m bridgewatch.model.docs > docs/model.md`); a test keeps the two identical.

A workspace folder holds `workspace.toml` and, for canonical input, one file per table in `data/`:
`<table>.csv` (UTF-8, comma-separated, header row), `.tsv`, `.csv.gz`, `.parquet` or `.xlsx` (an Excel
workbook: its one sheet, or of several the one whose header has the table's required columns; rows
are named `<table>.xlsx[<sheet>]`, typed cells read as docs/sources/README.md "File shapes" says). Column
names are matched case-insensitively; unknown columns are an error (with a suggestion); a column that is not
required may be left out. Columns with a blank header cell and no value (the trailing `,,` a
spreadsheet leaves) are ignored; one holding values is an error naming its position. A row whose
every cell is empty (`,,,,` under a spreadsheet's data) is excluded as `blank row` in the file's
accounting; the rows after it keep their numbers. Empty cells are NULL. Booleans accept true/false,
1/0, yes/no, t/f, y/n.
Timestamps are ISO 8601; those without a zone are read in `workspace.timezone` and stored as UTC.
Money is a plain decimal (`1234.50`). Ids are always strings (leading zeros are kept).

Loaders add three lineage columns to every table:

"""


def _row(col: Column) -> str:
    flags = []
    if col.required:
        flags.append("required")
    if col.default is not None:
        flags.append(f"default `{col.default}`")
    if col.allowed:
        flags.append("one of " + ", ".join(f"`{v}`" for v in col.allowed))
    return f"| `{col.name}` | {col.type.value} | {'; '.join(flags)} | {col.doc} |"


def render() -> str:
    """The whole of docs/model.md."""
    parts = [HEADER, "| column | type | rules | meaning |", "|---|---|---|---|"]
    parts += [_row(c) for c in LINEAGE_COLUMNS]
    for table in TABLES:
        optional = " Optional: a workspace may omit the file." if table.optional else ""
        key = f" Key: {', '.join(f'`{k}`' for k in table.key)} (later duplicates are excluded and counted)." \
            if table.key else ""
        if table.keyless_when_empty:
            empty = " or ".join(f"`{k}`" for k in table.keyless_when_empty)
            key += (f" A row without {empty} has no key: it is merged only with a row alike in every field from "
                    f"another file (the n-th such row of one file with the n-th of the other: an overlapping "
                    f"export), never with one of its own file.")
        parts += ["", f"## `{table.name}`", "", f"{table.doc}{key}{optional}", "",
                  "| column | type | rules | meaning |", "|---|---|---|---|"]
        parts += [_row(c) for c in table.columns]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(render(), end="")
