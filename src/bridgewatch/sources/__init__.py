"""Vendor files → canonical tables: one reader per vendor file family, named in workspace.toml.

``[sources.<name>]`` entries give a ``reader``, a ``path`` (a file, folder or glob relative to the
workspace folder; Office lock files, OS files and a folder's other hidden files are skipped and listed,
:func:`skipped_paths`) and reader ``options``. :func:`load_sources` reads them side by side (one thread
per core: a reader's time is DuckDB planning its statements, which runs outside Python's lock) and
puts their tables together in workspace.toml order, dropping records repeated across pages, files
and sources (counted as excluded ``duplicate``). Readers are registered by importing their modules
below.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from bridgewatch.atomic import TEMP_INFIX
from bridgewatch.config import WorkspaceConfig
from bridgewatch.errors import InputError, LookupFailed
from bridgewatch.ingest.accounting import FileAccount, OnBadRow
from bridgewatch.sources import (  # noqa: F401  (importing registers the readers)
    adobe,
    adobe_csv,
    bigcommerce,
    bigcommerce_csv,
    business_central,
    business_central_csv,
    d365,
    d365_csv,
    dataverse,
    dataverse_csv,
    intacct,
    intacct_rest,
    shopify_api,
    shopify_csv,
    synclogs,
)
from bridgewatch.sources.base import READERS, ReadContext, Reader, ReadResult, get_reader, resolve_options
from bridgewatch.sources.combine import combine

__all__ = ["READERS", "ReadContext", "ReadResult", "Reader", "expand_path", "get_reader", "load_sources",
           "read_sources"]


def load_sources(config: WorkspaceConfig, *, on_bad_row: OnBadRow) -> tuple[dict[str, Any], list[FileAccount]]:
    """The tables and accounts of :func:`read_sources` (without its warnings)."""
    result = read_sources(config, on_bad_row=on_bad_row)
    return result.tables, result.accounts


def read_sources(config: WorkspaceConfig, *, on_bad_row: OnBadRow) -> ReadResult:
    """Read every ``[sources.<name>]`` of the workspace.

    Returns:
        The Arrow table per canonical table name, one account per (table, file) read, and the warnings
        the readers recorded (an export they can tell is incomplete), in workspace.toml order.

    Raises:
        LookupFailed: a source names an unknown reader (with the closest known name).
        ConfigError: a source passes an option its reader does not know.
        InputError: a path matches no file, or a file cannot be read (with ``OnBadRow.RAISE``, also
            any bad value).
    """
    plan = [(name, _reader(name, spec.reader), spec) for name, spec in config.sources.items()]
    for name, reader, spec in plan:
        resolve_options(reader, spec.options, name)
    paths = {name: expand_path(config.root, spec.path, source=name) for name, _, spec in plan}
    reads = [_read_task(reader, paths[name], skipped_paths(config.root, spec.path), ReadContext(
        workspace_id=config.id, timezone=config.workspace.timezone, on_bad_row=on_bad_row, options=spec.options,
        source=name, entities=tuple(e.id for e in config.legal_entities))) for name, reader, spec in plan]
    return combine(in_order(reads))


def _read_task(reader: Reader, paths: list[Path], skipped: list[tuple[Path, str]],
               context: ReadContext) -> Callable[[], ReadResult]:
    def task() -> ReadResult:
        result = reader.read(paths, context)
        result.accounts += [FileAccount(reader.produces[0], str(p), notes=[f"skipped: {why}"]) for p, why in skipped]
        return result
    return task


T = TypeVar("T")


def in_order(tasks: Sequence[Callable[[], T]], workers: int | None = None) -> list[T]:
    """Run ``tasks`` on up to ``workers`` threads (default: one per core) and return their results in order.

    Every task is independent (each reader has its own DuckDB cursor). When tasks fail, the error raised
    is the first failing task's in ``tasks`` order, after the running ones have finished, so a
    workspace fails with the same message as when its sources are read one after the other.
    """
    workers = min(len(tasks), workers or os.cpu_count() or 1)
    if workers <= 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bridgewatch-read") as pool:
        futures: list[Future[T]] = [pool.submit(task) for task in tasks]
        for future in futures:
            if future.exception() is not None:
                pool.shutdown(wait=True, cancel_futures=True)
                break
    return [future.result() for future in futures]


def _reader(source: str, name: str) -> Reader:
    try:
        return get_reader(name)
    except LookupFailed as exc:
        raise LookupFailed(f"sources.{source}.reader: {exc}") from exc


CLUTTER = {
    "thumbs.db": "Windows' thumbnail cache, not an export",
    "desktop.ini": "Windows' folder settings, not an export",
    ".ds_store": "macOS's folder settings, not an export",
}
"""Files the operating system leaves in folders, by lower-cased name (see :func:`clutter`)."""
HIDDEN = "a hidden file (its name starts with a dot), not read; if it is an export, rename it without the dot"
"""Why a folder's other hidden file is skipped (a glob matches hidden files only when it names them)."""
OWN_FILES = frozenset({".pull.json"})
"""Hidden files bridgewatch itself writes into a source folder, skipped without a note: the manifest a pull keeps
beside its pages (``bridgewatch.connectors.store.MANIFEST``). So are its temporary siblings (``TEMP_INFIX``)."""


