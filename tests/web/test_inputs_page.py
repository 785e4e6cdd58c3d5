"""The inputs page of a stored card run: the run's ingest accounting file by file, its quarantined cells (escaped on
the page, formula-safe in the CSV), an earlier run's own inputs, the link from the card page, and access as for the
card page.

The workspace is the Sage demo written as vendor files, stored once as it is, then again after three changes: a
BigCommerce orders page renamed ``orders_<b>page3.json`` with one more order whose date is hostile text, one more
order in ``orders_page2.json`` with two bad cells (one row, two cells), and a blank line in the sync log (excluded).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from bridgewatch.cli import app as cli
from bridgewatch.demo import scenarios
from bridgewatch.demo.vendor_files import write_vendor_workspace
from bridgewatch.history import open_store
from bridgewatch.history.schema import runs
from bridgewatch.web import inputs
from bridgewatch.web.app import create_app
from bridgewatch.web.settings import WebSettings, served_workspaces

from .conftest import D365, D365_CARD, FAST_HASHER, SAGE, SAGE_CARD, signed_in
from .pagetext import table, text
from .test_ingest_warnings import TEXT
from .test_ingest_warnings import _workspace as incomplete_workspace

HOSTILE_FILE = "orders_<b>page3.json"
HOSTILE_VALUE = "=1+2<script>alert(1)</script>\x07"
URL = f"/w/{SAGE}/cards/{SAGE_CARD}"
FILES = "Rows per file (read = used + excluded + quarantined)"
CELLS = "Quarantined cells"
DATE_REASON = "expected a date and time such as 'Tue, 16 Jun 2026 09:12:44 +0000'"
AMOUNT_REASON = ("expected an amount such as 1234.50 or 1,234.50 (1.234,50 in files separated by ';' or with the "
                 "decimal_comma option)")
LOCAL = ("127.0.0.1", 50000)


@dataclass(frozen=True)
class Stored:
    folder: Path
    first: str
    """The run id of the first run (the demo as it is)."""
    second: str


def _order(like: dict[str, object], order_id: str, **bad: str) -> dict[str, object]:
    return {**like, "id": order_id, **bad}


def _spoil(folder: Path) -> None:
    orders = folder / "exports" / "bigcommerce"
    page3 = json.loads((orders / "orders_page3.json").read_text())
    page3.append(_order(page3[0], "B2B-BAD-O1", date_created=HOSTILE_VALUE))
    (orders / "orders_page3.json").unlink()
    (orders / HOSTILE_FILE).write_text(json.dumps(page3))
    page2 = json.loads((orders / "orders_page2.json").read_text())
    page2.append(_order(page2[0], "BAD-O2", date_created="yesterday", total_inc_tax="about 40"))
    (orders / "orders_page2.json").write_text(json.dumps(page2))
    log = folder / "exports" / "synclogs" / "sage_network_log.csv"
    log.write_text(log.read_text() + ",,,,,,,,\n")


def _run(folder: Path) -> str:
    result = CliRunner().invoke(cli, ["run", "-w", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    [card] = json.loads(result.stdout)
    return str(card["run_id"])


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Stored:
    folder = write_vendor_workspace(scenarios()[SAGE], tmp_path_factory.mktemp("inputs") / SAGE)
    first = _run(folder)
    _spoil(folder)
    return Stored(folder, first, _run(folder))


def _settings(folder: Path, users: Path) -> WebSettings:
    return WebSettings(tuple(served_workspaces([folder], environ={})), f"sqlite:///{users}", allow_anonymous=True)


@pytest.fixture(scope="module")
def client(stored: Stored, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    users = tmp_path_factory.mktemp("inputs-users") / "users.sqlite"
    with TestClient(create_app(_settings(stored.folder, users), hasher=FAST_HASHER, warm=False),
                    client=LOCAL, base_url="http://127.0.0.1:8000") as client:
        yield client


def _page(client: TestClient, query: str = "") -> str:
    response = client.get(f"{URL}/inputs{query}")
    assert response.status_code == 200, response.text
    return str(response.text)


HEADER = ["Table", "File", "Read", "Used", "Excluded", "Why excluded", "Quarantined", "Balances"]


def test_the_page_shows_each_files_counts_as_the_run_stored_them(client: TestClient, stored: Stored) -> None:
    html = _page(client)
    rows = table(html, FILES)
    assert rows[0] == HEADER
    by_file = {r[1]: r for r in rows[1:-1]}
    assert by_file[f"exports/bigcommerce/{HOSTILE_FILE}"] == [
        "orders", f"exports/bigcommerce/{HOSTILE_FILE}", "16", "15", "0", "", "1", "yes"]
    assert by_file["exports/bigcommerce/orders_page2.json"] == [
        "orders", "exports/bigcommerce/orders_page2.json", "26", "25", "0", "", "1", "yes"]
    assert by_file["exports/synclogs/sage_network_log.csv"] == [
        "sync_events", "exports/synclogs/sage_network_log.csv", "33", "32", "1", "1 blank row", "0", "yes"]
    assert by_file["exports/bigcommerce/b2b_users.json"] == [
        "commerce_customers", "exports/bigcommerce/b2b_users.json", "32", "0", "32",
        "32 B2B user: company link applied to the customer's record", "0", "yes"]
    assert rows[-1] == ["", "All files", "404", "304", "98",
                        "65 B2B order: company link applied to the order's record "
                        "32 B2B user: company link applied to the customer's record 1 blank row", "2", "yes"]
    assert ("The run read 18 files: 404 rows, of which 304 used, 98 excluded with a reason and 2 quarantined. "
            "Every file balances: read = used + excluded + quarantined.") in text(html)
    with open_store(stored.folder) as store:
        [run] = store.run(SAGE, stored.second)
        summary = run.card_summary()
    root = str(stored.folder) + "/"
    assert [[r[0], r[1], int(r[2]), int(r[3]), int(r[4]), int(r[6])] for r in rows[1:-1]] == [
        [f["table"], f["file"].removeprefix(root), f["read"], f["used"], sum(f["excluded"].values()), f["quarantined"]]
        for f in summary.ingest]


def test_quarantined_cells_are_listed_with_hostile_text_escaped(client: TestClient) -> None:
    html = _page(client)
    assert table(html, CELLS) == [
        ["File", "Row", "Field", "Value", "Reason"],
        [f"exports/bigcommerce/{HOSTILE_FILE}", "16", "date_created", "=1+2<script>alert(1)</script>\\x07",
         DATE_REASON],
        ["exports/bigcommerce/orders_page2.json", "26", "date_created", "yesterday", DATE_REASON],
        ["exports/bigcommerce/orders_page2.json", "26", "total_inc_tax", "about 40", AMOUNT_REASON],
    ]
    assert "<code>=1+2&lt;script&gt;alert(1)&lt;/script&gt;\\x07</code>" in html
    assert "orders_&lt;b&gt;page3.json" in html
    assert "<script>alert" not in html and "<b>page3" not in html and "\x07" not in html
    assert "3 cells held a value that could not be used" in text(html)
    assert "more, in the CSV download" not in html


def test_the_cells_shown_are_capped_and_the_rest_counted(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "SHOWN_CELLS", 2)
    html = _page(client)
    assert [r[0] for r in table(html, CELLS)[1:]] == [f"exports/bigcommerce/{HOSTILE_FILE}",
                                                      "exports/bigcommerce/orders_page2.json"]
    assert "3 cells held a value that could not be used" in text(html)
    assert "The first 2 are shown here." in text(html)
    assert "And 1 more, in the CSV download." in text(html)


def test_the_download_holds_every_cell_formula_safe(client: TestClient, stored: Stored) -> None:
    response = client.get(f"{URL}/inputs/quarantine.csv", params={"run": stored.second})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{SAGE}_{SAGE_CARD}_{stored.second}.quarantine.csv"')
    assert list(csv.reader(io.StringIO(response.text))) == [
        ["file", "row", "field", "value", "reason"],
        [f"exports/bigcommerce/{HOSTILE_FILE}", "16", "date_created", "'=1+2<script>alert(1)</script>", DATE_REASON],
        ["exports/bigcommerce/orders_page2.json", "26", "date_created", "yesterday", DATE_REASON],
        ["exports/bigcommerce/orders_page2.json", "26", "total_inc_tax", "about 40", AMOUNT_REASON],
    ]
    assert client.get(f"{URL}/inputs/quarantine.csv").text == response.text  # the latest run by default


def test_an_earlier_stored_run_shows_its_own_inputs(client: TestClient, stored: Stored) -> None:
    html = _page(client, f"?run={stored.first}")
    rows = {r[1]: r for r in table(html, FILES)[1:]}
    assert rows["exports/bigcommerce/orders_page3.json"] == [
        "orders", "exports/bigcommerce/orders_page3.json", "15", "15", "0", "", "0", "yes"]
    assert rows["All files"][2:5] == ["401", "304", "97"] and rows["All files"][6:] == ["0", "yes"]
    assert "No cell was quarantined: every row read was used or excluded with a reason." in text(html)
    assert f'<option value="{stored.first}" selected>' in html
    assert f'<option value="{stored.second}" >' in html
    assert list(csv.reader(io.StringIO(client.get(f"{URL}/inputs/quarantine.csv?run={stored.first}").text))) == [
        ["file", "row", "field", "value", "reason"]]
    assert client.get(f"{URL}/inputs?run=no-such-run").status_code == 404


def test_the_card_page_links_to_the_inputs_of_the_run_it_shows(client: TestClient, stored: Stored) -> None:
    for query, run in (("", stored.second), (f"?run={stored.first}", stored.first)):
        card = client.get(f"{URL}{query}").text
        assert f'<a href="{URL}/inputs?run={run}">Inputs of this run</a>' in card


def test_a_file_that_does_not_balance_says_no(tmp_path: Path) -> None:
    folder = write_vendor_workspace(scenarios()[SAGE], tmp_path / SAGE)
    _run(folder)
    with open_store(folder) as store, store.engine.begin() as conn:
        record = json.loads(conn.execute(runs.select()).one().ingest)
        record[0]["read"] += 3  # data/fx_rates.csv: 5 read, 2 used
        conn.execute(update(runs).values(ingest=json.dumps(record)))
    with TestClient(create_app(_settings(folder, tmp_path / "users.sqlite"), hasher=FAST_HASHER, warm=False),
                    client=LOCAL, base_url="http://127.0.0.1:8000") as client:
        html = _page(client)
    rows = table(html, FILES)
    assert rows[1] == ["fx_rates", "data/fx_rates.csv", "5", "2", "0", "", "0", "NO"]
    assert rows[-1][-1] == "NO"
    assert "1 of the files do not balance (read ≠ used + excluded + quarantined)." in text(html)


def test_an_incomplete_export_is_warned_at_the_top(tmp_path: Path) -> None:
    folder, _ = incomplete_workspace(tmp_path / "ws", complete=False)
    assert CliRunner().invoke(cli, ["run", "-w", str(folder)]).exit_code == 6
    with TestClient(create_app(_settings(folder, tmp_path / "users.sqlite"), hasher=FAST_HASHER, warm=False),
                    client=LOCAL, base_url="http://127.0.0.1:8000") as client:
        html = client.get(f"/w/{D365}/cards/{D365_CARD}/inputs").text
    warning, files = html.index("Incomplete export: customers or orders may be missing"), html.index(FILES)
    assert warning < files
    assert f"sources.d365: {TEXT} (files: " in text(html)
    assert "<b>page1" not in html and "customersv3_&lt;b&gt;page1.json" in html


def test_access_is_the_card_pages(web: FastAPI) -> None:
    page, download = f"/w/{D365}/cards/{D365_CARD}/inputs", f"/w/{D365}/cards/{D365_CARD}/inputs/quarantine.csv"
    stranger = signed_in(web, "sage-only@example.com")
    assert stranger.get(page).status_code == 404 and stranger.get(download).status_code == 404
    assert stranger.get(page).text == stranger.get(f"/w/no-such-workspace/cards/{D365_CARD}/inputs").text
    finance = signed_in(web, "finance@example.com")
    assert finance.get(page).status_code == 200 and finance.get(download).status_code == 200
    signed_out = TestClient(web).get(page, follow_redirects=False)
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/signin")
