"""One exception root for everything bridgewatch raises on purpose.

Callers catch :class:`BridgewatchError` and show its message; every message says what failed,
where (file, row, field, step) and what to do. Foreign exceptions (duckdb, pydantic, OS errors)
are translated at one boundary each with ``raise ... from exc``.

The tree::

    BridgewatchError
    ├── ConfigError          workspace.toml missing or invalid (all problems listed at once)
    ├── InputError           an input file is missing, unreadable or holds bad values
    │   ├── QuarantineError  --strict run found quarantined rows
    │   └── StagingOutOfDate staged tables incomplete, or older than the exports they came from
    ├── LookupFailed         an unknown card, source, engine or customer id (with did-you-mean)
    ├── EngineError          a SQL step failed (carries the step name and its SQL)
    │   └── EngineUnavailable  an optional engine's extra is not installed
    ├── CardError            a card could not be computed from otherwise valid input
    ├── StoreError           the run store cannot be opened, read or written (URL shown without password)
    ├── ConnectorError       a vendor API pull failed (source, platform, HTTP status, request id)
    │   ├── AuthError        credentials, scope, tenant/company/entity or token rejected
    │   └── RateLimited      the vendor kept throttling beyond the retry budget
    ├── EnvironmentProblem   the machine, not the data: permission denied, disk full, no Java
    ├── WebError             the dashboard cannot start as asked, or a users/grants command is invalid
    └── InternalError        a bridgewatch bug met in one workspace of a batch (the others still run)
"""

from __future__ import annotations

import difflib
import errno
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


class BridgewatchError(Exception):
    """Root of every error bridgewatch raises on purpose."""

    exit_code: int = 5
    """Process exit code the CLI uses for this error (docs/cli.md)."""


class ConfigError(BridgewatchError):
    """The workspace configuration is missing or invalid."""


@dataclass(frozen=True)
class Problem:
    """One bad value: where it is, what it holds and why it is rejected."""

    file: str
    row: int | None
    field: str | None
    value: str | None
    reason: str

    def describe(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field '{self.field}'"
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.reason}{shown}"


class InputError(BridgewatchError):
    """An input file is missing, unreadable or holds values that cannot be used."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        self.problems = tuple(problems)
        super().__init__(message + _listing(self.problems))


class QuarantineError(InputError):
    """A --strict run found rows that would otherwise have been quarantined."""

    exit_code = 4


class StagingOutOfDate(InputError):
    """Staged tables are incomplete, or one of the files they were staged from changed since."""


class LookupFailed(BridgewatchError):
    """A name (card, source reader, engine, customer) that does not exist."""


class EngineError(BridgewatchError):
    """A SQL step failed on the engine."""

    def __init__(self, message: str, *, step: str | None = None, sql: str | None = None) -> None:
        self.step = step
        self.sql = sql
        super().__init__(message)


class EngineUnavailable(EngineError):
    """An optional engine is requested but its extra is not installed."""


class CardError(BridgewatchError):
    """A card cannot be computed from the (valid) inputs it was given."""


class StoreError(BridgewatchError):
    """The run store (SQLite or PostgreSQL) cannot be opened, read or written."""

    exit_code = 7


class ConnectorError(BridgewatchError):
    """A pull from a vendor API failed; the source's previous data is kept (``bridgewatch pull``)."""

    exit_code = 6

    def __init__(self, message: str, *, source: str | None = None, platform: str | None = None,
                 status: int | None = None, request_id: str | None = None) -> None:
        self.source = source
        self.platform = platform
        self.status = status
        self.request_id = request_id
        super().__init__(message)


class AuthError(ConnectorError):
    """The vendor rejected the credentials, a scope, the tenant/company/entity, or an expired token."""


class RateLimited(ConnectorError):
    """The vendor kept throttling (429 / query cost) beyond the retry and wait budget."""


class EnvironmentProblem(BridgewatchError):
    """The machine stops the work, not the data or bridgewatch: permission denied, disk full, no Java."""

    exit_code = 8


_ENVIRONMENT_FIXES: dict[int, tuple[str, str]] = {
    errno.EACCES: ("permission denied", "give the user running bridgewatch access (check with ls -l; chmod or "
                                        "chown), or use another folder"),
    errno.EPERM: ("operation not permitted", "give the user running bridgewatch access (check with ls -l; chmod "
                                             "or chown), or use another folder"),
    errno.ENOSPC: ("no space left on the device", "free space on that disk, or write somewhere else; outputs "
                                                  "are replaced whole, so the previous one is intact"),
    errno.EDQUOT: ("disk quota exceeded", "free space or raise the quota, or write somewhere else; outputs are "
                                          "replaced whole, so the previous one is intact"),
    errno.EROFS: ("read-only file system", "write to a folder on a writable disk"),
    errno.EMFILE: ("too many open files", "raise the open-file limit (ulimit -n) or read fewer files at once"),
    errno.ENFILE: ("too many open files on the system", "close other programs or raise the system limit"),
    errno.EIO: ("input/output error", "check the disk or network share (dmesg), then run again"),
}