def clutter(path: Path) -> str | None:
    """Why ``path`` is no export but a file left beside them (an Office lock file, an OS file), or None."""
    if path.name.startswith("~$"):
        return "an Office lock file (the file is open in Excel), not an export"
    return CLUTTER.get(path.name.lower())


def expand_path(root: Path, pattern: str, *, source: str = "") -> list[Path]:
    """The files a source's ``path`` names: a file, every file of a folder, or a glob; sorted. Office lock
    files and OS files (:func:`clutter`) are left out, and so are a folder's other hidden files
    (:func:`skipped_paths` lists them all); bridgewatch's own files (:data:`OWN_FILES`) are not even listed.

    Raises:
        InputError: nothing (but such files) matches.
    """
    found = _matches(root, pattern)
    usable = [p for p, why in found if why is None]
    if not usable:
        only = f" (only {', '.join(sorted(p.name for p, _ in found))}, which are not exports)" if found else ""
        raise InputError(f"sources.{source}: path '{pattern}' matches no file under {root}{only}. Check the path "
                         f"(relative to the workspace folder; globs such as exports/*.json are allowed).")
    return sorted(usable)


def skipped_paths(root: Path, pattern: str) -> list[tuple[Path, str]]:
    """The files ``pattern`` matches that :func:`expand_path` leaves out, with why; sorted."""
    return sorted((p, why) for p, why in _matches(root, pattern) if why is not None)


def _matches(root: Path, pattern: str) -> list[tuple[Path, str | None]]:
    """Every file ``pattern`` names, each with why it is skipped (None: it is read)."""
    full = Path(pattern) if Path(pattern).is_absolute() else Path(root) / pattern
    if full.is_dir():
        return [(p, clutter(p) or (HIDDEN if p.name.startswith(".") else None)) for p in full.iterdir()
                if p.is_file() and not _own(p)]
    read = set(glob.glob(str(full), recursive=True))
    return [(p, clutter(p) or (None if str(p) in read else HIDDEN)) for p in map(Path, _with_hidden(full, read))
            if p.is_file() and (str(p) in read or not _own(p))]


def _with_hidden(pattern: Path, read: set[str]) -> list[str]:
    """What ``pattern`` matches (``read``) and the hidden files it would match if it named their dot, which the
    shell's rules skip: listed as skipped, so an export renamed ``.orders.csv`` is not left out unseen. Files
    inside hidden folders stay out, as with a folder path."""
    named = {part for part in pattern.parts if part.startswith(".")}
    hidden = [p for p in glob.glob(str(pattern), recursive=True, include_hidden=True)
              if p not in read and Path(p).name.startswith(".")
              and all(part in named for part in Path(p).parent.parts if part.startswith("."))]
    return [*read, *hidden]


def _own(path: Path) -> bool:
    """``path`` is a hidden file bridgewatch wrote (:data:`OWN_FILES`, a temporary sibling being written)."""
    return path.name.startswith(".") and (path.name in OWN_FILES or TEMP_INFIX in path.name)
