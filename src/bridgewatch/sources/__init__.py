"""Vendor files → canonical tables: one reader per vendor file family, named in workspace.toml.

``[sources.<name>]`` entries give a ``reader``, a ``path`` (a file, folder or glob relative to the
workspace folder) and reader ``options``. :func:`load_sources` runs them in order and puts their
tables together, dropping records repeated across pages, files and sources (counted as excluded
``duplicate``). Readers are registered by importing their modules below.
"""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

from bridgewatch.config import WorkspaceConfig
from bridgewatch.errors import InputError, LookupFailed
from bridgewatch.ingest.accounting import FileAccount, OnBadRow
from bridgewatch.sources import (  # noqa: F401  (importing registers the readers)
    adobe,
    adobe_csv,
    bigcommerce,
    bigcommerce_csv,
    business_central,
    d365,
    dataverse,
    intacct,
    shopify_api,
    shopify_csv,
    synclogs,
)
from bridgewatch.sources.base import READERS, ReadContext, Reader, ReadResult, get_reader, resolve_options
from bridgewatch.sources.combine import combine

__all__ = ["READERS", "ReadContext", "ReadResult", "Reader", "expand_path", "get_reader", "load_sources"]


def load_sources(config: WorkspaceConfig, *, on_bad_row: OnBadRow) -> tuple[dict[str, Any], list[FileAccount]]:
    """Read every ``[sources.<name>]`` of the workspace.

    Returns:
        The Arrow table per canonical table name, and one account per (table, file) read.

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
    results = []
    for name, reader, spec in plan:
        context = ReadContext(workspace_id=config.id, timezone=config.workspace.timezone, on_bad_row=on_bad_row,
                              options=spec.options, source=name)
        results.append(reader.read(paths[name], context))
    combined = combine(results)
    return combined.tables, combined.accounts


def _reader(source: str, name: str) -> Reader:
    try:
        return get_reader(name)
    except LookupFailed as exc:
        raise LookupFailed(f"sources.{source}.reader: {exc}") from exc


def expand_path(root: Path, pattern: str, *, source: str = "") -> list[Path]:
    """The files a source's ``path`` names: a file, every file of a folder, or a glob; sorted.

    Raises:
        InputError: nothing matches.
    """
    full = Path(pattern) if Path(pattern).is_absolute() else Path(root) / pattern
    if full.is_dir():
        found = [p for p in full.iterdir() if p.is_file() and not p.name.startswith(".")]
    else:
        found = [Path(p) for p in glob.glob(str(full), recursive=True) if Path(p).is_file()]
    if not found:
        raise InputError(f"sources.{source}: path '{pattern}' matches no file under {root}. Check the path "
                         f"(relative to the workspace folder; globs such as exports/*.json are allowed).")
    return sorted(found)
