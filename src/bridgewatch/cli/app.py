"""The shared parts of the ``bridgewatch`` command: the Typer app, consoles, common options, error guard.

Exit codes: 0 success; 1 unexpected internal error; 2 usage error; 3 an alert fired and
``--fail-on-alert`` was given; 4 ``--strict`` and rows were quarantined; 5 bad configuration or input;
6 stale or no data (see docs/cli.md); 7 the run store failed; 8 the environment stopped the work
(permission denied, disk full, no Java for Spark); 141 standard output's reader went away before the output
ended (``bridgewatch run | head``), quietly, as a standard tool stopped by SIGPIPE.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sys
import tempfile
import typing
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape

from bridgewatch.errors import (
    BridgewatchError,
    EnvironmentProblem,
    OutputFailed,
    QuarantineError,
    environment_problem,
    output_problem,
)
from bridgewatch.ingest.accounting import Accounting

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_ALERT, EXIT_QUARANTINE, EXIT_INPUT = 0, 1, 2, 3, 4, 5
EXIT_STALE, EXIT_STORE = 6, 7
EXIT_ENVIRONMENT = EnvironmentProblem.exit_code
EXIT_BROKEN_PIPE = 141
"""Standard output's reader went away early (``| head``): 128 + SIGPIPE, what a shell reports for a standard
tool the closed pipe stopped, so ``set -o pipefail`` scripts treat both alike and never take a cut output for
a whole one."""
_STDOUT: dict[str, Any] = {"closed": False, "failed": None}
NO_TERMINAL_WIDTH = 120
"""Columns for the readout when no terminal tells its width (output to a file, cron, CI) and COLUMNS is unset."""


def has_terminal_width() -> bool:
    """True when COLUMNS is set or standard input, output or error is a terminal (rich then knows the width)."""
    if os.environ.get("COLUMNS", "").isdigit():
        return True
    for fd in (0, 1, 2):
        try:
            os.get_terminal_size(fd)
        except (ValueError, OSError):
            continue
        return True
    return False


class Stream(Console):
    """A console whose closed pipe raises ``BrokenPipeError`` like any other write (rich would exit 1 instead),
    so the command's :func:`guard` ends it as it ends every closed pipe."""

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


