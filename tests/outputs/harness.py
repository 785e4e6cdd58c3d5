"""Run the ``bridgewatch`` command and kill it with SIGKILL at the N-th file-system step (for tests).

Usage: ``python harness.py N EVENTS_FILE bridgewatch-args...``. Every call to the primitives a
write is made of (mkdir, fsync, rename/replace, the atomic exchange, unlink/rmdir, Parquet and
text writes) counts as a step before and after it runs; at step ``N`` the process kills itself,
exactly as ``kill -9`` would, with no clean-up. ``N = 0`` never kills; each step's name is
appended to EVENTS_FILE, so a test learns how many steps a full run takes and where the swap is.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

KILL_AT = int(sys.argv[1])
EVENTS = Path(sys.argv[2])
_count = 0


def _step(name: str) -> None:
    global _count
    _count += 1
    with EVENTS.open("a", encoding="utf-8") as fh:
        fh.write(f"{name}\n")
    if _count == KILL_AT:
        os.kill(os.getpid(), signal.SIGKILL)


def _counted(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _step(f"before {name}")
        result = real(*args, **kwargs)
        _step(f"after {name}")
        return result

    return wrapper


def _install() -> None:
    import pyarrow.parquet as pq

    import bridgewatch.atomic as atomic

    for module, name in [(os, "mkdir"), (os, "fsync"), (os, "rename"), (os, "replace"), (os, "unlink"),
                         (os, "rmdir"), (shutil, "rmtree"), (pq, "write_table"), (Path, "write_text")]:
        setattr(module, name, _counted(name, getattr(module, name)))
    atomic._exchange = _counted("exchange", atomic._exchange)  # type: ignore[attr-defined]


if __name__ == "__main__":
    _install()
    from bridgewatch.cli import main

    sys.argv = ["bridgewatch", *sys.argv[3:]]
    main()
