"""Hostile names are inert in CSV and in the terminal."""

from __future__ import annotations

import csv
import functools
import io
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table

from bridgewatch.report.safe import (
    cell,
    csv_cell,
    csv_changed_sql,
    csv_chunks,
    csv_clean_sql,
    csv_guard_sql,
    markup,
    plain,
    write_csv_rows,
)


@pytest.mark.parametrize(("value", "written"), [
    ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ('=HYPERLINK("http://evil.test","click")', '\'=HYPERLINK("http://evil.test","click")'),
    ("+44 20 7946 0000", "'+44 20 7946 0000"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\tTabbed", "'\tTabbed"),
    ("\rReturn", "'\nReturn"),
    ("\nLine", "'\nLine"),
    (" =1+1", "' =1+1"),
    ("\u00a0\u3000@SUM(A1)", "'\u00a0\u3000@SUM(A1)"),
    ("\u200b\ufeff=1", "'\u200b\ufeff=1"),
    ("\uff1dcmd|' /C calc'!A0", "'\uff1dcmd|' /C calc'!A0"),
    ("  \uff0b1", "'  \uff0b1"),
    ("Acme - Ltd", "Acme - Ltd"),
    ("  Acme", "  Acme"),
    ("Acme Ltd", "Acme Ltd"),
    ("", ""),
    (None, ""),
    (True, "true"),
])
def test_text_cells_are_neutralised(value: object, written: object) -> None:
    assert csv_cell(value) == written


@pytest.mark.parametrize("value", [Decimal("-40.00"), -3, 2.5, Decimal("18400.00")])
def test_numbers_stay_numeric(value: object) -> None:
    assert csv_cell(value) is value


def test_rows_round_trip_through_a_csv_reader() -> None:
    fh = io.StringIO()
    assert write_csv_rows(fh, ["name", "value"], [["=1+1", Decimal("-5.00")], ["Ok", 3]]) == 2
    assert list(csv.reader(io.StringIO(fh.getvalue()))) == [["name", "value"], ["'=1+1", "-5.00"], ["Ok", "3"]]


def test_terminal_text_loses_escapes_and_controls() -> None:
    assert plain("\x1b[31mred\x1b[0m\x07bell\x1b]0;title\x07 ok\nnext") == "redbell ok next"
    assert plain("x" * 10, limit=5) == "xxxx…"


@pytest.mark.parametrize("name", ["[/]", "[link=http://evil.test]click[/link]", "[bold]loud", "\\[x]"])
def test_markup_prints_literally(name: str) -> None:
    console = Console(record=True, width=80)
    console.print(f"name: {markup(name)}")
    table = Table()
    table.add_column("Name")
    table.add_row(cell(name))
    console.print(table)
    text = console.export_text()
    assert f"name: {name}" in text
    assert name in text


@pytest.mark.parametrize(("value", "written"), [
    ("Evil\x1b[2J\x1b[31mCo\x1b[0m", "EvilCo"),
    ("\x1b]0;pwned\x07Acme\x07 Ltd", "Acme Ltd"),
    ("\x1b=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("Bell\x07\x9b\x00 Ltd", "Bell Ltd"),
    ("\tTabbed", "'\tTabbed"),
    ("two\nlines\r", "two\nlines\n"),
    ("a\r\nb\rc", "a\nb\nc"),
    ("\u202eevil \u2066Co\u2069 1,250.00", "evil Co 1,250.00"),  # an override would reverse the rest of the line
    ("\u202a\u202b\u202c\u202d\u2067\u2068 Ltd", " Ltd"),
    ("\u202e=1+1", "'=1+1"),  # what is left is guarded
    ("شركة Acme", "شركة Acme"),  # right-to-left letters stay
])
def test_terminal_escapes_and_control_characters_leave_csv_cells(value: str, written: str) -> None:
    assert csv_cell(value) == written


def test_csv_chunks_are_the_written_csv_a_few_rows_at_a_time() -> None:
    rows = [["=SUM(1,2)", 1], ["Ana", 2]]
    assert list(csv_chunks(["name", "n"], rows, size=1)) == ["name,n\n\"'=SUM(1,2)\",1\n", "Ana,2\n", ""]
    written = io.StringIO()
    assert write_csv_rows(written, ["name", "n"], iter(rows)) == 2
    assert written.getvalue() == "".join(csv_chunks(["name", "n"], rows))


def test_a_carriage_return_inside_a_name_keeps_the_row_whole() -> None:
    """Python's csv module (3.11) does not quote a bare CR, which every reader takes as a row end."""
    fh = io.StringIO()
    write_csv_rows(fh, ["name", "n"], [["Acme\rLtd", 1], ["Next", 2]])
    assert list(csv.reader(io.StringIO(fh.getvalue(), newline=""))) == [["name", "n"], ["Acme\nLtd", "1"],
                                                                         ["Next", "2"]]


_TEXT = st.text(alphabet=st.sampled_from(list("=+-@\t\r\n\x1b\x07\x00\x9b\x7f[]0;m,\"' aZé#"
                                             "\u00a0\u3000\u200b\uff1d\uff20\u202e\u2066\u2069ش")), max_size=12)


@functools.cache
def _shared_connection() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


@settings(max_examples=300, deadline=None)
@given(values=st.lists(_TEXT, min_size=1, max_size=20))
def test_the_sql_cell_is_the_python_cell(values: list[str]) -> None:
    """``csv_clean_sql`` + ``csv_guard_sql`` in DuckDB give exactly what ``csv_cell`` gives (NULL for empty)."""
    con = _shared_connection()  # a connection costs ~0.1 s: one for every example, the table made afresh
    con.execute("CREATE OR REPLACE TEMP TABLE t (i INTEGER, v VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
    rows = con.execute(f"SELECT {csv_guard_sql('c')} FROM (SELECT i, {csv_clean_sql('v')} AS c FROM t) ORDER BY i")
    assert [r[0] or "" for r in rows.fetchall()] == [csv_cell(v) for v in values]
    skipping = f"CASE WHEN {csv_changed_sql(['v'])} THEN {csv_clean_sql('v')} ELSE v END"  # as the worklist does
    rows = con.execute(f"SELECT {csv_guard_sql('c')} FROM (SELECT i, {skipping} AS c FROM t) ORDER BY i")
    assert [r[0] or "" for r in rows.fetchall()] == [csv_cell(v) for v in values]


def test_json_output_writes_c1_and_bidirectional_controls_as_escapes_and_keeps_the_values() -> None:
    """`run --format json` printed to a terminal: a C1 CSI (U+009B) in a name drives terminals that honour 8-bit
    controls, and a right-to-left override reverses the rest of the line. The JSON keeps every value (a parser reads
    the same name) but writes those characters as \\u escapes; ESC and the other C0 controls json escapes already."""
    import json

    from bridgewatch.report.json_out import write_results_json

    name = "Acme\u009b2J\u202eLtd\x1b[31m\u2066x\u2069\x7f\u2028شركة"
    out = io.StringIO()
    write_results_json(out, [({"card": "c", "title": f"t{name}"}, iter([{"name": name, "rank": 1}]))])
    text = out.getvalue()
    assert '"name": "Acme\\u009b2J\\u202eLtd\\u001b[31m\\u2066x\\u2069\\u007f\\u2028شركة"' in text
    assert '"title": "tAcme\\u009b2J' in text
    assert json.loads(text)[0]["customers"][0]["name"] == name
    assert json.loads(text)[0]["title"] == f"t{name}"



def test_explain_json_writes_c1_and_bidirectional_controls_as_escapes() -> None:
    import json

    from bridgewatch.report.explain_view import explanations_json
    from bridgewatch.report.explanation import Explanation

    name = "Acme\u009b2J\u202eLtd"
    found = [Explanation("d365_customer_master_gap", "ws", "bigcommerce", "company", "B-1003", name, "counted",
                         "never synced", keys=[{"key": "email", "values": ["a\u2067@x.com"]}])]
    text = explanations_json(found)
    assert "\u009b" not in text and "\u202e" not in text and "\u2067" not in text
    assert '"name": "Acme\\u009b2J\\u202eLtd"' in text and '"a\\u2067@x.com"' in text
    assert json.loads(text)[0]["name"] == name


def test_the_accounting_table_prints_exclusion_reasons_literally() -> None:
    """Some exclusion reasons quote the export (Intacct's ``<data listtype="...">``, an OData entity set, an href):
    the table printed them as rich markup and with their escape sequences."""
    from bridgewatch.ingest.accounting import Accounting
    from bridgewatch.report.accounting_view import accounting_table

    reason = 'not a customer: a record of another object (<data listtype="[bold]x[/]\x1b]0;pwn\x07\u202e">)'
    accounting = Accounting.from_record([{"table": "erp_customers", "file": "/w/erp/a.xml", "read": 3, "used": 1,
                                          "excluded": {reason: 2}, "problems": []}], [])
    console = Console(record=True, width=400, force_terminal=True, color_system=None)
    console.print(accounting_table(accounting))
    text = console.export_text()
    assert '2 not a customer: a record of another object (<data listtype="[bold]x[/]">)' in text
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
