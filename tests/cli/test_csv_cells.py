"""Terminal escapes and control characters in vendor exports never reach a CSV bridgewatch writes, end to end.

A hand-built Shopify orders export whose billing names and one creation time carry ANSI colour (ESC [31m), an
OSC window title (ESC ] 0;title BEL), bare BELs, other C0 controls, DEL and a C1 CSI, behind or in front of a
formula: `bridgewatch run --format csv` (the worklist) and the quarantine file written for the bad row each
hold the cleaned text, formula-guarded after cleaning; tab and line breaks stay, a carriage return as a
newline (quoted: the row stays one row).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import tomli_w
from typer.testing import CliRunner

from bridgewatch.cli import app

from ..cards.builders import D365_AS_OF

runner = CliRunner()
ESCAPES = "\x1b[31mRed\x1b[0m\x1b]0;pwned\x07 Co\x07\x01\x08\x1f\x7f\x9b"
"""Colour on and off, a window title, a BEL, C0 controls (SOH, BS, US), DEL and a C1 CSI: 'Red Co' when clean."""
NAMES = {"evil@shop.example": "=" + ESCAPES + "\tLtd", "lines@shop.example": "Two\x1b[2K\r\nLines\x07\rThree"}
BAD_TIME = "\x1b]0;pwned\x07=1+2\x1b[2J\x07"
"""A creation time that is a formula once its escapes are gone."""
COLUMNS = ("Name", "Email", "Financial Status", "Currency", "Total", "Created at", "Lineitem quantity",
           "Billing Name", "Billing Country", "Id")


def _workspace(root: Path) -> Path:
    exports = root / "exports"
    exports.mkdir(parents=True)
    rows = [(f"#{n}", email, "paid", "USD", "10.00", "2026-04-12 10:00:00 +0000", "1", name, "US", str(n))
            for n, (email, name) in enumerate(NAMES.items(), start=1)]
    rows.append(("#3", "late@shop.example", "paid", "USD", "10.00", BAD_TIME, "1", "Late", "US", "3"))
    with (exports / "orders_export.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([COLUMNS, *rows])
    (exports / "customersv3.json").write_text(json.dumps({"value": [
        {"dataAreaId": "usti", "CustomerAccount": "US-1", "OrganizationName": "Kay", "PrimaryContactEmail":
         "kay@shop.example", "OnHoldStatus": "No"}]}))
    config = {"workspace": {"id": "hostile", "erp": "d365_fo", "home_country": "US", "reporting_currency": "USD",
                            "as_of": D365_AS_OF},
              "legal_entities": [{"id": "USTI", "currency": "USD", "countries": ["US"]}],
              "sources": {"shop": {"reader": "shopify_csv", "path": "exports/orders_export.csv",
                                   "options": {"email_as_customer_id": True}},
                          "erp": {"reader": "d365_fo_odata", "path": "exports/customersv3.json"}}}
    (root / "workspace.toml").write_text(tomli_w.dumps(config))
    return root


def test_the_worklist_csv_and_the_quarantine_file_hold_clean_formula_safe_text(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws")
    result = runner.invoke(app, ["run", "-w", str(root), "--no-store", "--format", "csv"])
    assert result.exit_code == 0, result.output
    printed = result.stdout_bytes.decode()  # (``result.stdout`` turns CR LF into LF)
    worklist = list(csv.DictReader(io.StringIO(printed, newline="")))
    assert {r["customer_id"]: r["name"] for r in worklist} == {"evil@shop.example": "'=Red Co\tLtd",
                                                               "lines@shop.example": "Two\nLines\nThree"}
    assert ',"Two\nLines\nThree",' in printed  # quoted, so the row stays one record
    quarantine = (root / "quarantine.csv").read_text(encoding="utf-8")
    assert quarantine == ("file,row,field,value,reason\n"
                          f"{root / 'exports' / 'orders_export.csv'},3,Created at,'=1+2,expected a date and time "
                          f"such as '2026-06-18 11:02:03 +0100'\n")
    for written in (printed, quarantine):
        assert [c for c in written if (ord(c) < 32 and c not in "\t\r\n") or 0x7f <= ord(c) <= 0x9f] == []
