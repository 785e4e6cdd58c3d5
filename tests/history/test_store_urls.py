"""A store URL's secrets never reach a message: the password in the user part, in the query string
(libpq's ``?password=``), or in a string that is no URL at all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import app
from bridgewatch.errors import ConfigError, StoreError
from bridgewatch.history import Store, store_url
from bridgewatch.history.database import shown

from .test_store import scenario

runner = CliRunner()


def test_a_password_in_the_query_string_is_hidden() -> None:
    with pytest.raises(StoreError) as caught:
        Store("postgresql+psycopg://bw@127.0.0.1:1/nowhere?password=s3cret-pw&sslmode=disable")
    message = str(caught.value)
    assert "s3cret-pw" not in message
    assert "run store postgresql+psycopg://bw@127.0.0.1:1/nowhere?password=***&sslmode=disable: could not open" \
        in message
    assert shown("postgresql+psycopg:///bw?host=db&SSLPassword=k3y-pw") == \
        "postgresql+psycopg:///bw?SSLPassword=***&host=db"


def test_a_string_that_is_no_url_is_not_echoed() -> None:
    with pytest.raises(StoreError) as caught:
        Store("bw:s3cret-pw@db.internal/bw")
    assert str(caught.value) == ("history URL '<not a URL>' is not a database URL (ArgumentError); use e.g. "
                                 "sqlite:///path/history.sqlite or postgresql+psycopg://user@host/db.")
    assert shown("postgresql+psycopg://bw:s3cret-pw@db:port/bw") == "postgresql+psycopg://…"


def test_password_env_with_a_url_that_is_no_url_is_a_store_error_not_a_crash(tmp_path: Path) -> None:
    root = scenario().write(tmp_path / "ws")
    toml = root / "workspace.toml"
    toml.write_text(toml.read_text() + '\n[history]\nurl = "bw@db s3cret"\npassword_env = "BW_DB_PW"\n')
    from bridgewatch.config import load_config

    with pytest.raises(StoreError, match="is not a database URL"):
        store_url(load_config(root), environ={"BW_DB_PW": "pw-from-env"})
    result = runner.invoke(app, ["show", "-w", str(root)], env={"BW_DB_PW": "pw-from-env"})
    assert result.exit_code == 7, result.output
    assert " ".join(result.stderr.split()) == (
        "error: history URL '<not a URL>' is not a database URL (ArgumentError); use e.g. "
        f"sqlite:///path/history.sqlite or postgresql+psycopg://user@host/db. It was given by [history] url in "
        f"{toml}.")
    assert "s3cret" not in result.output and "pw-from-env" not in result.output


def test_an_unparsable_url_says_where_it_was_given(tmp_path: Path) -> None:
    """The URL is not shown (it may hold a password), so a user who forgot ``$BRIDGEWATCH_HISTORY_URL`` was set
    read "history URL '<not a URL>'" about a URL they never gave on the command line."""
    root = scenario().write(tmp_path / "ws")
    result = runner.invoke(app, ["history", "-w", str(root)], env={"BRIDGEWATCH_HISTORY_URL": "bw:s3cret@db bw"})
    assert result.exit_code == 7, result.output
    assert " ".join(result.stderr.split()) == (
        "error: history URL '<not a URL>' is not a database URL (ArgumentError); use e.g. "
        "sqlite:///path/history.sqlite or postgresql+psycopg://user@host/db. It was given by $BRIDGEWATCH_HISTORY_URL "
        "(set in the environment).")
    result = runner.invoke(app, ["history", "-w", str(root), "--history-url", "bw:s3cret@db bw"])
    assert result.exit_code == 7 and "s3cret" not in result.output
    assert result.stderr.split()[-3:] == ["given", "by", "--history-url."]


def test_an_in_memory_sqlite_store_is_refused(tmp_path: Path) -> None:
    """`run --history-url sqlite://` opened the store on one thread and saved on another: each saw a database of
    its own, so the save failed on a missing table and SQLAlchemy logged a traceback; and a store in memory keeps
    nothing anyway."""
    root = scenario().write(tmp_path / "ws")
    result = runner.invoke(app, ["run", "-w", str(root), "--history-url", "sqlite://"])
    assert result.exit_code == 7, result.output
    assert " ".join(result.stderr.split()) == (
        "error: history URL 'sqlite://' is an in-memory SQLite database: a run stored there is gone when the "
        "process ends (and each connection sees a database of its own). Name a file, e.g. "
        "sqlite:///path/history.sqlite, or run with --no-store.")
    assert "Traceback" not in result.output
    for url in ("sqlite:///:memory:", "sqlite:///file:bw?mode=memory&uri=true"):
        with pytest.raises(StoreError, match=f"history URL '{re.escape(url)}' is an in-memory SQLite database"):
            Store(url)


def test_password_env_is_not_demanded_for_a_sqlite_store(tmp_path: Path) -> None:
    """A workspace whose [history] names a PostgreSQL store and its password variable, read from a SQLite copy with
    --history-url: the unset variable stopped it (exit 5), though a SQLite file takes no password."""
    root = scenario().write(tmp_path / "ws")
    copy = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    assert runner.invoke(app, ["run", "-w", str(root), "--history-url", copy]).exit_code == 0
    toml = root / "workspace.toml"
    toml.write_text(toml.read_text() + '\n[history]\nurl = "postgresql+psycopg://bw@db.internal/bw"\n'
                                       'password_env = "BW_DB_PW"\n')
    from bridgewatch.config import load_config

    assert store_url(load_config(root), override=copy, environ={}) == copy
    assert store_url(load_config(root), override=copy, environ={"BW_DB_PW": "pw"}) == copy
    assert store_url(load_config(root), environ={"BW_DB_PW": "pw"}) == "postgresql+psycopg://bw:pw@db.internal/bw"
    shown = runner.invoke(app, ["show", "-w", str(root), "--history-url", copy, "--format", "json"], env={})
    assert shown.exit_code == 0, shown.output
    with pytest.raises(ConfigError, match="password_env names BW_DB_PW, which is not set"):
        store_url(load_config(root), environ={})


def test_a_store_locked_past_the_busy_timeout_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process holding SQLite's write lock longer than the busy timeout (a big save) made `run` say
    'database is locked. Check that the database is reachable and writable'; it now says what held it."""
    import sqlite3

    from bridgewatch.history import database

    monkeypatch.setattr(database, "BUSY_TIMEOUT_S", 1)
    root = scenario().write(tmp_path / "ws")
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    Store(url).close()
    holder = sqlite3.connect(tmp_path / "h.sqlite", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = runner.invoke(app, ["run", "-w", str(root), "--history-url", url])
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 7, result.output
    assert " ".join(result.stderr.split()) == (
        f"error: run store {url}: could not save the run of workspace 'sage-test': another process held the store's "
        f"write lock for more than 1 s (a run, batch or watch saving to the same store takes it for the length of "
        f"its save). Run again when it has finished, or use a store per process (--history-url).")
