"""Connecting to the run store: SQLite (default) or PostgreSQL, migrated on open, one writer per workspace.

* SQLite: every transaction starts with ``BEGIN IMMEDIATE``, so two writers queue (a busy timeout of
  a minute) instead of interleaving; WAL mode lets readers (the web) read while a run is saved.
* PostgreSQL (psycopg 3): a writer takes ``pg_advisory_xact_lock`` on its workspace for the length
  of its transaction; migrations run under a session-level advisory lock.

Migrations (Alembic, ``migrations/``) are applied on open, inside a transaction and under the lock,
so two processes opening a new store at once do not both create it. A store already at the newest
revision is recognised with one query and Alembic is not loaded at all (opening costs milliseconds).
Driver and network failures become :class:`~bridgewatch.errors.StoreError` with the URL's password hidden.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bridgewatch.errors import StoreError
from bridgewatch.history.migrations import HEAD

MIGRATION_LOCK = 0x6277_6D69
"""PostgreSQL advisory lock key held while migrating ('bwmi')."""
BUSY_TIMEOUT_S = 60
SCHEMES = ("sqlite", "postgresql")
"""The databases the run store runs on (the URL's backend name, before any ``+driver``)."""
WRITE = "bridgewatch_write"
"""Execution option marking a connection that writes (see :func:`writing`)."""


SECRET_PARAMETERS = ("password", "sslpassword")
"""URL query parameters that carry a secret (libpq takes ``?password=``): hidden like the URL's password."""


def shown(url: str) -> str:
    """The URL as it may appear in messages: password hidden, in the user part and in the query string."""
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown by its scheme only, or not at all
        scheme, sep, _ = url.partition("://")
        return f"{scheme}://…" if sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) else "<not a URL>"
    secret = {k: "***" for k in parsed.query if k.lower() in SECRET_PARAMETERS}
    if parsed.get_backend_name() == "sqlite" and parsed.password is None and not secret:
        return url  # a file path, shown as written (the URL writer would escape its colons)
    text = (parsed.update_query_dict(secret) if secret else parsed).render_as_string(hide_password=True)
    return text.replace("=%2A%2A%2A", "=***")  # the URL writer escapes the stars


def parse_url(url: str) -> URL:
    """``url`` parsed.

    Raises:
        StoreError: it is not a database URL (named without its password).
    """
    try:
        return make_url(url)
    except Exception as exc:  # noqa: BLE001
        raise StoreError(f"history URL {shown(url)!r} is not a database URL ({type(exc).__name__}); use e.g. "
                         f"sqlite:///path/history.sqlite or postgresql+psycopg://user@host/db.") from None


def connect(url: str, *, read_only: bool = False, no_store: bool = False) -> Engine:
    """An SQLAlchemy engine for the store at ``url``, migrated to the current schema.

    ``read_only`` (commands that only read: ``history``, ``show``, ``users list``): an SQLite store is opened
    read-only, never created (a missing file is an error, not a new empty store) and never migrated; a store in a
    folder this user cannot write (a read-only mount) is read as it stands (:func:`_read_only_url`). ``no_store``: the
    command storing can run without its store (``run`` and ``batch``' ``--no-store``): its errors say so, the errors
    of other commands (which have no such option) do not.

    Raises:
        StoreError: the URL is invalid, the database cannot be reached or migrated (or, read-only, does not exist
            or needs migrating).
    """
    parsed = parse_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if parsed.get_backend_name() not in SCHEMES:
        raise StoreError(f"history URL {shown(url)!r}: the run store supports {' and '.join(SCHEMES)} databases, "
                         f"not {parsed.get_backend_name()}; use e.g. sqlite:///path/history.sqlite or "
                         f"postgresql+psycopg://user@host/db.")
    if sqlite and (parsed.database in (None, "", ":memory:") or ":memory:" in (parsed.database or "")
                   or parsed.query.get("mode") == "memory"):
        raise StoreError(f"history URL {shown(url)!r} is an in-memory SQLite database: a run stored there is gone "
                         f"when the process ends (and each connection sees a database of its own). Name a file, "
                         f"e.g. sqlite:///path/history.sqlite{', or run with --no-store' if no_store else ''}.")
    if sqlite and read_only:
        parsed = _read_only_url(parsed, url)
    elif sqlite:
        _make_folder(Path(parsed.database or ""), url, no_store)
    try:
        engine = create_engine(parsed, **({"connect_args": {"timeout": BUSY_TIMEOUT_S}} if sqlite else {}))
    except (ImportError, SQLAlchemyError) as exc:  # a driver that is not installed, an unknown dialect option
        raise StoreError(f"history URL {shown(url)!r}: cannot open it ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}); use e.g. "
                         f"sqlite:///path/history.sqlite or postgresql+psycopg://user@host/db.") from None
    if sqlite:
        _serialise_sqlite(engine, wal=not read_only)
    with guarded(url, "open", no_store=no_store):
        if not read_only or not sqlite:
            _migrate(engine, url)
        elif sqlite and _readable(engine) and not _at_head(engine):
            raise StoreError(f"run store {shown(url)}: it was written by another bridgewatch version and must be "
                             f"migrated before it can be read, which writes to it: run a command that stores "
                             f"(bridgewatch run) once with write access to it, or upgrade bridgewatch.")
    return engine


