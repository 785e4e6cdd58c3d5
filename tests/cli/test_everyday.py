"""Everyday polish: --version, a card run on the wrong ERP warns, output fits the terminal, files keep their names."""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import struct
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from bridgewatch.batch import run_and_write
from bridgewatch.cli import app
from bridgewatch.demo import write_demo
from bridgewatch.ingest.accounting import Accounting, FileAccount
from bridgewatch.report.accounting_view import accounting_table, short_names

from ..cards.builders import d365, shopper

runner = CliRunner()
HOSTILE = '=HYPERLINK("http://evil.test","pay")'
SAGE_ON_D365 = ("warning: card sage_customer_master_gap is made for sage_intacct workspaces, but workspace 'us-x' has "
                'erp = "d365_fo": it will look for that ERP\'s customer records and count every customer absent. The '
                "card for d365_fo is d365_customer_master_gap.")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo")
    write_demo(root)
    return root


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.stdout) == (0, f"bridgewatch {version('bridgewatch')}\n")


def test_a_card_made_for_another_erp_warns_and_still_runs(tmp_path: Path) -> None:
    s = d365(id="us-x")
    shopper(s, "BUYER", country="US", currency="USD")
    root = s.write(tmp_path / "us-x")
    quiet = ["--no-store", "--allow-stale"]
    wrong = runner.invoke(app, ["run", "-w", str(root), "--card", "sage_customer_master_gap", "-f", "json", *quiet])
    assert wrong.exit_code == 0
    assert wrong.stderr.replace("\n", " ").strip() == SAGE_ON_D365
    assert [c["card"] for c in json.loads(wrong.stdout)] == ["sage_customer_master_gap"]
    right = runner.invoke(app, ["run", "-w", str(root), "-f", "json", *quiet])
    assert (right.exit_code, right.stderr) == (0, "")
    explained = runner.invoke(app, ["explain", "-w", str(root), "BUYER", "--card", "sage_customer_master_gap",
                                    "--recompute"])
    assert explained.stderr.replace("\n", " ").startswith(SAGE_ON_D365)
    after = runner.invoke(app, ["ingest", "-w", str(root)])  # an earlier --card does not leak into this command
    assert (after.exit_code, after.stderr) == (0, "")


def test_batch_records_the_wrong_erp_warning(tmp_path: Path) -> None:
    s = d365(id="us-x")
    shopper(s, "BUYER", country="US", currency="USD")
    s.write(tmp_path / "group" / "us-x")
    done = run_and_write(tmp_path / "group", tmp_path / "out", cards=["sage_customer_master_gap"])
    summary = json.loads((tmp_path / "out" / "batch.json").read_text())
    assert summary["runs"][0]["warnings"] == [SAGE_ON_D365.removeprefix("warning: ")]
    assert done.runs[0].warnings == (SAGE_ON_D365.removeprefix("warning: "),)


# -- output fits the terminal ----------------------------------------------------------------------------

def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from bridgewatch.cli import main; main()", *args]