class Readout(Stream):
    """The stdout console: as wide as the terminal (or COLUMNS), else :data:`NO_TERMINAL_WIDTH`, never fixed.

    Decided at each render, so a pipe, a file or a test runner setting COLUMNS gets its own width.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        if options.get("width") is None:
            self._width = None  # rich fixes COLUMNS at construction; read it at each render instead

    @property
    def size(self) -> ConsoleDimensions:
        dims = super().size
        if self._width is None and not has_terminal_width():
            return ConsoleDimensions(NO_TERMINAL_WIDTH, dims.height)
        return dims

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        Console.size.fset(self, new_size)  # type: ignore[attr-defined]


app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Which customers are buying from us right now who do not exist in our ERP's customer "
                       "master, why, and what is blocked behind them?")
out = Readout(soft_wrap=False)
err = Stream(stderr=True, soft_wrap=True)
T = TypeVar("T")

WorkspaceOpt = Annotated[Path, typer.Option("--workspace", "-w", help="Workspace folder (holds workspace.toml).")]
_GIVEN: dict[str, Any] = {}
"""Options of the running command that shared helpers need (set by option callbacks)."""


def _remember_card(value: str | None) -> str | None:
    _GIVEN["card"] = value
    return value


CardOpt = Annotated[str | None, typer.Option("--card", help="Only this card (default: the workspace's cards).",
                                             callback=_remember_card)]
def _usable_as_of(value: datetime | None) -> datetime | None:
    """Refuse an ``--as-of`` that is no usable time, or later than now, before anything runs (nothing is computed,
    stored or recorded)."""
    from bridgewatch.config import as_of_problem, future_as_of_problem

    if value is None:
        return value
    if problem := as_of_problem(value):
        raise typer.BadParameter(problem)
    if problem := future_as_of_problem(value, "--as-of"):
        raise typer.BadParameter(problem.removeprefix("--as-of: "), param_hint="--as-of")
    return value


AsOfOpt = Annotated[datetime | None, typer.Option("--as-of", help="Aligned as-of time (UTC unless it has a zone), "
                                                                  "at or before now.",
                                                  formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S",
                                                           "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"], callback=_usable_as_of)]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")]
QuarantineOpt = Annotated[Path | None, typer.Option(
    "--quarantine-file", help="Where to write quarantined cells as CSV (default: <workspace>/quarantine.csv "
                              "when there are any).")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Fail (exit 4) if any input row is quarantined.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="duckdb (embedded, default) or spark.")]
SparkMasterOpt = Annotated[str | None, typer.Option("--spark-master", help="Spark master URL (default local[2]).")]
MemoryLimitOpt = Annotated[str | None, typer.Option(
    "--memory-limit", help="DuckDB's memory limit, e.g. 1.2GB or 50% (default: DuckDB's, 80% of the machine's "
                           "memory); what does not fit spills to disk.")]
ThreadsOpt = Annotated[int | None, typer.Option("--threads", min=1, help="DuckDB's threads (default: one per core).")]
NoStoreOpt = Annotated[bool, typer.Option("--no-store", help="Do not store this run in the workspace's history.")]
HistoryUrlOpt = Annotated[str | None, typer.Option(
    "--history-url", help="Run store URL (default: $BRIDGEWATCH_HISTORY_URL, [history] url, else "
                          "<workspace>/.bridgewatch/history.sqlite).")]
TablesRootOpt = Annotated[str | None, typer.Option(
    "--tables-root", help="Staged tables live under ROOT/<workspace id>/ (a folder, or for batch an object-storage "
                          "URI such as s3a://bucket/bridgewatch) instead of <workspace>/canonical.")]


def guard(fn: Callable[[], T]) -> T:
    """Run ``fn``, turning bridgewatch and OS errors into a message and an exit code (never a traceback).

    A closed output pipe (``bridgewatch history | head``) ends the command there, quietly, with
    :data:`EXIT_BROKEN_PIPE` (a command's result, written under :func:`result_output`, lets it finish instead).
    A bare ``BrokenPipeError`` here is the output's: the network clients bridgewatch uses (httpx, SQLAlchemy,
    smtplib) report a broken connection as their own errors. Standard output failing otherwise (a full disk it is
    redirected to: :class:`~bridgewatch.errors.OutputFailed`) stops the command with a message saying so, exit 8
    (a result written under :func:`result_output` lets the command finish its work first).
    """
    try:
        return fn()
    except BrokenPipeError:
        stdout_closed()
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except BridgewatchError as exc:
        fail(exc)
    except OutputFailed as exc:
        _to_devnull()
        fail(output_problem(exc))
    except OSError as exc:
        fail(environment_problem(exc))


class GuardedStdout:
    """``sys.stdout`` whose failures, other than a closed pipe, are raised as :class:`OutputFailed`: the OS error
    of a full disk names no file, so a message could not tell standard output from any file being written."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        try:
            return int(self._inner.write(text))
        except OSError as exc:
            raise _failed(exc) from exc

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._inner.flush()
        except OSError as exc:
            raise _failed(exc) from exc

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _failed(exc: OSError) -> OSError:
    if isinstance(exc, BrokenPipeError | OutputFailed):
        return exc
    return OutputFailed(exc.errno, exc.strerror or str(exc))


def guard_stdout() -> None:
    """Put :class:`GuardedStdout` around ``sys.stdout`` (once)."""
    if not isinstance(sys.stdout, GuardedStdout):
        sys.stdout = GuardedStdout(sys.stdout)


def stdout_closed() -> None:
    """Standard output's reader went away: point stdout at /dev/null, as the Python docs advise
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe), so nothing more is written and the
    interpreter's last flush cannot fail ("Exception ignored ..."); remembered for :func:`final_exit_code`."""
    _STDOUT["closed"] = True
    _to_devnull()


