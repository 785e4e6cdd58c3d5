"""Staged workspaces: canonical tables written once as Parquet, with a record of the inputs they came from.

``bridgewatch stage`` reads a workspace's sources and writes ``<table>.parquet`` for every
canonical table, ``ingest.json`` (the load's accounting) and ``staged.json``: the fingerprint of
every input file (size, modification time and SHA-256 of ``workspace.toml``, the canonical files
in ``data_dir`` and every file a ``[sources]`` path names). The folder is built aside and swapped
in whole (:mod:`bridgewatch.atomic`), so it is always one complete staging.

``batch --staged`` refuses, per workspace, a staging that is incomplete (no ``staged.json``, a
table missing) or older than its sources: a file changed, added or removed since ("re-stage:
exports changed since ..."). A file whose size and modification time are unchanged is taken as
unchanged; one whose time changed but whose content hash did not (downloaded again) is too. A
workspace without sources or a data folder (its Parquet tables written by another tool, as the
benchmark generator does) has nothing to be older than and needs no record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from bridgewatch.atomic import atomic_dir, os_errors
from bridgewatch.config import CONFIG_FILE, WorkspaceConfig, load_config
from bridgewatch.errors import (
    BridgewatchError,
    ConfigError,
    InputError,
    StagingOutOfDate,
    translate,
)
from bridgewatch.fingerprint import file_digest
from bridgewatch.ingest.accounting import Accounting, ReadWarning
from bridgewatch.inputs import check_readable, input_folders, input_paths
from bridgewatch.model.tables import TABLES
from bridgewatch.workspace import Workspace, load_workspace

STAGED_DIR = "canonical"
"""Folder (inside a workspace) holding its staged canonical tables, ``<table>.parquet``."""
ACCOUNTING_FILE = "ingest.json"
"""Written next to the staged tables: the ingest accounting of the load that produced them."""
STAGE_RECORD = "staged.json"
"""Written last into a staging: the workspace id, when, the tables and the fingerprint of every input."""


@dataclass(frozen=True)
class InputFile:
    """One input file as it was when staged: path (relative to the workspace when inside it), size, time, hash."""

    path: str
    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class Staged:
    """What ``stage`` did with one workspace: where it wrote, or why it could not."""

    name: str
    folder: Path
    path: Path | None = None
    error: BridgewatchError | None = None
    warnings: tuple[ReadWarning, ...] = ()
    """What the readers found incomplete in the workspace's exports (also kept in ``ingest.json``)."""


# -- fingerprints ----------------------------------------------------------------------------------

def fingerprint(config: WorkspaceConfig, staged_at: Path | None = None) -> list[InputFile]:
    """Size, modification time and SHA-256 of every input file of the workspace."""
    with os_errors(f"reading the inputs of workspace '{config.id}'"):
        return [_input_file(config.root, p) for p in input_paths(config, staged_at or config.root / STAGED_DIR)]


def _input_file(root: Path, path: Path) -> InputFile:
    stat = path.stat()
    return InputFile(_relative(root, path), stat.st_size, stat.st_mtime_ns, file_digest(path))


