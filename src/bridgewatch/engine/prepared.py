"""The prepared store: results of steps kept next to the staged tables and reused.

A step marked ``prepared`` depends only on the relations it names as ``inputs`` (staged
tables, small settings tables, earlier prepared steps), never on the as-of time or the window.
Its *fingerprint* is a digest of its SQL, the DuckDB version and the fingerprint of every input:
a staged Parquet file by its path, size and modification time; a settings table by its rows; a
prepared step by its own fingerprint. The store keeps each step's result as a Parquet file,
``prepared/<step>-<fingerprint>.parquet`` next to the staged tables, and a manifest of the
fingerprint each step was last kept under in a DuckDB file, ``prepared.duckdb``, whose lock keeps
the store to one process at a time. A run whose fingerprint matches (and whose file is there)
reads the file instead of computing the step, any other run recomputes and replaces it; a
step computed outside the store (it could not be kept) drops its earlier fingerprint, so no step
after it can be taken for a version kept under the old one. A changed file, setting or step query
therefore never reuses a stale result. Not covered: a change to the SQL of a non-prepared view a
prepared step reads (``party_remap``, a constant filter) within one installed version.

The window-dependent steps (accounts, counted orders, presence, the card tables) are kept too when
the pass is *repeatable* (every as-of time given, not read from the clock): each under the pass's
chain, a digest of every registered relation's fingerprint (staged files by stat, settings tables
by content, which includes the as-of time and window) and of every step's SQL run so far. A second
run on the same data, settings, as-of time and cards therefore reads every step; any difference
recomputes every window step after it. A pass whose as-of time is the clock keeps nothing of its
window (it can never be asked again), and a pass with a relation that cannot be fingerprinted (a
large in-memory table) keeps nothing of it either.

Parquet rather than tables inside the DuckDB file: DuckDB writes a table to its own file by trying
several compressions per column segment, which at 1M customers made keeping the steps cost as much as
computing them; a Parquet file (Snappy) is written in about half the time, is smaller, and reads
back as fast (measurements in docs/performance.md). A file is written under a temporary name, synced
to disk and renamed into place (``bridgewatch.atomic.publish_file``) before the manifest names it, so a
crash never leaves a manifest naming half a file, nor a power loss a renamed file whose data never
reached the disk; a kept file that does not end with Parquet's footer (cut short all the same) is
computed again.

The store is an optimisation only: when it cannot be opened (read-only folder, another process
holding it) or written, the steps are computed in memory as usual, and a warning says why.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from bridgewatch.atomic import clear_dead_temporaries, publish_file, temp_sibling
from bridgewatch.engine.base import Step
from bridgewatch.sql import literal

log = logging.getLogger(__name__)

STORE_FILE = "prepared.duckdb"
"""The store's file name, next to a staged workspace's tables."""

STEPS_DIR = "prepared"
"""The folder, next to the store's manifest, holding each kept step's Parquet file."""
CATALOG = "bw_prepared"
STEPS = f"{CATALOG}.main.bw_prepared_steps"
MAX_DIGEST_ROWS = 10_000
"""Relations larger than this (not staged files) are not fingerprinted by content: their steps are not kept."""


def store_for(parquet: Mapping[str, Sequence[str]]) -> Path | None:
    """Where the store of a run goes: next to its staged tables, when they are local files in one folder."""
    folders = {os.path.dirname(os.path.abspath(p)) for paths in parquet.values() for p in paths if "://" not in p}
    remote = any("://" in p for paths in parquet.values() for p in paths)
    if remote or len(folders) != 1:
        return None
    return Path(next(iter(folders))) / STORE_FILE


def remove_store(folder: Path) -> None:
    """Delete the prepared store kept in ``folder`` (its manifest and every kept step), e.g. to time a first run."""
    for leftover in folder.glob(f"{STORE_FILE}*"):
        leftover.unlink()
    shutil.rmtree(folder / STEPS_DIR, ignore_errors=True)


class PreparedStore:
    """Prepared steps' results as Parquet files, with a manifest (an attached DuckDB file) of their fingerprints."""

    def __init__(self, execute: Callable[..., Any], path: Path) -> None:
        self.execute, self.path = execute, path
        self.folder = path.parent / STEPS_DIR
        execute(f"ATTACH {literal(str(path))} AS {CATALOG}")
        execute(f"CREATE TABLE IF NOT EXISTS {STEPS} (name VARCHAR PRIMARY KEY, fingerprint VARCHAR)")
        if self.folder.is_dir():
            clear_dead_temporaries(self.folder)
        self._drop_tables()
        self.kept: dict[str, str] = dict(execute(f"SELECT name, fingerprint FROM {STEPS}").fetchall())
        """The manifest, read once: the store's lock keeps every other process out while it is open."""

    def _drop_tables(self) -> None:
        """Drop step tables an earlier version kept inside the manifest file (their steps are computed again)."""
        old = self.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND table_name <> ?",
                           [CATALOG, STEPS.rsplit(".", 1)[1]]).fetchall()
        for (name,) in old:
            self.execute(f'DROP TABLE {CATALOG}.main."{name}"')

    @classmethod
    def open(cls, execute: Callable[..., Any], path: Path) -> PreparedStore | None:
        """The store at ``path``, or None (with a warning) when it cannot be used."""
        try:
            return cls(execute, path)
        except Exception as exc:  # noqa: BLE001 - any failure means: compute without the store
            log.warning("prepared store %s not used (%s); computing every step", path, exc)
            return None

    def file(self, step: Step, fingerprint: str) -> Path:
        """Where ``step`` computed under ``fingerprint`` is kept."""
        return self.folder / f"{step.name}-{fingerprint[:32]}.parquet"

    def holds(self, step: Step, fingerprint: str) -> bool:
        return self.kept.get(step.name) == fingerprint and _whole(self.file(step, fingerprint))

    def table(self, step: Step, fingerprint: str) -> str:
        """SQL reading the kept result of ``step`` (as a relation)."""
        return f"read_parquet({literal(str(self.file(step, fingerprint)))})"

    def save(self, step: Step, sql: str, fingerprint: str) -> bool:
        """Compute ``step`` into the store under ``fingerprint``; False (nothing kept) if that failed."""
        final = self.file(step, fingerprint)
        partial = temp_sibling(final)  # a killed run's is removed when the store is next opened
        try:
            self.folder.mkdir(exist_ok=True)
            self.execute(f"COPY ({sql}) TO {literal(str(partial))} (FORMAT parquet, COMPRESSION snappy)")
            publish_file(partial, final)
            self.execute(f"INSERT OR REPLACE INTO {STEPS} VALUES (?, ?)", [step.name, fingerprint])
            self.kept[step.name] = fingerprint
        except Exception as exc:  # noqa: BLE001
            partial.unlink(missing_ok=True)
            log.warning("prepared step %s not kept in %s (%s)", step.name, self.folder, exc)
            return False
        self._forget_others(step, final)
        return True

    def _forget_others(self, step: Step, kept: Path) -> None:
        """Remove the step's files kept under other fingerprints (one version per step is kept)."""
        for other in self.folder.glob(f"{step.name}-*.parquet"):  # step names hold no '-': only this step's files
            if other != kept:
                other.unlink(missing_ok=True)

    def close(self) -> None:
        try:
            self.execute(f"DETACH {CATALOG}")
        except Exception:  # noqa: BLE001, S110 - closing the connection detaches it anyway
            pass