def stdout_failed(exc: OSError) -> None:
    """Writing standard output failed (a full disk): nothing more is written there, the command goes on with its
    work (as with a closed pipe), and :func:`final_exit_code` says what failed and exits 8."""
    _STDOUT["failed"] = exc
    _to_devnull()


def _to_devnull() -> None:
    out.quiet = True
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # not a file (a test runner's capture): nothing to redirect
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def final_exit_code(code: int | str | None) -> int | str | None:
    """The command's exit code once stdout is flushed: :data:`EXIT_BROKEN_PIPE` when stdout's reader went away
    and the command otherwise succeeded (a failure's own code wins: it says more)."""
    if type(sys.stdout).__name__.lstrip("_") == "PacifyFlushWrapper":
        # Typer's Click met the closed pipe outside a guard (printing --help), wrapped stdout so and exited 1
        stdout_closed()
        return EXIT_BROKEN_PIPE
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        stdout_closed()
    except OSError as exc:
        stdout_failed(exc)
    if (failed := _STDOUT["failed"]) is not None:
        err.print(f"[red]error:[/] {escape(str(output_problem(failed)))}", highlight=False)
        return EXIT_ENVIRONMENT if code in (0, None) else code
    return EXIT_BROKEN_PIPE if _STDOUT["closed"] and code in (0, None) else code


def fail(exc: BridgewatchError) -> typing.NoReturn:
    """Print ``exc`` as one error message and exit with its code."""
    err.print(f"[red]error:[/] {escape(clean(str(exc)))}", highlight=False)
    raise typer.Exit(exc.exit_code) from None


def warn(message: str) -> None:
    """One warning on stderr (data in ``message`` is printed literally)."""
    err.print(f"[yellow]warning:[/] {escape(clean(message))}", highlight=False)


def say(text: str) -> None:
    """Plain lines on stdout, never re-wrapped (one line per workspace stays one line), data made inert."""
    with result_output():
        out.print(clean(text), highlight=False, markup=False, soft_wrap=True)


@contextlib.contextmanager
def result_output() -> Iterator[None]:
    """Around writing a command's result: when stdout's reader stops early (``| head``), the rest of the output
    is dropped quietly and the command goes on with its work (storing, alerting, its own exit code)."""
    try:
        yield
    except BrokenPipeError:
        stdout_closed()
    except OutputFailed as exc:
        stdout_failed(exc)


def clean(text: str) -> str:
    """Each line without ANSI escapes or control characters (messages quote values from the inputs)."""
    from bridgewatch.report.safe import plain

    return "\n".join(plain(line) for line in text.splitlines())


def check_format(fmt: str, allowed: tuple[str, ...] | None = None) -> None:
    from bridgewatch.report.output import FORMATS

    allowed = allowed or FORMATS
    if fmt not in allowed:
        raise typer.BadParameter(f"unknown format '{fmt}'; use one of {', '.join(allowed)}", param_hint="--format")


def load_checked(workspace: Path, strict: bool) -> Any:
    from bridgewatch.config import load_config
    from bridgewatch.inputs import check_readable
    from bridgewatch.workspace import load_workspace

    check_readable(load_config(workspace))
    ws = load_workspace(workspace)
    warn_unfit_cards(ws.config, _GIVEN.get("card"))
    if strict and ws.accounting.problems:
        raise QuarantineError(f"{len(ws.accounting.problems)} quarantined cell(s) with --strict:",
                              ws.accounting.problems)
    return ws


def warn_unfit_cards(config: Any, card: str | None) -> None:
    """Warn when a card run on this workspace is made for another ERP (``--card``, else the configured cards)."""
    from bridgewatch.config import card_fit_warning

    for name in [card] if card else config.cards:
        message = card_fit_warning(config, name)
        if message:
            warn(message)


