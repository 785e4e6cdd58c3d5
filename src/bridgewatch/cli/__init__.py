"""The ``bridgewatch`` command: parse, call one library function, render, map errors to exit codes.

Each module here registers its commands on the shared Typer ``app`` (``cli/app.py``); a new
command group is one new module imported below.
"""

from __future__ import annotations

from bridgewatch.cli import (  # noqa: F401  (importing registers the commands)
    alerts,
    batch,
    cards,
    demo,
    history,
    pull,
    serve,
    users,
    watch,
)
from bridgewatch.cli.app import (
    EXIT_ALERT,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_QUARANTINE,
    EXIT_STALE,
    EXIT_STORE,
    EXIT_USAGE,
    app,
)
from bridgewatch.cli.main import main

__all__ = ["EXIT_ALERT", "EXIT_INPUT", "EXIT_INTERNAL", "EXIT_OK", "EXIT_QUARANTINE", "EXIT_STALE", "EXIT_STORE",
           "EXIT_USAGE", "app", "main"]
