"""``stage`` records its inputs; ``batch --staged`` refuses, per workspace, a staging older than them."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.batch import run_and_write
from bridgewatch.cli import EXIT_INPUT, app
from bridgewatch.demo import write_demo
from bridgewatch.errors import StagingOutOfDate
from bridgewatch.model.tables import TABLES
from bridgewatch.staging import stage_many, staged_workspace

from ..cards.builders import company, sage

runner = CliRunner()


def _workspace(root: Path, name: str) -> Path:
    s = sage(id=name)
    company(s, "ABSENT", vat="GB111111111", orders=("2026-04-14T10:00:00Z",))  # fresh data: batch exits 0
    return s.write(root / name)


@pytest.fixture
def group(tmp_path: Path) -> Path:
    root = tmp_path / "group"
    _workspace(root, "brand-a")
    _workspace(root, "brand-b")
    stage_many(root)
    return root


def _staged_at(folder: Path) -> str:
    return str(json.loads((folder / "canonical" / "staged.json").read_text())["staged_at"])


def _again(folder: Path) -> str:
    return f"Re-stage it: bridgewatch stage -w {folder}."


def test_stage_records_every_input_file(group: Path) -> None:
    folder = group / "brand-a"
    record = json.loads((folder / "canonical" / "staged.json").read_text())
    assert record["workspace"] == "brand-a"
    assert record["tables"] == sorted(t.name for t in TABLES)
    inputs = {f["path"]: f for f in record["inputs"]}
    assert sorted(inputs) == ["data/commerce_customers.csv", "data/companies.csv", "data/erp_customers.csv",
                              "data/orders.csv", "workspace.toml"]
    orders = folder / "data" / "orders.csv"
    assert inputs["data/orders.csv"] == {"path": "data/orders.csv", "size": orders.stat().st_size,
                                         "mtime_ns": orders.stat().st_mtime_ns,
                                         "sha256": hashlib.sha256(orders.read_bytes()).hexdigest()}


def test_a_changed_export_is_refused_for_its_workspace_only(group: Path, tmp_path: Path) -> None:
    b = group / "brand-b"
    when = _staged_at(b)
    with (b / "data" / "orders.csv").open("a") as fh:
        fh.write("bigcommerce,LATE-1,ABSENT-U,ABSENT,,,,,,2026-04-11T10:00:00Z,GBP,10.00,GB,\n")
    result = runner.invoke(app, ["batch", "--workspaces", str(group), "--staged", "--out", str(tmp_path / "o")])
    assert result.exit_code == EXIT_INPUT
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ok      brand-a: sage_customer_master_gap: 1 absent")
    assert lines[1] == (f"FAILED  brand-b: StagingOutOfDate: Workspace 'brand-b': re-stage: exports changed since "
                        f"{when}: data/orders.csv (changed). {_again(b)}")
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["batch.json", "brand-a.json"]
    assert runner.invoke(app, ["stage", "-w", str(b)]).exit_code == 0
    assert runner.invoke(app, ["batch", "--workspaces", str(group), "--staged", "--out",
                               str(tmp_path / "o")]).exit_code == 0


def test_new_and_removed_files_of_a_source_glob_are_named(tmp_path: Path) -> None:
    [folder, _] = write_demo(tmp_path / "demo")
    stage_many(folder)
    when = _staged_at(folder)
    intacct = folder / "exports" / "intacct"
    shutil.copy(intacct / "customers_page3.xml", intacct / "customers_page4.xml")
    (folder / "exports" / "bigcommerce" / "orders_page3.json").unlink()
    with pytest.raises(StagingOutOfDate) as refused:
        staged_workspace(folder)
    assert str(refused.value) == (
        f"Workspace 'uk-trade-sage': re-stage: exports changed since {when}: exports/bigcommerce/orders_page3.json "
        f"(removed), exports/intacct/customers_page4.xml (new). {_again(folder)}")


def test_a_file_downloaded_again_unchanged_is_still_current(group: Path) -> None:
    orders = group / "brand-a" / "data" / "orders.csv"
    later = orders.stat().st_mtime_ns + 3_600 * 10**9
    os.utime(orders, ns=(later, later))
    assert staged_workspace(group / "brand-a").id == "brand-a"


def test_same_size_other_content_is_a_change(group: Path) -> None:
    orders = group / "brand-a" / "data" / "orders.csv"
    text = orders.read_text()
    orders.write_text(text.replace("100.00", "900.00"))
    assert orders.stat().st_size == len(text.encode())
    with pytest.raises(StagingOutOfDate, match=r"data/orders\.csv \(changed\)"):
        staged_workspace(group / "brand-a")


def test_a_changed_workspace_toml_needs_a_new_staging(group: Path) -> None:
    config = group / "brand-a" / "workspace.toml"
    config.write_text(config.read_text().replace('timezone = "UTC"\n', "") + "\n# edited\n")
    with pytest.raises(StagingOutOfDate, match=r"exports changed since .*: workspace\.toml \(changed\)\."):
        staged_workspace(group / "brand-a")


def test_a_staging_without_its_record_is_incomplete(group: Path) -> None:
    base = group / "brand-a" / "canonical"
    (base / "staged.json").unlink()
    with pytest.raises(StagingOutOfDate) as refused:
        staged_workspace(group / "brand-a")
    assert str(refused.value) == (
        f"Workspace 'brand-a': the staging in {base} is incomplete (no staged.json: staged by an older bridgewatch "
        f"or copied by hand). {_again(group / 'brand-a')}")


def test_tables_written_by_another_tool_need_no_record(group: Path, tmp_path: Path) -> None:
    """A workspace whose only data is its Parquet tables (the benchmark generator's) has nothing to be older than."""
    folder = tmp_path / "generated"
    folder.mkdir()
    shutil.copy(group / "brand-a" / "workspace.toml", folder / "workspace.toml")
    shutil.copytree(group / "brand-a" / "canonical", folder / "canonical")
    (folder / "canonical" / "staged.json").unlink()
    assert staged_workspace(folder).id == "brand-a"


def test_a_local_tables_root_is_checked_too(tmp_path: Path) -> None:
    folder = _workspace(tmp_path / "group", "brand-a")
    stage_many(folder, str(tmp_path / "tables"))
    assert staged_workspace(folder, str(tmp_path / "tables")).id == "brand-a"
    (folder / "data" / "orders.csv").write_text((folder / "data" / "orders.csv").read_text() + "\n")
    done = run_and_write(folder, tmp_path / "o", staged=True, tables_root=str(tmp_path / "tables"))
    assert "re-stage: exports changed since" in str(done.runs[0].error)


def test_stage_goes_on_past_a_workspace_it_cannot_read(group: Path) -> None:
    (group / "brand-b" / "workspace.toml").write_text("[workspace]\nid = 'brand-b'\nerp = 'nope'\n")
    before = _staged_at(group / "brand-b")
    result = runner.invoke(app, ["stage", "--workspaces", str(group)])
    assert result.exit_code == EXIT_INPUT
    lines = result.stdout.splitlines()
    assert lines[0] == f"staged brand-a -> {group / 'brand-a' / 'canonical'}"
    assert lines[1].startswith("FAILED  brand-b: ConfigError: ")
    assert result.stderr.replace("\n", " ").strip() == (
        "warning: 1 of 2 workspace(s) not staged; a previous staging of them is kept, and batch --staged refuses it "
        "if their exports changed since.")
    assert _staged_at(group / "brand-b") == before


def test_stage_refuses_to_replace_the_workspaces_themselves(group: Path) -> None:
    before = sorted(p.name for p in (group / "brand-a").iterdir())
    result = runner.invoke(app, ["stage", "--workspaces", str(group), "--tables-root", str(group)])
    assert result.exit_code == EXIT_INPUT
    assert result.stdout.splitlines()[0] == (
        f"FAILED  brand-a: ConfigError: Workspace 'brand-a': cannot stage into {group / 'brand-a'}: it is or holds "
        f"{group / 'brand-a'}, which the workspace reads, and stage replaces its folder whole. Give a --tables-root "
        f"outside the workspaces (or a data_dir other than 'canonical').")
    assert sorted(p.name for p in (group / "brand-a").iterdir()) == before
    assert (group / "brand-a" / "workspace.toml").is_file()


def test_stage_refuses_a_data_dir_named_like_the_staging(tmp_path: Path) -> None:
    s = sage(id="brand-c")
    s.config["data_dir"] = "canonical"
    company(s, "ABSENT", vat="GB111111111")
    folder = s.write(tmp_path / "brand-c")
    inputs = sorted(p.name for p in (folder / "canonical").iterdir())
    assert "orders.csv" in inputs
    result = runner.invoke(app, ["stage", "-w", str(folder)])
    assert result.exit_code == EXIT_INPUT
    assert result.stdout.splitlines()[0] == (
        f"FAILED  brand-c: ConfigError: Workspace 'brand-c': cannot stage into {folder / 'canonical'}: it is or holds "
        f"{folder / 'canonical'}, which the workspace reads, and stage replaces its folder whole. Give a "
        f"--tables-root outside the workspaces (or a data_dir other than 'canonical').")
    assert sorted(p.name for p in (folder / "canonical").iterdir()) == inputs


def test_stage_refuses_a_folder_holding_other_files(group: Path, tmp_path: Path) -> None:
    mine = tmp_path / "tables" / "brand-a"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("mine\n")
    result = runner.invoke(app, ["stage", "-w", str(group / "brand-a"), "--tables-root", str(tmp_path / "tables")])
    assert result.exit_code == EXIT_INPUT
    assert result.stdout.splitlines()[0] == (
        f"FAILED  brand-a: ConfigError: Workspace 'brand-a': cannot stage into {mine}: it holds files that are not a "
        f"staging (no staged.json), and stage replaces its folder whole. Give a new or empty folder.")
    assert (mine / "notes.txt").read_text() == "mine\n"
    (mine / "notes.txt").unlink()
    assert runner.invoke(app, ["stage", "-w", str(group / "brand-a"), "--tables-root",
                               str(tmp_path / "tables")]).exit_code == 0
    assert runner.invoke(app, ["stage", "-w", str(group / "brand-a"), "--tables-root",
                               str(tmp_path / "tables")]).exit_code == 0
