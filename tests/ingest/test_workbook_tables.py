"""Canonical table files saved as Excel workbooks (.xlsx) load as their CSVs do."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bridgewatch.errors import InputError
from bridgewatch.ingest.accounting import OnBadRow
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, erp, sage

LINEAGE = ("source_file",)


def _ws(tmp_path: Path) -> Path:
    s = sage()
    company(s, "A", vat="GB123456789")
    erp(s, "C1", vat_number="00123456789")
    return s.write(tmp_path / "ws")


def _typed(text: str) -> Any:
    """What Excel makes of a CSV cell: numbers, booleans and timestamps become typed cells; ids with leading
    zeros stay text only because the user formatted them so (as here)."""
    if text in ("true", "false"):
        return text == "true"
    if text.endswith("Z") and "T" in text:
        return datetime.fromisoformat(text.removesuffix("Z"))
    try:
        return float(text) if "." in text else text
    except ValueError:
        return text


def _to_workbook(csv_path: Path, sheet: str | None = None, above: int = 0) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet or csv_path.stem
    for _ in range(above):
        ws.append([])
    with csv_path.open(encoding="utf-8") as fh:
        for i, row in enumerate(csv.reader(fh)):
            ws.append([None if v == "" else v if i == 0 else _typed(v) for v in row])
    target = csv_path.with_suffix(".xlsx")
    wb.save(target)
    csv_path.unlink()
    return target


def _rows(root: Path) -> dict[str, list[dict[str, Any]]]:
    tables = load_workspace(root).tables
    return {name: [{k: v for k, v in r.items() if k not in LINEAGE} for r in t.to_pylist()]
            for name, t in tables.items()}


def test_every_canonical_table_as_a_workbook_loads_as_its_csv(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    expected = _rows(root)
    for path in sorted((root / "data").glob("*.csv")):
        _to_workbook(path)
    assert _rows(root) == expected
    loaded = load_workspace(root)
    order = loaded.tables["orders"].to_pylist()[0]
    assert (order["source_file"], order["source_row"], order["total"], order["created_at"]) == (
        str(root / "data" / "orders.xlsx[orders]"), 1, expected["orders"][0]["total"], datetime(2026, 4, 10, 10, 0))
    assert loaded.tables["erp_customers"].to_pylist()[0]["vat_number"] == "00123456789"
    assert {Path(a.file).name for a in loaded.accounting.files} >= {"orders.xlsx[orders]", "erp_customers.xlsx["
                                                                    "erp_customers]"}


def test_a_bad_cell_of_a_workbook_names_the_sheet_and_the_row_under_the_header(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    orders = root / "data" / "orders.csv"
    orders.write_text(orders.read_text() + "bigcommerce,A-1,A-U,A,,,,,,2026-04-11T10:00:00Z,GBP,ten,GB,\n")
    workbook = _to_workbook(orders, sheet="Orders", above=2)  # the header on Excel's row 3
    with pytest.raises(InputError) as err:
        load_workspace(root)
    assert [(p.file, p.row, p.field, p.value) for p in err.value.problems] == [
        (f"{workbook}[Orders]", 2, "total", "ten")]
    loaded = load_workspace(root, on_bad_row=OnBadRow.QUARANTINE)
    account = next(a for a in loaded.accounting.files if a.table == "orders")
    assert (account.file, account.read, account.used, len(account.quarantined)) == (f"{workbook}[Orders]", 2, 1, 1)


def test_an_empty_canonical_workbook_is_an_empty_table_with_a_note(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    (root / "data" / "fx_rates.csv").unlink(missing_ok=True)
    wb = openpyxl.Workbook()
    wb.save(root / "data" / "fx_rates.xlsx")
    loaded = load_workspace(root)
    assert [a.notes for a in loaded.accounting.files if a.table == "fx_rates"] == [
        ["no fx rates: the workbook is empty (no visible sheet holds a value)"]]