def _relative(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def changes_since(config: WorkspaceConfig, recorded: Iterable[InputFile], staged_at: Path | None = None) -> list[str]:
    """The input files changed, added or removed since ``recorded`` (``path (changed|new|removed)``)."""
    before = {f.path: f for f in recorded}
    with os_errors(f"reading the inputs of workspace '{config.id}'"):
        now = {_relative(config.root, p): p for p in input_paths(config, staged_at or config.root / STAGED_DIR)}
        changed = [f"{path} ({'removed' if path not in now else 'changed'})" for path, f in before.items()
                   if path not in now or not _unchanged(now[path], f)]
    return sorted(changed + [f"{path} (new)" for path in now if path not in before])


def _unchanged(path: Path, was: InputFile) -> bool:
    stat = path.stat()
    if stat.st_size != was.size:
        return False
    return stat.st_mtime_ns == was.mtime_ns or file_digest(path) == was.sha256


# -- staging -----------------------------------------------------------------------------------------

def stage_workspace(ws: Workspace, out: Path | str | None = None,
                    inputs: list[InputFile] | None = None) -> Path:
    """Write a loaded workspace's canonical tables as Parquet (default ``<workspace>/canonical``).

    The staged form is what big runs read: engines scan it in place instead of holding every table
    in Python memory. ``ingest.json`` keeps the load's accounting; ``staged.json`` the fingerprint
    ``inputs`` (taken before the load, so a file changed during it shows as changed later; taken
    now when not given). The folder is replaced whole: a crash leaves the previous staging.

    Raises:
        ConfigError: the folder is not a staging (see :func:`check_stage_target`).
        EnvironmentProblem: the folder cannot be written (permissions, disk full).
    """
    target = Path(out) if out is not None else ws.config.root / STAGED_DIR
    check_stage_target(ws.config, target)
    inputs = fingerprint(ws.config, target) if inputs is None else inputs
    with atomic_dir(target) as tmp:
        for name, table in ws.tables.items():
            pq.write_table(table, tmp / f"{name}.parquet")
        _write_json(tmp / ACCOUNTING_FILE, {"workspace": ws.id, "files": ws.accounting.to_record(),
                                            "warnings": ws.accounting.warnings_record()})
        _write_json(tmp / STAGE_RECORD, {
            "workspace": ws.id, "staged_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "tables": sorted(ws.tables), "inputs": [asdict(f) for f in inputs]})
    return target


def check_stage_target(config: WorkspaceConfig, target: Path) -> None:
    """Refuse a staging folder that is not stage's own: it is replaced whole, so it must be new, empty or
    an earlier staging (holding ``staged.json`` or ``ingest.json``), and must not be or hold the
    workspace folder, its data folder or any input.

    Raises:
        ConfigError: naming the folder and what it would have deleted.
    """
    with os_errors(f"checking the staging folder {target}"):
        where = target.resolve()
        owned = [config.root, config.root / config.data_dir, *input_folders(config), *input_paths(config)]
        hit = next((p for p in owned if p.resolve().is_relative_to(where)), None)  # is it, or inside it
        if hit is not None:
            raise ConfigError(f"Workspace '{config.id}': cannot stage into {target}: it is or holds {hit}, which "
                              f"the workspace reads, and stage replaces its folder whole. Give a --tables-root "
                              f"outside the workspaces (or a data_dir other than '{STAGED_DIR}').")
        if where.exists() and not where.is_dir():
            raise ConfigError(f"Workspace '{config.id}': cannot stage into {target}: it is a file.")
        if where.is_dir() and any(where.iterdir()) and not any(
                (where / n).is_file() for n in (STAGE_RECORD, ACCOUNTING_FILE)):
            raise ConfigError(f"Workspace '{config.id}': cannot stage into {target}: it holds files that are not a "
                              f"staging (no {STAGE_RECORD}), and stage replaces its folder whole. Give a new or "
                              f"empty folder.")


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")


def stage_many(source: Path | str, tables_root: str | None = None) -> list[Staged]:
    """Stage every workspace ``source`` names: ``<tables_root>/<id>/`` or ``<workspace>/canonical``.

    A workspace that cannot be read is reported (``Staged.error``) and the others are still
    staged; its previous staging, if any, is left as it was and ``batch --staged`` will refuse
    it once its exports have changed.

    Raises:
        ConfigError: ``source`` names no workspace, or ``tables_root`` is a URI (stage writes locally).
    """
    from bridgewatch.batch import find_workspaces

    if tables_root and "://" in tables_root:
        raise ConfigError(f"stage writes local folders, not {tables_root}; stage to a folder and copy it to "
                          f"object storage (aws s3 sync, azcopy, gsutil rsync), then batch --tables-root "
                          f"{tables_root}.")
    return [_stage_one(folder, tables_root) for folder in find_workspaces(source)]


def _stage_one(folder: Path, tables_root: str | None) -> Staged:
    try:
        config = load_config(folder)
        check_readable(config)
        out = Path(tables_root) / config.id if tables_root else None
        check_stage_target(config, out or config.root / STAGED_DIR)
        inputs = fingerprint(config, out)
        ws = load_workspace(folder)
        return Staged(config.id, folder, stage_workspace(ws, out, inputs), warnings=tuple(ws.accounting.warnings))
    except Exception as exc:  # noqa: BLE001 - one workspace's failure (a bug included) must not stop the others
        return Staged(folder.name, folder, error=translate(exc, f"staging {folder}"))


# -- reading a staging back ----------------------------------------------------------------------------

def staged_tables(config_root: Path, workspace_id: str, tables_root: str | None) -> str:
    """Where a workspace's staged tables are: ``<tables_root>/<id>`` or ``<workspace>/canonical``."""
    return f"{tables_root.rstrip('/')}/{workspace_id}" if tables_root else str(config_root / STAGED_DIR)


def staged_workspace(root: Path | str, tables_root: str | None = None) -> Workspace:
    """A workspace whose tables are its staged Parquet files (see :func:`staged_tables`).

    ``tables_root`` may be an object-storage URI (``s3a://bucket/bw``) that only the engine reads
    (nothing is checked then); a local staging is checked here: every table present, staged for
    this workspace id, and no input file changed, added or removed since.

    Raises:
        ConfigError: the configuration is invalid.
        InputError: a local staged folder lacks a table, or was staged for another workspace.
        StagingOutOfDate: the staging is incomplete, or its inputs changed since.
    """
    config = load_config(root)
    base = staged_tables(config.root, config.id, tables_root)
    paths = {t.name: f"{base.rstrip('/')}/{t.name}.parquet" for t in TABLES}
    if "://" in base:
        return Workspace(config, paths)
    missing = [p for p in paths.values() if not Path(p).is_file()]
    if missing:
        raise InputError(f"Workspace '{config.id}' is not staged: missing {', '.join(missing)}. "
                         f"Stage it first: bridgewatch stage -w {config.root}.")
    with os_errors(f"reading the staged tables of workspace '{config.id}'"):
        accounting = _staged_accounting(Path(base), config.id)
        check_current(config, Path(base))
    return Workspace(config, paths, accounting)


def check_current(config: WorkspaceConfig, base: Path) -> None:
    """Refuse a staging without its record, or whose inputs changed since it was written.

    Raises:
        StagingOutOfDate: with what changed and the command that re-stages.
    """
    again = f"Re-stage it: bridgewatch stage -w {config.root}."
    record = _read_json(base / STAGE_RECORD, again)
    if record is None and not has_inputs(config, base):
        return
    if record is None:
        raise StagingOutOfDate(f"Workspace '{config.id}': the staging in {base} is incomplete (no {STAGE_RECORD}: "
                               f"staged by an older bridgewatch or copied by hand). {again}")
    try:
        inputs, when = [InputFile(**f) for f in record["inputs"]], str(record["staged_at"])
    except (KeyError, TypeError) as exc:
        raise StagingOutOfDate(f"{base / STAGE_RECORD}: not a record written by bridgewatch stage ({exc}). "
                               f"{again}") from exc
    changed = changes_since(config, inputs, base)
    if changed:
        raise StagingOutOfDate(f"Workspace '{config.id}': re-stage: exports changed since {when}: "
                               f"{', '.join(changed)}. {again}")


def has_inputs(config: WorkspaceConfig, base: Path) -> bool:
    """False for a workspace whose canonical tables were written by another tool (no sources, no data folder).

    Such a workspace's staged tables are its data, so there is nothing for them to be older than.
    """
    return bool(config.sources) or any(p.name != CONFIG_FILE for p in input_paths(config, base))


def _read_json(path: Path, again: str) -> Any:
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise StagingOutOfDate(f"{path}: not valid JSON ({exc}). {again}") from exc


def _staged_accounting(base: Path, workspace_id: str) -> Accounting:
    """The ingest accounting stored with the staged tables (empty when the file is absent).

    Raises:
        InputError: the record is unreadable, or names another workspace id than the config.
    """
    record = base / ACCOUNTING_FILE
    if not record.is_file():
        return Accounting()
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        staged_id, accounting = data["workspace"], Accounting.from_record(data["files"], data.get("warnings", []))
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{record}: not an ingest accounting written by bridgewatch stage ({exc}); "
                         f"stage the workspace again.") from exc
    if staged_id != workspace_id:
        raise InputError(f"{base} was staged for workspace '{staged_id}', but workspace.toml now says "
                         f"'{workspace_id}'; its rows would match nothing. Stage the workspace again.")
    return accounting

