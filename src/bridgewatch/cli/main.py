"""The console entry point: the one place an unexpected exception becomes a message, never a traceback."""

from __future__ import annotations

import sys

from bridgewatch.cli.app import EXIT_INTERNAL, app, err


def main() -> None:
    """Console entry point."""
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - last resort: no tracebacks for users
        err.print(f"internal error: {type(exc).__name__}: {exc}. This is a bridgewatch bug; please report it "
                  f"with the command you ran (add -v for the SQL steps).", highlight=False, markup=False)
        sys.exit(EXIT_INTERNAL)
