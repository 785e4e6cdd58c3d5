"""An export missing its last page is said everywhere the ingest accounting goes: `ingest` and `stage` output, the
workspace's accounting, the JSON report of `run`, the stored run read back (the card summary and the run's row)
and the dashboard's card, worklist and customer pages (escaped: file names come from strangers)."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from bridgewatch.cli import app as cli
from bridgewatch.demo import scenarios
from bridgewatch.demo.vendor_files import write_vendor_workspace
from bridgewatch.history import open_store
from bridgewatch.history.schema import runs
from bridgewatch.ingest.accounting import ReadWarning
from bridgewatch.web.app import create_app
from bridgewatch.web.settings import WebSettings, served_workspaces
from bridgewatch.workspace import load_workspace

from .conftest import D365, D365_CARD, FAST_HASHER

TEXT = ("Every CustomersV3 page read has an @odata.nextLink, so the last page is missing; follow the links and add "
        "the remaining pages to the source, or customers will look missing")
STRANGE = "customersv3_<b>page1.json"


def _workspace(root: Path, *, complete: bool) -> tuple[Path, tuple[str, ...]]:
    folder = write_vendor_workspace(scenarios()[D365], root)
    pages = folder / "exports" / "d365"
    (pages / "customersv3_page1.json").rename(pages / STRANGE)
    if not complete:
        (pages / "customersv3_page3.json").unlink()  # the last page: the only one without an @odata.nextLink
    return folder, (str(pages / STRANGE), str(pages / "customersv3_page2.json"))


def _card_page(folder: Path, tmp_path: Path, path: str = "") -> str:
    settings = WebSettings(tuple(served_workspaces([folder], environ={})), f"sqlite:///{tmp_path / 'users.sqlite'}",
                           allow_anonymous=True)
    with TestClient(create_app(settings, hasher=FAST_HASHER, warm=False), client=("127.0.0.1", 50000),
                    base_url="http://127.0.0.1:8000") as client:
        response = client.get(f"/w/{D365}/cards/{D365_CARD}{path}")
    assert response.status_code == 200, response.text
    return response.text


def test_a_missing_last_page_is_said_in_the_accounting_report_store_and_dashboard(tmp_path: Path) -> None:
    folder, files = _workspace(tmp_path / "ws", complete=False)
    expected = {"source": "d365", "files": list(files), "text": TEXT}
    assert load_workspace(folder).accounting.warnings == [ReadWarning("d365", files, TEXT)]

    runner = CliRunner()
    ingest = runner.invoke(cli, ["ingest", "-w", str(folder), "--format", "json"])
    assert ingest.exit_code == 0, ingest.output
    assert json.loads(ingest.stdout)["warnings"] == [expected]
    wide = {"COLUMNS": "1000"}  # the line whole (a terminal wraps it to its width)
    ingest = runner.invoke(cli, ["ingest", "-w", str(folder)], env=wide)
    assert f"  incomplete: sources.d365: {TEXT} (files: {files[0]}, {files[1]})" in ingest.stdout
    staged = runner.invoke(cli, ["stage", "-w", str(folder)], env=wide)
    assert staged.exit_code == 0, staged.output
    assert f"  incomplete: sources.d365: {TEXT} (files: {files[0]}, {files[1]})" in staged.stdout
    assert json.loads((folder / "canonical" / "ingest.json").read_text())["warnings"] == [expected]

    # An incomplete export makes the result stale: no alert to believe (a count too low or too high), exit 6.
    table = runner.invoke(cli, ["run", "-w", str(folder), "--no-store"])
    assert table.exit_code == 6, table.output
    assert "INCOMPLETE EXPORT: customers or orders may be missing" in table.stdout
    run = runner.invoke(cli, ["run", "-w", str(folder), "--format", "json"])
    assert run.exit_code == 6, run.output
    [card] = json.loads(run.stdout)
    assert card["ingest_warnings"] == [expected]
    assert (card["freshness"]["status"], card["alert"]["state"]) == ("stale", "unknown")
    assert card["freshness"]["reasons"] == [f"incomplete export: sources.d365: {TEXT} (files: {files[0]}, {files[1]})"]
    assert runner.invoke(cli, ["run", "-w", str(folder), "--no-store", "--allow-stale"]).exit_code == 0

    with open_store(folder) as store:
        [stored] = store.run(D365)
        assert stored.card_summary().ingest_warnings == (expected,)
        with store.engine.connect() as conn:
            assert [json.loads(r) for r in conn.execute(select(runs.c.ingest_warnings)).scalars()] == [[expected]]

    for page in ("", "/worklist", "/customers/B-1003"):
        html = _card_page(folder, tmp_path, page)
        assert ("<strong>Incomplete export: customers or orders may be missing from what this count was computed "
                "on.</strong>") in html
        assert (f"<li>sources.d365: {TEXT} (files: {files[0].replace('<b>', '&lt;b&gt;')}, {files[1]})</li>"
                in html), page
        assert "<b>page1" not in html


def test_a_complete_export_says_nothing(tmp_path: Path) -> None:
    folder, _ = _workspace(tmp_path / "ws", complete=True)
    assert load_workspace(folder).accounting.warnings == []
    run = CliRunner().invoke(cli, ["run", "-w", str(folder), "--format", "json"])
    assert run.exit_code == 0, run.output
    assert [(c["ingest_warnings"], c["freshness"]["status"]) for c in json.loads(run.stdout)] == [([], "fresh")]
    with open_store(folder) as store:
        assert store.run(D365)[0].card_summary().ingest_warnings == ()
    assert "Incomplete export" not in _card_page(folder, tmp_path)