def stored_before(url: str) -> bool:
    """Whether ``url`` is an SQLite store file that exists: the dashboard reads one read-only, and creates (as an
    empty store) one no run has written yet."""
    parsed = parse_url(url)
    return parsed.get_backend_name() == "sqlite" and Path(parsed.database or "").is_file()


def _read_only_url(parsed: URL, url: str) -> URL:
    """The SQLite URL that opens the store file read-only (``mode=ro``).

    SQLite reads a WAL database through its ``-shm`` file, which it creates (and writes) beside the store even to
    read: in a folder this user cannot write, every read failed ("attempt to write a readonly database"). There a
    store whose ``-wal`` file is empty or absent (nothing is being written through this folder: its last writer
    checkpointed and closed) is read as an immutable file; one with a non-empty ``-wal`` holds runs only the log
    has, which an immutable read would miss, so it is refused, saying what to do.

    Raises:
        StoreError: no store at that path (a read never creates one), or one that cannot be read read-only.
    """
    path = Path(parsed.database or "")
    if not path.is_file():
        what = "a folder, not a database file" if path.is_dir() else "no store there: nothing has been stored"
        raise StoreError(f"run store {shown(url)}: could not open: {path} is {what} (reading never creates one). "
                         f"Check the path (--history-url / --users-url, $BRIDGEWATCH_HISTORY_URL, [history] url), "
                         f"or store something there first.")
    query: dict[str, str] = {"mode": "ro", "uri": "true"}
    if not os.access(path.parent, os.W_OK):
        wal = path.with_name(path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreError(f"run store {shown(url)}: could not open: its folder {path.parent} cannot be written "
                             f"by this user, and SQLite reads a store whose write-ahead log ({wal.name}) holds data "
                             f"only with write access to that folder (for its -shm file). Give the user write "
                             f"access to the folder (check with ls -l; chmod or chown), or copy the store with its "
                             f"-wal file to a writable folder and pass --history-url.")
        query["immutable"] = "1"
    return parsed.set(database=f"file:{path}", query=query)


def _make_folder(path: Path, url: str, no_store: bool) -> None:
    instead = "--history-url / --no-store" if no_store else "another --history-url"
    in_the_way = next((p for p in reversed(path.parents) if p.exists() and not p.is_dir()), None)
    if in_the_way is not None:  # mkdir says only "File exists" (or "Not a directory"), naming nothing
        raise StoreError(f"cannot create the folder for the run store {shown(url)}: {in_the_way} is a file, not a "
                         f"folder. Move that file aside, or pass {instead}.")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder for the run store {shown(url)}: {exc.strerror}. Check the "
                         f"permissions, or pass {instead}.") from None


def _serialise_sqlite(engine: Engine, *, wal: bool = True) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        if wal:  # setting the journal mode writes; a read-only store keeps the mode its writer gave it
            dbapi_connection.execute("PRAGMA journal_mode = WAL")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction (on SQLite ``BEGIN IMMEDIATE``: writers queue; readers are never blocked)."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE: True})
        with conn.begin():
            yield conn


