"""Commands that only read a store neither create nor write it: a path with no store is an error that names it,
a store on a read-only mount is read as it stands, and their errors suggest nothing they do not have."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import app

from ..cards.builders import company, sage

runner = CliRunner()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    s = sage()
    company(s, "C1", vat="GB000000001")
    return s.write(tmp_path / "ws")


def _said(result: object) -> str:
    return " ".join(result.stderr.split())  # type: ignore[attr-defined]


def test_history_and_show_on_a_path_with_no_store_create_nothing(root: Path, tmp_path: Path) -> None:
    store = tmp_path / "new" / "history.sqlite"
    for command in (["history"], ["show"]):
        result = runner.invoke(app, [*command, "-w", str(root), "--history-url", f"sqlite:///{store}"])
        assert result.exit_code == 7, result.output
        assert _said(result) == (
            f"error: run store sqlite:///{store}: could not open: {store} is no store there: nothing has been stored "
            f"(reading never creates one). Check the path (--history-url / --users-url, $BRIDGEWATCH_HISTORY_URL, "
            f"[history] url), or store something there first.")
        assert "--no-store" not in result.stderr
    assert not (tmp_path / "new").exists()


def test_users_list_on_a_new_path_creates_nothing(tmp_path: Path) -> None:
    pytest.importorskip("argon2")
    store = tmp_path / "users" / "users.sqlite"
    result = runner.invoke(app, ["users", "list", "--users-url", f"sqlite:///{store}"])
    assert result.exit_code == 7, result.output
    assert "is no store there" in _said(result)
    assert not (tmp_path / "users").exists()


def test_a_folder_where_the_store_belongs_suggests_no_option_history_lacks(root: Path) -> None:
    store = (root / ".bridgewatch" / "history.sqlite").resolve()
    store.mkdir(parents=True)
    result = runner.invoke(app, ["history", "-w", str(root)])
    assert result.exit_code == 7
    assert _said(result) == (
        f"error: run store sqlite:///{store}: could not open: {store} is a folder, not a database file (reading "
        f"never creates one). Check the path (--history-url / --users-url, $BRIDGEWATCH_HISTORY_URL, [history] url), "
        f"or store something there first.")


@pytest.fixture
def frozen(root: Path) -> Iterator[Path]:
    """The workspace's store after one run, its folder and file made immutable (a read-only mount: even root cannot
    write there, so SQLite cannot create the -shm file it reads a WAL store through)."""
    ran = runner.invoke(app, ["run", "-w", str(root), "--allow-stale"])
    assert ran.exit_code == 0, ran.output
    folder = root / ".bridgewatch"
    if shutil.which("chattr") is None:
        pytest.skip("no chattr (e2fsprogs): cannot make a folder read-only for root")
    targets = [str(folder / "history.sqlite"), str(folder)]
    if subprocess.run(["chattr", "+i", *targets], capture_output=True).returncode != 0:
        pytest.skip("this file system does not take the immutable attribute")
    try:
        yield folder
    finally:
        subprocess.run(["chattr", "-i", *targets], check=True)


def test_a_store_on_a_read_only_mount_is_read(root: Path, frozen: Path) -> None:
    history = runner.invoke(app, ["history", "-w", str(root)])
    assert history.exit_code == 0, history.output
    assert "sage_customer_master_gap" in history.stdout
    shown = runner.invoke(app, ["show", "-w", str(root), "--format", "json", "--allow-stale"])
    assert shown.exit_code == 0, shown.output
    assert '"card": "sage_customer_master_gap"' in shown.stdout
    assert sorted(p.name for p in frozen.iterdir()) == ["history.sqlite"]


def test_a_workspace_no_run_has_stored_reads_as_empty_and_is_not_written(root: Path) -> None:
    # Its own store (no other named) does not exist yet: `history` lists nothing, `show` and `explain` say to run
    # first (exit 5), naming the workspace's store, and the workspace gains no .bridgewatch folder.
    listed = runner.invoke(app, ["history", "-w", str(root), "--format", "json"])
    assert (listed.exit_code, listed.stdout) == (0, "[]\n"), listed.output
    store = (root / ".bridgewatch" / "history.sqlite").resolve()
    for command in (["show"], ["explain", "C1"]):
        result = runner.invoke(app, [*command, "-w", str(root)])
        assert result.exit_code == 5, result.output
        assert _said(result).startswith("error: No stored run for workspace '") and f"in sqlite:///{store}. Run" in \
            _said(result), result.stderr
    assert not (root / ".bridgewatch").exists()
