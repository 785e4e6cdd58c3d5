"""The console entry point: the one place an unexpected exception becomes a message, never a traceback."""

from __future__ import annotations

import gc
import sys

from rich.markup import escape

from bridgewatch.cli.app import EXIT_INTERNAL, app, err, final_exit_code
from bridgewatch.errors import OutputFailed, environment_problem, output_problem

EXIT_INTERRUPTED = 130
"""Ctrl-C (128 + SIGINT), as shells report it."""


def main() -> None:
    """Console entry point."""
    try:
        _command()
    finally:
        # The process ends here. Python's shutdown collects garbage over every object the imports made (DuckDB,
        # PyArrow, SQLAlchemy, pydantic: about 0.3 s of a 1.3 s `run` on the demo, measured); frozen, they are
        # freed by reference counts alone. Whatever the command opened (engine, store, files) is closed already.
        gc.freeze()


def _command() -> None:
    try:
        app()
    except SystemExit as done:  # how every command ends (Typer's standalone mode)
        sys.exit(final_exit_code(done.code))
    except OSError as exc:  # a command's own guard normally turns these into messages already
        problem = output_problem(exc) if isinstance(exc, OutputFailed) else environment_problem(exc)
        err.print(f"[red]error:[/] {escape(str(problem))}", highlight=False)
        sys.exit(problem.exit_code)
    except KeyboardInterrupt:
        err.print("interrupted; outputs are replaced whole, so the previous ones are intact.", highlight=False,
                  markup=False)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # noqa: BLE001 - last resort: no tracebacks for users
        err.print(f"internal error: {type(exc).__name__}: {exc}. This is a bridgewatch bug; please report it "
                  f"with the command you ran (add -v for the SQL steps).", highlight=False, markup=False)
        sys.exit(EXIT_INTERNAL)
