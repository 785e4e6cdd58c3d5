"""Outputs that are either the previous complete version or the new complete version, never a mix.

Everything bridgewatch writes for later use (demo workspaces, staged tables, batch results, and any
file a run store, worklist or connector keeps) goes through here:

* :func:`atomic_file`: the content is written to a hidden
  temporary file next to the target (same folder, so the same file system), flushed and synced,
  then renamed over the target. A reader sees the old file or the new one, whole.
* :func:`publish_file`: the same rename, synced the same way, for a file another writer made (DuckDB's
  ``COPY ... TO`` a temporary name, as the prepared store does).
* :func:`atomic_dir`: a folder is built as a hidden temporary sibling, synced, then swapped with
  the target in one step (Linux ``renameat2(RENAME_EXCHANGE)``); the old folder is then removed.
  Where the exchange is not available the old folder is first renamed aside, and the next write
  to the same target puts it back if the process died in between.

A process killed at any moment (``kill -9``, power loss after the sync) leaves the target as it
was or as intended, plus at most a hidden ``.<name>.bw-tmp-<pid>-<random>`` sibling that the next
write to the same target removes. OS errors (permission denied, disk full) become
:class:`~bridgewatch.errors.EnvironmentProblem` naming the path and the fix.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from bridgewatch.errors import environment_problem

TEMP_INFIX = ".bw-"
"""What the name of every hidden sibling written here holds (temporary or set aside): never an input."""
TEMP_MARK = ".bw-tmp-"
"""Infix of a temporary sibling being written: ``.<name>.bw-tmp-<pid>-<random>``."""
OLD_MARK = ".bw-old-"
"""Infix of a replaced folder set aside (only where an atomic exchange is unavailable)."""
DURABLE = True
"""Sync data to disk before each rename, so a power cut cannot publish unwritten files. A killed
process needs no sync (its writes are already in the page cache); the test suite turns it off for
speed, except where it tests the syncing itself."""


@contextlib.contextmanager
def atomic_file(path: Path | str, *, encoding: str = "utf-8", newline: str | None = "") -> Iterator[IO[str]]:
    """Open a temporary text file next to ``path`` for writing; on a clean exit it replaces ``path``.

    On an exception the temporary file is removed and ``path`` is left as it was. ``newline``
    defaults to ``""`` (no translation), as the csv module wants.

    Raises:
        EnvironmentProblem: the folder cannot be written (permissions, disk full, read-only).
    """
    target = Path(path)
    with os_errors(f"writing {target}"):
        target.parent.mkdir(parents=True, exist_ok=True)
        clear_leftovers(target)
        tmp = temp_sibling(target)
        try:
            with tmp.open("x", encoding=encoding, newline=newline) as fh:
                yield fh
                fh.flush()
                _fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        sync_dir(target.parent)


@contextlib.contextmanager
def atomic_dir(path: Path | str, *, keep: Sequence[str] = ()) -> Iterator[Path]:
    """Yield an empty temporary folder; on a clean exit it replaces the folder ``path`` in one step.

    Fill the yielded folder completely inside the ``with`` block. On an exception it is removed
    and ``path`` is left as it was. ``keep`` names entries of the old folder (a run history, say)
    that are copied into the new one before the swap, unless the block wrote them itself. A
    symlinked ``path`` is followed: the folder it points to is replaced, the link stays.

    Raises:
        EnvironmentProblem: the parent folder cannot be written (permissions, disk full, read-only).
    """
    target = Path(path)
    with os_errors(f"writing {target}"):
        target = target.resolve() if target.is_symlink() else target
        target.parent.mkdir(parents=True, exist_ok=True)
        clear_leftovers(target)
        tmp = temp_sibling(target)
        tmp.mkdir()
        try:
            yield tmp
            _carry(target, tmp, keep)
            sync_tree(tmp)
            replace_dir(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def publish_file(written: Path, target: Path) -> None:
    """Rename ``written``, a whole file another writer made next to ``target`` (DuckDB's ``COPY``), over
    ``target``: its data synced first and the folder after, so a crash leaves the old file or the new one
    whole, never a renamed name over data that had not reached the disk."""
    with written.open("rb") as fh:
        _fsync(fh.fileno())
    os.replace(written, target)
    sync_dir(target.parent)


def _carry(old: Path, new: Path, names: Sequence[str]) -> None:
    for name in names:
        source, copy = old / name, new / name
        if copy.exists() or not source.exists():
            continue
        if source.is_dir():
            shutil.copytree(source, copy, symlinks=True)
        else:
            shutil.copy2(source, copy)


def replace_dir(new: Path, target: Path) -> None:
    """Put the folder ``new`` at ``target`` in one step, then remove what was there before."""
    if not target.exists() and not target.is_symlink():
        os.rename(new, target)
    elif _exchange(new, target):
        shutil.rmtree(new)
    else:
        aside = target.with_name(f".{target.name}{OLD_MARK}{os.getpid()}-{secrets.token_hex(4)}")
        os.rename(target, aside)
        os.rename(new, target)
        shutil.rmtree(aside)
    sync_dir(target.parent)


AT_FDCWD = -100
RENAME_EXCHANGE = 2
_UNSUPPORTED = {errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP}


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(b))


def temp_sibling(target: Path) -> Path:
    """A fresh hidden name next to ``target`` that records the writing process's id."""
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}")


def clear_leftovers(target: Path) -> None:
    """Remove temporary siblings of ``target`` left by dead processes; restore a folder set aside.

    A folder set aside (no atomic exchange on this system) whose writer died before putting the
    new one in place is the previous complete output: it goes back to ``target``.
    """
    for mark in (TEMP_MARK, OLD_MARK):
        for leftover in sorted(target.parent.glob(f".{_glob_escape(target.name)}{mark}*")):
            if _writer_alive(leftover.name.rsplit(mark, 1)[1]):
                continue
            if mark == OLD_MARK and not target.exists():
                os.rename(leftover, target)
            elif leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()


def clear_dead_temporaries(folder: Path) -> None:
    """Remove the temporary files (:func:`temp_sibling`) in ``folder`` whose writing process has died (a killed
    run's half-written file). Files of live writers are left alone."""
    for leftover in folder.glob(f".*{TEMP_MARK}*"):
        if leftover.is_file() and not _writer_alive(leftover.name.rsplit(TEMP_MARK, 1)[1]):
            leftover.unlink(missing_ok=True)


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _writer_alive(suffix: str) -> bool:
    pid = suffix.split("-", 1)[0]
    if not pid.isdigit():
        return True
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync(fd: int) -> None:
    if DURABLE:
        os.fsync(fd)


def sync_tree(folder: Path) -> None:
    """fsync every file and folder under ``folder`` (so a rename never publishes unwritten data)."""
    if not DURABLE:
        return
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
        elif path.is_dir():
            sync_dir(path)
    sync_dir(folder)


def sync_dir(folder: Path) -> None:
    """fsync a folder, so the names in it (a rename) survive a crash; a no-op where unsupported."""
    if not DURABLE:
        return
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def os_errors(doing: str) -> Iterator[None]:
    """Turn an OSError raised inside the block into an EnvironmentProblem saying what was being done."""
    try:
        yield
    except OSError as exc:
        raise environment_problem(exc, doing) from exc