def _migrate(engine: Engine, url: str) -> None:
    if _at_head(engine):
        return  # the usual case: no Alembic import, no script scan, no write lock
    from alembic import command
    from alembic.config import Config
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with writing(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        config.attributes["connection"] = conn
        try:
            command.upgrade(config, "heads")
        except CommandError as exc:  # e.g. a revision this version does not have: a newer bridgewatch wrote it
            raise StoreError(f"run store {shown(url)}: could not open: {exc}. The store was probably written by a "
                             f"newer bridgewatch; upgrade it, or pass another --history-url.") from None


def _readable(engine: Engine) -> bool:
    """Read the SQLite file's schema, so a file that is no database (or a damaged one) raises as such rather than
    reading as a store to migrate."""
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM sqlite_master"))
    return True


def _at_head(engine: Engine) -> bool:
    """Whether the store's schema is already the newest revision (:data:`~bridgewatch.history.migrations.HEAD`),
    read with one query. A new store, an older one and one a newer bridgewatch migrated go through Alembic
    (under the lock), which creates, upgrades or refuses them. Connection failures are raised, not hidden."""
    with engine.connect() as conn:
        try:
            versions = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except SQLAlchemyError:
            return False  # no version table: a new (or not yet migrated) store
    return versions == [HEAD]


def _sqlite_file_problem(path: Path, detail: str, no_store: bool) -> str | None:
    """What SQLite's terse answer means for the store's file, and what to do; None when it is no file problem."""
    other = f"another --history-url{' (or --no-store)' if no_store else ''}"
    if detail == "unable to open database file" and path.is_dir():
        return (f"{path} is a folder, not a database file. Move it aside, or pass {other}.")
    if detail in ("file is not a database", "database disk image is malformed"):
        return (f"{path} is not a bridgewatch run store (not an SQLite database, or a damaged one: {detail}). "
                f"Restore it from a backup, or move it aside to start a new, empty history there, or pass {other}.")
    if detail == "database or disk is full":
        return (f"the disk holding {path} is full (SQLite: {detail}). Free space on it, then run again (a run "
                f"that could not be saved is not stored), or pass {other}.")
    if detail == "disk I/O error":  # what SQLite says when its -wal or -shm file cannot be written beside it
        return (f"SQLite met a disk I/O error writing {path} or the -wal and -shm files beside it: the disk is full "
                f"or failing. Free space on it (df) or check it (dmesg), then run again, or pass {other}.")
    if detail == "attempt to write a readonly database":
        return (f"{path} (or its folder, where SQLite keeps its -wal and -shm files) cannot be written by this user. "
                f"Give the user running bridgewatch write access (check with ls -l; chmod or chown), or pass {other}.")
    return None


def lock_workspace(conn: Connection, workspace_id: str) -> None:
    """Hold the workspace's write lock until the transaction ends (SQLite: already held by BEGIN IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(workspace_id.encode()).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


@contextmanager
def guarded(url: str, doing: str, *, no_store: bool = False) -> Iterator[None]:
    """Turn driver errors into one StoreError naming the (password-free) URL and what was being done (``no_store``:
    the command can run without its store, so the error says ``--no-store`` too)."""
    try:
        yield
    except StoreError:
        raise
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        sqlite = make_url(url).get_backend_name() == "sqlite"
        if sqlite and (problem := _sqlite_file_problem(Path(make_url(url).database or ""), detail, no_store)):
            raise StoreError(f"run store {shown(url)}: could not {doing}: {problem}") from None
        if sqlite and detail == "database is locked":
            raise StoreError(f"run store {shown(url)}: could not {doing}: another process held the store's write "
                             f"lock for more than {BUSY_TIMEOUT_S} s (a run, batch or watch saving to the same store "
                             f"takes it for the length of its save). Run again when it has finished, or use a "
                             f"store per process (--history-url).") from None
        raise StoreError(f"run store {shown(url)}: could not {doing}: {detail}. Check that the database is "
                         f"reachable and writable{', or run with --no-store' if no_store else ''}.") from None
    except OSError as exc:
        raise StoreError(f"run store {shown(url)}: could not {doing}: {exc.strerror or exc}. Check the disk and "
                         f"permissions{', or run with --no-store' if no_store else ''}.") from None
