"""Derived tables kept on disk between processes, under a fingerprint of everything they are made from.

A reader's constant lookups (the country names: pycountry's database, nine translations and the
comparison key of each of 3,500 names) take about 0.1 s to build, paid by every fresh process: a
tenth of ``bridgewatch run`` on a demo workspace. They depend only on library versions and
bridgewatch's own rules, so the first process writes them as an Arrow file named by a digest of
those inputs, and later ones read it (about a millisecond). Any change of an input is a new name:
a kept file is never stale, only unused: reading a file marks it used (its modification time), and
writing one removes the files of the same lookup no process has used for :data:`UNUSED_DAYS` days
(those of an upgraded library or bridgewatch; another installed version still using its own keeps it).

Where: ``$BRIDGEWATCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/bridgewatch``, else
``~/.cache/bridgewatch``; ``BRIDGEWATCH_CACHE_DIR=off`` keeps nothing. The cache is a convenience:
a folder that cannot be written, or a file that cannot be read, only means the table is built in
the process, as without it. A file a killed process was writing is removed by the next one that writes.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc

from bridgewatch.atomic import clear_dead_temporaries, temp_sibling

ENV = "BRIDGEWATCH_CACHE_DIR"
OFF = "off"
UNUSED_DAYS = 30
"""A kept file no process has read or written for this long is removed when another of its lookup is written."""
DIGEST_CHARS = 24


def cache_dir() -> Path | None:
    """The cache folder, or None when ``$BRIDGEWATCH_CACHE_DIR`` is ``off`` or no home folder can be told
    (a service account without one). A relative ``$XDG_CACHE_HOME`` is ignored, as the XDG rules say."""
    chosen = os.environ.get(ENV, "").strip()
    if chosen:
        return None if chosen.lower() == OFF else Path(chosen)
    base = Path(os.environ.get("XDG_CACHE_HOME", "").strip() or ".")
    if base.is_absolute():
        return base / "bridgewatch"
    try:
        return Path.home() / ".cache" / "bridgewatch"
    except RuntimeError:  # no HOME and no password-file entry
        return None


def cached_table(name: str, inputs: Sequence[str], make: Callable[[], pa.Table]) -> pa.Table:
    """``make()``, kept as ``<cache>/<name>-<digest of inputs>.arrow`` and read from there when present."""
    folder = cache_dir()
    if folder is None:
        return make()
    digest = hashlib.sha256("\x1f".join([name, *inputs]).encode("utf-8")).hexdigest()[:DIGEST_CHARS]
    path = folder / f"{name}-{digest}.arrow"
    kept = _read(path)
    if kept is not None:
        _mark_used(path)
        return kept
    table = make()
    _write(path, table)
    _prune(folder, name, keep=path)
    return table


def _read(path: Path) -> pa.Table | None:
    try:
        with pa.memory_map(str(path)) as source:
            return pyarrow.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowException):
        return None  # absent, unreadable or cut short: built again (and written again)


def _mark_used(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass  # a cache folder this user may read but not write: nothing is pruned there by this user either


def _prune(folder: Path, name: str, *, keep: Path) -> None:
    """Remove ``name``'s kept files of other digests that no process used for :data:`UNUSED_DAYS` days."""
    own = re.compile(rf"{re.escape(name)}-[0-9a-f]{{{DIGEST_CHARS}}}\.arrow")
    cutoff = time.time() - UNUSED_DAYS * 86400
    try:
        entries = [e for e in os.scandir(folder) if e.name != keep.name and own.fullmatch(e.name)]
    except OSError:
        return
    for entry in entries:
        try:
            if entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
        except OSError:
            continue  # removed by another process first, or not ours to remove: the cache stays usable


def _write(path: Path, table: pa.Table) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        clear_dead_temporaries(path.parent)  # a file a killed process was writing here
        temporary = temp_sibling(path)
        try:
            with pyarrow.ipc.new_file(str(temporary), table.schema) as writer:
                writer.write_table(table)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only or full disk: the table is still used, only not kept
