"""End to end through the CLI on a copy of the demo: hostile names stay inert, stale data is never an all-clear."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import EXIT_ALERT, EXIT_STALE, app
from bridgewatch.demo import write_demo

runner = CliRunner()
FORMULA = "=cmd|' /C calc'!A0"
MARKUP = "[/] [link=http://evil.test]Acme[/link] [bold]"
ANSI = "Evil\x1b[2J\x1b]0;pwned\x07 Ltd\x07"


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    """The D365 demo with three hostile company names written into the BigCommerce B2B export."""
    root = write_demo(tmp_path)[1]
    page = root / "exports" / "bigcommerce" / "b2b_companies.json"
    text = page.read_text(encoding="utf-8")
    for name, hostile in (("Wholesale-X", MARKUP), ("Northwind Supply", FORMULA), ("Great Lakes Hardware", ANSI)):
        assert json.dumps(name) in text, name
        text = text.replace(json.dumps(name), json.dumps(hostile))
    page.write_text(text, encoding="utf-8")
    return root


def test_csv_worklist_neutralises_formulas(demo: Path) -> None:
    result = runner.invoke(app, ["run", "-w", str(demo), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = {r["company_id"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows["B-1002"]["name"] == "'" + FORMULA
    assert rows["B-1001"]["blocked_value"] == "18400.00" and rows["B-1001"]["active_orders"] == "3"
    assert all(not r["name"].startswith(("=", "+", "-", "@")) for r in rows.values())


def test_json_keeps_names_verbatim(demo: Path) -> None:
    [card] = json.loads(runner.invoke(app, ["run", "-w", str(demo), "--format", "json"]).stdout)
    assert {c["name"] for c in card["customers"]} >= {FORMULA, MARKUP, ANSI}


def test_terminal_prints_markup_literally_and_strips_escapes(demo: Path) -> None:
    result = runner.invoke(app, ["run", "-w", str(demo)])
    assert result.exit_code == 0, result.output
    assert "largest: [/] [link=http://evil.test]Acme[/link] … $18,400.00" in result.stdout  # literal, cut, no link
    assert "\x1b[2J" not in result.stdout and "\x1b]0;" not in result.stdout and "\x07" not in result.stdout
    wide = runner.invoke(app, ["run", "-w", str(demo)], env={"COLUMNS": "300"})
    assert [line.split("│")[4].strip() for line in wide.stdout.splitlines() if "B-1004" in line] == ["Evil Ltd"]
    assert "pwned" not in wide.stdout  # the whole OSC title sequence is gone, not only its ESC


def test_explain_survives_hostile_names(demo: Path) -> None:
    assert runner.invoke(app, ["run", "-w", str(demo)]).exit_code == 0
    for args in ([], ["--recompute"]):
        result = runner.invoke(app, ["explain", "-w", str(demo), "B-1001", *args], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "company B-1001 ([/] [link=http://evil.test]Acme[/link] [bold])" in result.stdout


def _set_as_of(root: Path, as_of: str) -> None:
    config = root / "workspace.toml"
    config.write_text(re.sub(r'as_of = "[^"]+"', f'as_of = "{as_of}"', config.read_text()))


def test_stale_data_is_unknown_exit_6_with_a_loud_warning(tmp_path: Path) -> None:
    root = write_demo(tmp_path)[0]
    _set_as_of(root, "2026-05-20T00:00:00Z")  # five weeks after the newest order
    result = runner.invoke(app, ["run", "-w", str(root), "--fail-on-alert"])
    assert result.exit_code == EXIT_STALE, result.output
    assert result.stdout.index("NO DATA") < result.stdout.index("customers with active orders")
    assert "alert state UNKNOWN" in result.stdout
    [card] = json.loads(runner.invoke(app, ["run", "-w", str(root), "-f", "json", "--allow-stale"]).stdout)
    assert (card["freshness"]["status"], card["alert"]["state"], card["count"]) == ("no_data", "unknown", 0)


def test_old_newest_order_is_stale_even_with_orders_in_the_window(tmp_path: Path) -> None:
    root = write_demo(tmp_path)[0]
    _set_as_of(root, "2026-04-18T00:00:00Z")  # window still holds orders, the newest is 3+ days old
    result = runner.invoke(app, ["run", "-w", str(root), "-f", "json"])
    assert result.exit_code == EXIT_STALE
    [card] = json.loads(result.stdout)
    assert card["freshness"]["status"] == "stale" and card["alert"] == {
        "threshold": 10, "fired": card["count"] > 10, "sentiment": "customer_master_gap", "state": "unknown"}
    assert card["freshness"]["reasons"][0].startswith("the newest order (2026-04-15T10:15:00Z) is 61 hours before "
                                                       "the as-of time (2026-04-18T00:00:00Z)")
    allowed = runner.invoke(app, ["run", "-w", str(root), "--allow-stale", "--fail-on-alert"])
    assert allowed.exit_code == 0  # stale is never 'firing', so --fail-on-alert does not fire either


def test_fresh_demo_fires_and_exits_3_only_with_fail_on_alert(tmp_path: Path) -> None:
    root = write_demo(tmp_path)[0]
    assert runner.invoke(app, ["run", "-w", str(root)]).exit_code == 0
    assert runner.invoke(app, ["run", "-w", str(root), "--fail-on-alert"]).exit_code == EXIT_ALERT


def _missing_b2b_page(tmp_path: Path) -> tuple[Path, Path, str]:
    """The D365 demo whose B2B Edition companies page is full (limit = its records) while its totalCount says 3
    more follow: (workspace, page, the warning's text)."""
    root = write_demo(tmp_path)[1]
    page = root / "exports" / "bigcommerce" / "b2b_companies.json"
    body = json.loads(page.read_text(encoding="utf-8"))
    read = len(body["data"])
    body["meta"]["pagination"] = {"limit": read, "offset": 0, "totalCount": read + 3}
    page.write_text(json.dumps(body), encoding="utf-8")
    return root, page, (f"BigCommerce B2B Edition companies pages read hold {read} of the {read + 3} records their "
                        f"totalCount gives, so pages are missing; add the remaining pages (offset) to the source, or "
                        f"companies will look missing")


def test_a_b2b_edition_export_missing_a_page_makes_the_result_stale(tmp_path: Path) -> None:
    root, page, text = _missing_b2b_page(tmp_path)
    result = runner.invoke(app, ["run", "-w", str(root), "--format", "json"])
    assert result.exit_code == EXIT_STALE, result.output
    [card] = json.loads(result.stdout)
    assert card["ingest_warnings"] == [{"source": "bigcommerce", "files": [str(page)], "text": text}]
    assert (card["freshness"]["status"], card["alert"]["state"]) == ("stale", "unknown")
    assert card["freshness"]["reasons"] == [f"incomplete export: sources.bigcommerce: {text} (files: {page})"]


def test_the_terminal_readout_says_an_incomplete_export_once_at_the_top(tmp_path: Path) -> None:
    """Not again among the stale data's reasons, under the accounting table or on a second card; the JSON keeps
    the warning on every card, as an ingest warning and as a reason the data is stale."""
    root, page, text = _missing_b2b_page(tmp_path)
    config = root / "workspace.toml"
    config.write_text(config.read_text().replace(
        "[workspace]\n", '[workspace]\ncards = ["d365_customer_master_gap", "sage_customer_master_gap"]\n'))
    said = text.split(";")[0]
    result = runner.invoke(app, ["run", "-w", str(root), "--no-store"], env={"COLUMNS": "400"})
    assert result.exit_code == EXIT_STALE, result.output
    assert result.stdout.count(said) == 1
    first, second = result.stdout.split("STALE DATA: the count below cannot be trusted as an all-clear.")[1:]
    assert first.index("INCOMPLETE EXPORT: customers or orders may be missing from what this count was computed "
                       "on.") < first.index(f"- sources.bigcommerce: {said}") < first.index("customers with active")
    assert ("INCOMPLETE EXPORT: customers or orders may be missing from what this count was computed on (the "
            "export's warnings are listed on the card above).") in second
    assert "Ingest accounting" in second and "incomplete: " not in second
    cards = json.loads(runner.invoke(app, ["run", "-w", str(root), "--no-store", "--format", "json"]).stdout)
    assert [(c["ingest_warnings"], c["freshness"]["reasons"]) for c in cards] == 2 * [(
        [{"source": "bigcommerce", "files": [str(page)], "text": text}],
        [f"incomplete export: sources.bigcommerce: {text} (files: {page})"])]


BIDI = "Northwind \u202eSupply\u202c \u2067\u05d0\u05d1\u2069 Ltd"
"""A right-to-left override (closed by a pop) and an isolate around Hebrew letters in a company name."""


def test_terminal_drops_bidirectional_overrides_and_keeps_right_to_left_letters(tmp_path: Path) -> None:
    """In a terminal that lays out right-to-left text, an override in a name reversed the rest of its line
    (the blocked value printed beside it too); the readout now prints the name without the overrides and
    isolates, Hebrew letters kept. JSON keeps the name as the export wrote it."""
    root = write_demo(tmp_path)[1]
    page = root / "exports" / "bigcommerce" / "b2b_companies.json"
    page.write_text(page.read_text(encoding="utf-8").replace(json.dumps("Northwind Supply"), json.dumps(BIDI)),
                    encoding="utf-8")
    wide = runner.invoke(app, ["run", "-w", str(root)], env={"COLUMNS": "300"})
    assert wide.exit_code == 0, wide.output
    assert [line.split("│")[4].strip() for line in wide.stdout.splitlines() if "B-1002" in line] == [
        "Northwind Supply \u05d0\u05d1 Ltd"]
    assert not any(ch in wide.stdout for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    [card] = json.loads(runner.invoke(app, ["run", "-w", str(root), "--format", "json"]).stdout)
    assert BIDI in {c["name"] for c in card["customers"]}


def test_ingest_says_each_files_note_under_the_table_and_beside_csv_inertly(tmp_path: Path) -> None:
    """A file skipped (an Office lock file a glob matched) is said in the terminal too, not only in JSON; the
    file name comes from the folder, so its control characters are made inert."""
    from bridgewatch.report.safe import plain

    root = write_demo(tmp_path)[0]
    lock = root / "exports" / "intacct" / "~$customers\x1b[2J.xml"
    lock.write_text("")
    note = f"{lock}: skipped: an Office lock file (the file is open in Excel), not an export"
    table = runner.invoke(app, ["ingest", "-w", str(root)], env={"COLUMNS": "1000"})
    assert table.exit_code == 0, table.output
    assert [line for line in table.stdout.splitlines() if "note:" in line] == [f"  note: {plain(note)}"]
    assert "\x1b" not in table.stdout and plain(note) != note
    csv_out = runner.invoke(app, ["ingest", "-w", str(root), "--format", "csv"])
    assert csv_out.exit_code == 0, csv_out.output
    assert csv_out.stderr.splitlines() == [f"note: {plain(note)}"]
    [listed] = [f for f in json.loads(runner.invoke(app, ["ingest", "-w", str(root), "--format", "json"]).stdout)[
        "files"] if f["file"] == str(lock)]
    assert listed["notes"] == ["skipped: an Office lock file (the file is open in Excel), not an export"]
