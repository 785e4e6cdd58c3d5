"""The ``bridgewatch`` console script's entry point.

Loading the command line (Typer, rich, every command's module) takes about a second; a Ctrl-C in it came before
any handler and printed a Python traceback (exit -2, "killed by SIGINT"). The command line is imported here
under a guard instead, so an interrupt while it loads ends as one during a command does: quietly, exit 130.
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130
"""Ctrl-C (128 + SIGINT), as shells report it and as :mod:`bridgewatch.cli.main` exits."""


def main() -> None:
    """Console entry point: import the command line, then run it."""
    try:
        from bridgewatch.cli.main import main as command
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
    command()
