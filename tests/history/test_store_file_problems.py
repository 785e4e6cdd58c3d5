"""The default SQLite store's file in a state a user can meet: ``.bridgewatch`` a file (a copy gone wrong), the
store a folder, a file that is no SQLite database (an export saved under its name, a damaged copy). Before, the
messages were SQLite's or the OS's few words, naming nothing and pointing the wrong way: "cannot create the folder
for the run store ...: File exists", "could not open: unable to open database file. Check that the database is
reachable and writable", "could not open: file is not a database. Check that the database is reachable and
writable". Now each names the path in the way and what to do; exit 7 as before. Real SQLite, real files."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import app

from .test_store import scenario

runner = CliRunner()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return scenario().write(tmp_path / "ws")


def _history(root: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["history", "-w", str(root)])
    return result.exit_code, " ".join(result.stderr.split())


def test_a_file_where_the_store_folder_belongs(root: Path) -> None:
    (root / ".bridgewatch").write_text("not a folder")
    url = f"sqlite:///{(root / '.bridgewatch' / 'history.sqlite').resolve()}"
    store = (root / ".bridgewatch" / "history.sqlite").resolve()
    assert _history(root) == (7, f"error: run store {url}: could not open: {store} is no store there: nothing has "
                                 f"been stored (reading never creates one). Check the path (--history-url / "
                                 f"--users-url, $BRIDGEWATCH_HISTORY_URL, [history] url), or store something there "
                                 f"first.")


def test_a_folder_where_the_store_file_belongs(root: Path) -> None:
    store = (root / ".bridgewatch" / "history.sqlite").resolve()
    store.mkdir(parents=True)
    assert _history(root) == (7, f"error: run store sqlite:///{store}: could not open: {store} is a folder, not a "
                                 f"database file (reading never creates one). Check the path (--history-url / "
                                 f"--users-url, $BRIDGEWATCH_HISTORY_URL, [history] url), or store something there "
                                 f"first.")


@pytest.mark.parametrize("content", [b"customer_id,name\nC1,Ana\n" * 200, b"SQLite format 3\x00" + b"\xff" * 4080])
def test_a_file_that_is_no_sqlite_database_or_a_damaged_one(root: Path, content: bytes) -> None:
    store = (root / ".bridgewatch" / "history.sqlite").resolve()
    store.parent.mkdir()
    store.write_bytes(content)
    code, message = _history(root)
    assert code == 7
    assert message.startswith(f"error: run store sqlite:///{store}: could not open: {store} is not a bridgewatch run "
                              f"store (not an SQLite database, or a damaged one: ")
    assert message.endswith("). Restore it from a backup, or move it aside to start a new, empty history there, or "
                            "pass another --history-url.")
    assert store.read_bytes() == content  # never overwritten