def _whole(path: Path) -> bool:
    """The Parquet file is there and ends with its footer's magic (a file cut short by a power loss does not)."""
    try:
        with path.open("rb") as fh:
            fh.seek(-4, os.SEEK_END)
            return fh.read(4) == b"PAR1"
    except OSError:
        return False


class Fingerprints:
    """Fingerprints of the relations a run has: staged files by stat, small relations by content, steps by chain."""

    def __init__(self, fetch: Callable[[str], list[tuple[Any, ...]]], engine_version: str) -> None:
        self.fetch, self.version = fetch, engine_version
        self.parquet: dict[str, list[str]] = {}
        self.steps: dict[str, str] = {}

    def of_step(self, step: Step, sql: str) -> str | None:
        """The step's fingerprint, or None when an input cannot be fingerprinted (then it is not kept)."""
        parts = [self.version, sql]
        for name in step.inputs:
            found = self.of_relation(name)
            if found is None:
                return None
            parts.append(f"{name}={found}")
        return _digest(parts)

    def of_pass(self, registered: Iterable[str]) -> str | None:
        """The start of a pass's chain: every registered relation's fingerprint (None if one has none)."""
        parts = [self.version]
        for name in sorted(registered):
            found = self.of_relation(name)
            if found is None:
                return None
            parts.append(f"{name}={found}")
        return _digest(parts)

    def of_relation(self, name: str) -> str | None:
        if name in self.steps:
            return self.steps[name]
        if name in self.parquet:
            return _files(self.parquet[name])
        return self._content(name)

    def _content(self, name: str) -> str | None:
        rows = self.fetch(f'SELECT * FROM "{name}" LIMIT {MAX_DIGEST_ROWS + 1}')
        if len(rows) > MAX_DIGEST_ROWS:
            return None
        return hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()


def chained(chain: str | None, step: Step, sql: str) -> str | None:
    """The chain after ``step``: a digest of everything the pass has read and run so far (None stays None)."""
    return None if chain is None else _digest([chain, step.name, sql])


def _digest(parts: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _files(paths: Sequence[str]) -> str | None:
    """Path, size and modification time of each file; None for remote files (their changes cannot be seen)."""
    parts = []
    for path in paths:
        if "://" in path:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        parts.append(f"{os.path.abspath(path)}:{st.st_size}:{st.st_mtime_ns}")
    return _digest(parts)