def _in_terminal(args: list[str], columns: int) -> str:
    """Run bridgewatch in a pseudo-terminal ``columns`` wide; return what it showed."""
    import fcntl
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    proc = subprocess.Popen(_command(*args), stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    chunks = []
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        try:
            chunk = os.read(leader, 65536) if ready else b""
        except OSError:  # the terminal closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode()


def _widest(text: str) -> int:
    import re

    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07", "", text)
    return max(len(line) for line in plain.replace("\r", "").splitlines())


def test_the_readout_fits_a_narrow_terminal(demo: Path) -> None:
    shown = _in_terminal(["run", "-w", str(demo / "us-distributor-d365"), "--no-store", "--allow-stale"], 100)
    assert "Ingest accounting" in shown
    assert _widest(shown) <= 100


def test_without_a_terminal_the_width_is_120(demo: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    args = _command("run", "-w", str(demo / "uk-trade-sage"), "--no-store", "--allow-stale")
    piped = subprocess.run(args, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert 100 < _widest(piped.stdout) <= 120


def test_columns_sets_the_width(demo: Path) -> None:
    result = runner.invoke(app, ["run", "-w", str(demo / "uk-trade-sage"), "--no-store", "--allow-stale"],
                           env={"COLUMNS": "90"})
    assert result.exit_code == 0
    assert 80 < _widest(result.stdout) <= 90


# -- file names in the ingest table ---------------------------------------------------------------------------

def test_files_are_named_from_the_folder_they_share() -> None:
    files = ["/srv/bw/ws/exports/shopify/orders_2026-04-01_page1.json",
             "/srv/bw/ws/exports/shopify/orders_2026-04-01_page2.json",
             "/srv/bw/ws/data/fx_rates.csv"]
    assert short_names(files) == ["exports/shopify/orders_2026-04-01_page1.json",
                                  "exports/shopify/orders_2026-04-01_page2.json", "data/fx_rates.csv"]
    assert short_names(["/srv/a/orders.csv"]) == ["orders.csv"]
    assert short_names(["ws/a.csv", "/abs/b.csv"]) == ["ws/a.csv", "/abs/b.csv"]
    assert short_names([]) == []


def test_long_file_names_wrap_instead_of_being_cut_alike() -> None:
    stem = "/very/long/path/to/the/finance/team/share/bridgewatch/workspaces/uk-trade-sage/exports/"
    names = ["bigcommerce/orders_export_2026-04-13_all_channels_page1.json",
             "bigcommerce/orders_export_2026-04-13_all_channels_page2.json", "intacct/customers_page1.xml"]
    accounting = Accounting([FileAccount("orders", f"{stem}{n}", 5, 5) for n in names])
    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(accounting_table(accounting))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "…" not in text and "/very/long" not in text
    cells = ["".join(line.split("│")[2].strip() for line in block) for block in _rows(text)]
    assert cells == names


def _rows(table: str) -> list[list[str]]:
    """The text lines of each body row of a rich box table (a row starts where its Read cell is filled)."""
    rows: list[list[str]] = []
    for line in table.split("┡")[-1].splitlines()[1:]:
        if line.startswith("│"):
            if line.split("│")[3].strip():
                rows.append([])
            rows[-1].append(line)
    return rows


def test_the_quarantine_file_is_formula_safe(demo: Path, tmp_path: Path) -> None:
    root = write_demo(tmp_path)[0]
    page = root / "exports" / "bigcommerce" / "orders_page1.json"
    page.write_text(page.read_text().replace('"Wed, 08 Apr 2026 10:15:00 +0000"', '"=cmd|\' /C calc\'!A0"', 1))
    result = runner.invoke(app, ["ingest", "-w", str(root)])
    assert result.exit_code == 0
    assert (root / "quarantine.csv").read_text().splitlines() == [
        "file,row,field,value,reason",
        f"{page},1,date_created,'=cmd|' /C calc'!A0,\"expected a date and time such as 'Tue, 16 Jun 2026 "
        f"09:12:44 +0000'\"",
    ]


def test_a_quarantine_file_name_with_brackets_is_printed_as_is(tmp_path: Path) -> None:
    root = write_demo(tmp_path)[0]
    page = root / "exports" / "bigcommerce" / "orders_page1.json"
    page.write_text(page.read_text().replace('"Wed, 08 Apr 2026 10:15:00 +0000"', '"not a date"', 1))
    target = tmp_path / "[/]" / "q.csv"
    result = runner.invoke(app, ["ingest", "-w", str(root), "--quarantine-file", str(target)],
                           env={"COLUMNS": "1000"})
    assert result.exit_code == 0, result.output
    assert result.stderr == f"warning: 1 quarantined cell(s) written to {target}\n"
    assert target.read_text().splitlines()[0] == "file,row,field,value,reason"


def test_a_quarantine_file_from_an_earlier_load_is_removed_when_the_problems_are_gone(tmp_path: Path) -> None:
    root = write_demo(tmp_path)[0]
    page = root / "exports" / "bigcommerce" / "orders_page1.json"
    good = page.read_text()
    page.write_text(good.replace('"Wed, 08 Apr 2026 10:15:00 +0000"', '"not a date"', 1))
    assert runner.invoke(app, ["ingest", "-w", str(root)]).exit_code == 0
    assert (root / "quarantine.csv").is_file()
    page.write_text(good)
    result = runner.invoke(app, ["ingest", "-w", str(root)], env={"COLUMNS": "1000"})
    assert result.exit_code == 0, result.output
    assert result.stderr == f"warning: no quarantined cells now; removed the earlier {root / 'quarantine.csv'}\n"
    assert not (root / "quarantine.csv").exists()


def test_batch_csv_files_are_the_worklist_csv(tmp_path: Path) -> None:
    """Per-workspace batch CSV is the worklist CSV: a hostile name is neutralised, amounts stay numbers."""
    s = d365(id="us-x")
    shopper(s, "EVIL", country="US", currency="USD")
    s.rows["commerce_customers"][-1]["name"] = HOSTILE
    s.write(tmp_path / "group" / "us-x")
    run_and_write(tmp_path / "group", tmp_path / "out", fmt="csv")
    rows = list(csv.DictReader((tmp_path / "out" / "us-x.csv").open()))
    [evil] = [r for r in rows if r["customer_id"] == "EVIL"]
    assert (evil["name"], evil["blocked_value"]) == ("'" + HOSTILE, "50.00")