def environment_problem(exc: OSError, doing: str = "") -> EnvironmentProblem:
    """Translate an OSError into one message: what was being done, on which path, why, and the fix."""
    what, fix = describe_os_error(exc)
    where = os.fsdecode(exc.filename) if exc.filename is not None else ""
    if where and (shape := _wrong_kind(exc, where)):
        what, fix = shape
    where = str(_visible(Path(where))) if where else where
    head = f"{doing}: " if doing else (f"{where}: " if where else "")
    if doing and where and where not in doing:
        head = f"{doing} ({where}): "
    return EnvironmentProblem(f"{head}{what}. To fix: {fix}.")


def _wrong_kind(exc: OSError, where: str) -> tuple[str, str] | None:
    """A file where a folder belongs, or a folder where a file does: the OS says only "File exists", "Not a
    directory" or "Is a directory", about a path that may be a hidden temporary sibling; this names the path in the
    way."""
    target = Path(where)
    if exc.errno in (errno.EEXIST, errno.ENOTDIR):
        in_the_way = next((p for p in (*reversed(target.parents), target) if p.exists() and not p.is_dir()), None)
        if in_the_way is not None:  # EEXIST on a file: its mkdir (exclusive creates use fresh random names)
            return (f"{in_the_way} is a file, not a folder [{errno.errorcode[exc.errno]}]",
                    "move that file aside, or give a path in a folder")
    if exc.errno == errno.EISDIR:
        return (f"{_visible(target)} is a folder, not a file [EISDIR]",
                "give a file's name (a path inside that folder, e.g. .../quarantine.csv), or move the folder aside")
    return None


def _visible(path: Path) -> Path:
    """``path``, or the target a hidden temporary sibling (``.<name>.bw-tmp-...``, ``atomic.py``) is written for."""
    name = path.name
    if name.startswith(".") and ".bw-" in name:
        return path.with_name(name[1:name.index(".bw-")])
    return path


def describe_os_error(exc: OSError) -> tuple[str, str]:
    """``("permission denied [EACCES]", "give the user ...")``: the error in plain words, and what to do."""
    code = exc.errno if isinstance(exc.errno, int) else -1
    what, fix = _ENVIRONMENT_FIXES.get(code, (exc.strerror or str(exc), "check the path, its disk and its "
                                                                        "permissions, then run again"))
    name = errno.errorcode.get(code)
    return (f"{what} [{name}]" if name else what), fix


class OutputFailed(OSError):
    """Writing standard output failed, other than by its reader going away (a closed pipe is no failure): the disk
    or quota it is redirected to is full, an I/O error. The OS error carries no file name, so without this the
    message could not say where."""


def output_problem(exc: OSError) -> EnvironmentProblem:
    """A failure writing standard output as one message: where, why, and the fix (the output is cut there: it is
    a stream, not a file bridgewatch replaces whole)."""
    what, fix = describe_os_error(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free space on the disk standard output is redirected to (or raise the quota), or redirect it elsewhere"
    return EnvironmentProblem(f"writing standard output: {what}; the output written there is incomplete. "
                              f"To fix: {fix}.")


class InternalError(BridgewatchError):
    """An unexpected exception (a bridgewatch bug), caught so one workspace of a batch cannot stop the rest."""

    exit_code = 1


def unexpected(exc: Exception, doing: str) -> InternalError:
    """Wrap a foreign exception nobody anticipated, asking for a bug report."""
    return InternalError(f"internal error while {doing}: {type(exc).__name__}: {exc}. This is a bridgewatch bug; "
                         f"please report it with the command you ran (add -v for the SQL steps).")


def translate(exc: Exception, doing: str) -> BridgewatchError:
    """Any exception as a bridgewatch error: ours unchanged, OSError as the environment, anything else as a bug."""
    if isinstance(exc, BridgewatchError):
        return exc
    if isinstance(exc, OSError):
        return environment_problem(exc, doing)
    return unexpected(exc, doing)


class WebError(BridgewatchError):
    """The web dashboard cannot start as asked (extra missing, unsafe address), or a user/grant change is invalid."""


MAX_LISTED = 20


def _listing(problems: Sequence[Problem]) -> str:
    if not problems:
        return ""
    lines = [f"\n  - {p.describe()}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"\n  ... and {len(problems) - MAX_LISTED} more")
    return "".join(lines)


def did_you_mean(kind: str, name: str, known: Iterable[str]) -> LookupFailed:
    """Build the error for an unknown name, suggesting the closest known one."""
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]}?" if close else ""
    return LookupFailed(f"Unknown {kind} '{name}'.{hint} Known: {', '.join(known)}.")
