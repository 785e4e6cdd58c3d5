"""Fingerprints of what a run read: the configuration and every input file (path, size, content hash).

A stored run carries both, so "did anything change?" has an exact answer, and a past run can be
told apart from a rerun on the same inputs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bridgewatch.config import CONFIG_FILE, WorkspaceConfig

CHUNK = 1 << 20


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (read in 1 MiB chunks)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def config_fingerprint(config: WorkspaceConfig) -> str:
    """SHA-256 of ``workspace.toml`` as written (the validated settings come from exactly these bytes)."""
    path = config.root / CONFIG_FILE
    return file_digest(path) if path.is_file() else hashlib.sha256(config.model_dump_json().encode()).hexdigest()


def input_fingerprint(root: Path, files: Iterable[str]) -> list[dict[str, Any]]:
    """Each input file once, sorted: its path relative to the workspace, size and SHA-256. A name of what was
    read inside a file (a workbook's sheet ``customers.xlsx[Customers]``, a package member ``pkg.zip/x.csv``)
    stands for that file."""
    out = []
    for path in sorted({p for name in files if (p := _file_of(root, name)) is not None}, key=str):
        shown = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        out.append({"file": shown, "size": path.stat().st_size, "sha256": file_digest(path)})
    return out


def _file_of(root: Path, name: str) -> Path | None:
    """The file ``name`` is, or is read from (a sheet or ZIP member named after its file); None if none is."""
    path = Path(name) if Path(name).is_absolute() else root / name
    if path.is_file():
        return path
    if path.name.endswith("]") and "[" in path.name:  # a workbook's sheet (ingest.workbook.without_sheet)
        path = path.with_name(path.name[:path.name.rindex("[")])
    for candidate in (path, *path.parents):
        if candidate.is_file():
            return candidate
        if candidate == root or candidate.is_dir():
            return None
    return None


def combined(entries: list[dict[str, Any]]) -> str:
    """One digest for a list of file entries (equal inputs give equal digests)."""
    digest = hashlib.sha256()
    for e in entries:
        digest.update(f"{e['file']}\0{e['size']}\0{e['sha256']}\n".encode())
    return digest.hexdigest()