def beside(open_it: Callable[[], T]) -> Future[T]:
    """``open_it()`` started on a thread of its own, to run beside the command's work; its result or error is
    the future's. ``bridgewatch run`` opens its run store so while the workspace loads and its cards compute:
    SQLAlchemy's import and the store's schema check (0.1-0.2 s) mostly run while DuckDB works outside Python's
    lock, instead of before it."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bridgewatch-open")
    try:
        return pool.submit(open_it)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one task


def close_when_open(opening: Future[Any]) -> None:
    """Wait for what :func:`beside` opens and close it; an opening that failed has nothing to close (its error
    was raised where the result was asked for)."""
    if opening.exception() is None:
        opening.result().close()


def open_cli_store(config: Any, history_url: str | None, *, read_only: bool = False) -> Any:
    """The workspace's run store: --history-url > $BRIDGEWATCH_HISTORY_URL > [history] url > the default file
    (``read_only``: a command that only reads it, which neither creates nor migrates it).

    A command that only reads, on a workspace whose own store file no run has written yet (no other store named),
    reads an empty store: ``history`` lists nothing, ``show`` and ``explain`` say to run first — as before reads
    stopped creating the file. A store named by URL that is not there stays an error (a mistyped path)."""
    from bridgewatch.history import Store, store_url
    from bridgewatch.history.location import STORE_DIR, STORE_FILE, default_url

    url = store_url(config, override=history_url, environ=os.environ)
    folder = config.root / STORE_DIR
    unwritten = not (folder / STORE_FILE).exists() and (folder.is_dir() or not folder.exists())
    if read_only and unwritten and url == default_url(config):
        return _nothing_stored_yet(url)
    return Store(url, read_only=read_only)


@contextlib.contextmanager
def _nothing_stored_yet(url: str) -> Iterator[Any]:
    """An empty store standing in for the workspace's own, which no run has written: made in a temporary folder
    (the workspace is not written to), named by the workspace's URL in every message."""
    from bridgewatch.history import Store

    with tempfile.TemporaryDirectory(prefix="bw-empty-store-") as folder, \
            Store(f"sqlite:///{Path(folder) / 'history.sqlite'}") as store:
        store.url = url
        yield store


def emit(views: list[Any], fmt: str, accounting: Accounting | None = None) -> None:
    """Write the results in ``fmt``: JSON/CSV streamed to stdout, or the terminal readout (with the accounting; the
    readers' warnings under it only when no card listed them at its top)."""
    from bridgewatch.report.accounting_view import render_accounting
    from bridgewatch.report.output import write_results

    with result_output():
        write_results(views, fmt, fh=sys.stdout, console=out)
        if fmt == "table" and accounting is not None and accounting.files:
            render_accounting(accounting, out, warnings=not any(v.summary.ingest_warnings for v in views))


def save_quarantine(accounting: Accounting, path: Path | None, workspace: Path) -> None:
    """Write quarantined cells to ``path`` (default ``<workspace>/quarantine.csv`` when there are any; an earlier
    default file is removed when there are none, so it never describes problems that are gone)."""
    from bridgewatch.report.accounting_view import write_quarantine

    target = path or workspace / "quarantine.csv"
    if path is None and not accounting.problems:
        if target.is_file():  # an earlier load's problems, fixed since: the file would say otherwise
            target.unlink()
            warn(f"no quarantined cells now; removed the earlier {target}")
        return
    write_quarantine(accounting, target)
    if accounting.problems:
        warn(f"{len(accounting.problems)} quarantined cell(s) written to {target}")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        guard_stdout()  # an eager option: called before main_options
        say(f"bridgewatch {version('bridgewatch')}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def main_options(verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log each SQL step.")] = False,
                 show_version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                                            help="Print the version and exit.")] = False,
                 ) -> None:
    _GIVEN.clear()
    _STDOUT["closed"] = out.quiet = False  # a new command (tests run several in one process)
    _STDOUT["failed"] = None
    guard_stdout()
    from bridgewatch.report.safe import InertFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(InertFormatter("%(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


