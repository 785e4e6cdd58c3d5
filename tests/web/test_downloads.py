"""The worklist downloads: the rows `bridgewatch run --format csv` printed, filtered and sorted as on the page,
formula-safe in CSV, text never a formula in XLSX."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from .conftest import D365, D365_CARD, FORMULA_NAME, SAGE, SAGE_CARD, SCRIPT_NAME, Demo, signed_in
from .pagetext import text

SAGE_URL = f"/w/{SAGE}/cards/{SAGE_CARD}"
D365_URL = f"/w/{D365}/cards/{D365_CARD}"


@pytest.fixture(scope="module")
def owner(web: FastAPI) -> TestClient:
    return signed_in(web, "owner@example.com")


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_download_is_what_bridgewatch_run_printed(owner: TestClient, demo: Demo) -> None:
    for ws, url in ((SAGE, SAGE_URL), (D365, D365_URL)):
        response = owner.get(f"{url}/worklist.csv")
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert re.fullmatch(rf'attachment; filename="{ws}_[a-z0-9_]+_\d{{8}}T\d{{6}}Z-[0-9a-f]{{6}}\.csv"',
                            response.headers["content-disposition"])
        assert response.text == demo.csv[ws]
    assert len(_rows(demo.csv[D365])) == 17 and len(_rows(demo.csv[SAGE])) == 14


def test_a_filtered_download_holds_exactly_the_filtered_rows_in_page_order(owner: TestClient, demo: Demo) -> None:
    printed = _rows(demo.csv[D365])
    catu = _rows(owner.get(f"{D365_URL}/worklist.csv", params={"entity": "CATU"}).text)
    assert catu == [r for r in printed if r["expected_entity"] == "CATU"]
    assert [r["rank"] for r in catu] == ["3", "5", "12", "14"]
    by_name = _rows(owner.get(f"{D365_URL}/worklist.csv", params={"sort": "name", "segment": "b2b"}).text)
    assert [r["name"] for r in by_name] == sorted(r["name"] for r in printed if r["segment"] == "b2b")
    assert by_name[0]["name"] == SCRIPT_NAME


def test_formula_looking_names_are_neutralised_in_csv(owner: TestClient) -> None:
    rows = _rows(owner.get(f"{SAGE_URL}/worklist.csv").text)
    assert [r["name"] for r in rows if r["company_id"] == "B2B-3102"] == ["'" + FORMULA_NAME]


def _sheet(content: bytes) -> tuple[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in book.namelist() else ""
    return sheet, strings


def test_the_xlsx_download_has_every_row_text_as_text_and_amounts_as_numbers(owner: TestClient) -> None:
    response = owner.get(f"{SAGE_URL}/worklist.xlsx")
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet, strings = _sheet(response.content)
    assert "<f>" not in sheet and "<f " not in sheet
    assert sheet.count("<row ") == 15
    assert FORMULA_NAME in strings or FORMULA_NAME in sheet
    assert re.search(r'<c r="V2" s="\d+"><v>2956</v></c>', sheet), "blocked_value_reporting of rank 1 as a number"


def test_the_xlsx_download_of_the_script_name_is_plain_text(owner: TestClient) -> None:
    sheet, strings = _sheet(owner.get(f"{D365_URL}/worklist.xlsx", params={"entity": "CATU"}).content)
    assert sheet.count("<row ") == 5
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in strings + sheet


def test_only_csv_and_xlsx_are_offered(owner: TestClient) -> None:
    assert owner.get(f"{D365_URL}/worklist.pdf").status_code == 400


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_bad_sort_is_refused_before_the_download_starts(owner: TestClient, fmt: str) -> None:
    response = owner.get(f"{D365_URL}/worklist.{fmt}", params={"sort": "nonsense"})
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert ("Unknown worklist sort 'nonsense'; sorts: rank, name, active_orders, blocked_value, days_absent, cause, "
            "entity, segment, platform." in text(response.text))


def test_xlsx_text_loses_escapes_controls_and_bidi_controls_as_the_csv_does() -> None:
    """The XLSX wrote a name's ESC, BEL and U+009B as `_x001B_`-style escapes (Excel shows them as boxes or drops
    them, a copy of the cell carries them) and kept a right-to-left override that reverses the cell: its text cells
    now hold what the CSV's cells hold (without the CSV's formula quote, XLSX text is never a formula)."""
    from bridgewatch.report.csv_out import WORKLIST_COLUMNS
    from bridgewatch.web.exports import xlsx_stream

    row = dict.fromkeys(WORKLIST_COLUMNS)
    row.update(rank=1, name="\u202eevil\x1b]0;pwn\x07 \x1b[31mRed\u009b2J Co", customer_id="=1+1", active_orders=2,
               blocked_value="12.50", blocked_value_reporting="12.50", currency="GBP")
    sheet, _ = _sheet(b"".join(xlsx_stream({"card": "c", "workspace": "w"}, [row], title="c")))
    assert '<c r="G2" t="inlineStr"><is><t>evil Red2J Co</t></is></c>' in sheet
    assert '<c r="E2" t="inlineStr"><is><t>=1+1</t></is></c>' in sheet
    assert "_x00" not in sheet and "\u202e" not in sheet


def test_xlsx_amounts_are_shown_with_their_currencys_decimals() -> None:
    """Every amount cell had the number format `#,##0.00`: a KWD order of 12.345 showed as 12.35 (and a JPY
    reporting value as 1,498.00). Each amount now shows its own currency's decimals: the order currency's for
    `blocked_value`, the reporting currency's for `blocked_value_reporting`."""
    from bridgewatch.report.csv_out import WORKLIST_COLUMNS
    from bridgewatch.web.exports import xlsx_stream

    base = dict.fromkeys(WORKLIST_COLUMNS)
    rows = [base | {"rank": 1, "name": "A", "blocked_value": "12.345", "currency": "KWD",
                    "blocked_value_reporting": "6053.00"},
            base | {"rank": 2, "name": "B", "blocked_value": "10.00", "currency": "USD",
                    "blocked_value_reporting": "1498.00"}]
    meta = {"card": "c", "workspace": "w", "reporting_currency": "JPY"}
    book = zipfile.ZipFile(io.BytesIO(b"".join(xlsx_stream(meta, rows, title="c"))))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    styles = book.read("xl/styles.xml").decode()
    codes = {"3": "#,##0", "4": "#,##0.00"} | dict(re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]+)"',
                                                             styles))
    xfs = re.findall(r'<xf numFmtId="(\d+)"', styles.split("<cellXfs")[1])
    columns = {name: chr(ord("A") + i) for i, name in enumerate(WORKLIST_COLUMNS)}

    def shown(name: str, row: int) -> tuple[str, str]:
        style, value = re.search(rf'<c r="{columns[name]}{row}" s="(\d+)"><v>([^<]+)</v>', sheet).groups()  # type: ignore[union-attr]
        return value, codes.get(xfs[int(style)], xfs[int(style)])

    assert shown("blocked_value", 2) == ("12.345", "#,##0.000")
    assert shown("blocked_value", 3) == ("10", "#,##0.00")
    assert shown("blocked_value_reporting", 2) == ("6053", "#,##0")
    assert shown("blocked_value_reporting", 3) == ("1498", "#,##0")
