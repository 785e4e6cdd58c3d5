"""The files a workspace reads, and whether this user can read them.

:func:`input_paths` lists ``workspace.toml``, the canonical table files in ``data_dir`` and every
file a ``[sources]`` path names; staging fingerprints them (:mod:`bridgewatch.staging`).
:func:`check_readable` opens each once before any reader runs, so a file or folder the user may
not read is reported as what it is, an :class:`~bridgewatch.errors.EnvironmentProblem` with the
fix, for every such file at once, instead of surfacing inside a reader as bad data.
"""

from __future__ import annotations

import os
from pathlib import Path

from bridgewatch.atomic import TEMP_INFIX
from bridgewatch.config import CONFIG_FILE, WorkspaceConfig
from bridgewatch.errors import EnvironmentProblem, InputError, describe_os_error, environment_problem
from bridgewatch.model.tables import TABLES


def input_paths(config: WorkspaceConfig, skip: Path | None = None, errors: list[OSError] | None = None) -> list[Path]:
    """Every file a load of the workspace reads, sorted; files under ``skip`` (a staging folder) are left out.

    ``errors``: where a source whose files cannot be listed (a folder this user may not read) puts its OSError, so
    the other sources are still listed; without it, the error is raised."""
    from bridgewatch.ingest.canonical import find_table_file
    from bridgewatch.sources import expand_path

    found = [config.root / CONFIG_FILE]
    data_dir = config.root / config.data_dir
    if data_dir.is_dir():
        found += [p for t in TABLES if (p := find_table_file(data_dir, t)) is not None]
    for name, spec in config.sources.items():
        try:
            found += expand_path(config.root, spec.path, source=name)
        except InputError:
            continue  # nothing matches (now): the reader says so, a fingerprint shows the files as removed
        except OSError as exc:
            if errors is None:
                raise
            errors.append(exc)
    skipped = skip.resolve() if skip is not None else None
    return sorted({p for p in found if TEMP_INFIX not in p.name and not _inside(p.resolve(), skipped)})


def _inside(path: Path, folder: Path | None) -> bool:
    return folder is not None and (path == folder or folder in path.parents)


def check_readable(config: WorkspaceConfig) -> None:
    """Open every input folder and file once; report all that this user cannot read.

    Folders and files are both checked, so a folder that cannot be read does not hide a file elsewhere (or one
    named inside it) that cannot be read either; a folder that cannot be listed says that the files in it were not
    checked (its listing is how they are found).

    Raises:
        EnvironmentProblem: permission denied (or another OS error) on one or more inputs.
    """
    folders = _open_errors(input_folders(config))
    files: list[OSError] = []
    try:
        files += _open_errors(input_paths(config, errors=files))
    except OSError as exc:  # a folder on the way cannot even be looked into
        files.append(exc)
    unlisted = [Path(os.fsdecode(f.filename)) for f in folders]
    failures = folders + [f for f in files if not any(_inside(Path(os.fsdecode(f.filename)), d) for d in unlisted)]
    if not failures:
        return
    if len(failures) == 1:
        problem = environment_problem(failures[0], f"reading workspace '{config.id}'")
        raise EnvironmentProblem(f"{problem}{_unchecked(failures[0], folders, UNLISTED)}") from None
    listed = "".join(f"\n  - {os.fsdecode(f.filename)}: {describe_os_error(f)[0]}"
                     f"{_unchecked(f, folders, UNLISTED_ITEM)}" for f in failures)
    raise EnvironmentProblem(f"reading workspace '{config.id}': {len(failures)} inputs cannot be read:{listed}\n"
                             f"To fix: {describe_os_error(failures[0])[1]}.")


UNLISTED = " It is a folder: the files in it cannot be listed, so none of them was checked."
UNLISTED_ITEM = " (a folder: the files in it cannot be listed, so none of them was checked)"


def _unchecked(failure: OSError, folders: list[OSError], words: str) -> str:
    """For a folder that cannot be read: the files in it were not checked (they are found by listing it)."""
    return words if failure in folders else ""


def input_folders(config: WorkspaceConfig) -> list[Path]:
    """The folders the inputs are found in: the data folder and each source path's fixed (non-glob) part."""
    folders = [config.root / config.data_dir]
    for spec in config.sources.values():
        fixed = Path(spec.path.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0])
        full = fixed if fixed.is_absolute() else config.root / fixed
        folders.append(full if spec.path.endswith(("/", os.sep)) or full.is_dir() else full.parent)
    return [f for f in dict.fromkeys(folders) if f.is_dir()]


def _open_errors(paths: list[Path]) -> list[OSError]:
    return [f for f in (_open_error(p) for p in paths) if f is not None]


def _open_error(path: Path) -> OSError | None:
    try:
        if path.is_dir():
            os.listdir(path)
        else:
            with path.open("rb"):
                pass
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        return exc
    return None

