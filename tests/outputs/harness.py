"""Run the ``bridgewatch`` command and kill it with SIGKILL at the N-th file-system step (for tests).

Every call to the primitives a write is made of (mkdir, fsync, rename/replace, the atomic exchange,
unlink/rmdir, Parquet and text writes) counts as a step before and after it runs; at step ``N`` the
process kills itself, exactly as ``kill -9`` would, with no clean-up. ``N = 0`` never kills; each
step's name is appended to the events file, so a test learns how many steps a full run takes and
where the swap is.

Usage: ``python harness.py --serve``: a server that installs the step counters, imports bridgewatch
and the libraries its commands use once, then for each request line (JSON: ``kill_at``, ``events``,
``args``, ``cwd``) forks a child that runs ``bridgewatch args`` in ``cwd`` and answers one JSON line
(``returncode``, negative for a signal as ``subprocess`` reports it; ``stdout``; ``stderr``). Each
child starts from the same freshly imported process, so a run is what a new ``bridgewatch`` process
would do, without paying the imports (about 1.5 s of CPU) again for every kill.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

TIMEOUT = 120
"""Seconds a run may take: then SIGALRM ends it (returncode -14), as ``subprocess.run``'s timeout did."""
KILL_AT = 0
EVENTS: Path | None = None
"""Set in each child: the counters are idle in the server (no events file)."""
_count = 0


def _step(name: str) -> None:
    global _count
    if EVENTS is None:
        return
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
    """Wrap the primitives before bridgewatch is imported, so no module holds an unwrapped one."""
    import pyarrow.parquet as pq

    import bridgewatch.atomic as atomic

    for module, name in [(os, "mkdir"), (os, "fsync"), (os, "rename"), (os, "replace"), (os, "unlink"),
                         (os, "rmdir"), (shutil, "rmtree"), (pq, "write_table"), (Path, "write_text")]:
        setattr(module, name, _counted(name, getattr(module, name)))
    atomic._exchange = _counted("exchange", atomic._exchange)  # type: ignore[attr-defined]


def _preload() -> None:
    """What ``demo``, ``stage`` and ``batch`` import, imported once in the server."""
    import bridgewatch.batch
    import bridgewatch.cli
    import bridgewatch.demo
    import bridgewatch.staging
    import bridgewatch.workspace  # noqa: F401


def _child(request: dict[str, Any], out: int, err: int) -> None:
    """Run one command in this forked child and exit as that command's process would (never returns: the exit,
    or the uncaught exception, leaves the server's loop, so the child ends like a ``bridgewatch`` process)."""
    global KILL_AT, EVENTS
    signal.alarm(TIMEOUT)
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.chdir(request["cwd"])
    tempfile.tempdir = None  # found again, as a new process does (its probe file is a step too)
    KILL_AT, EVENTS = int(request["kill_at"]), Path(request["events"])
    from bridgewatch.cli import main

    sys.argv = ["bridgewatch", *request["args"]]
    main()
    raise SystemExit(0)


def _run(request: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _child(request, out.fileno(), err.fileno())
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        texts = []
        for fh in (out, err):
            fh.seek(0)
            texts.append(fh.read().decode("utf-8", "replace"))
    return {"returncode": code, "stdout": texts[0], "stderr": texts[1]}


def serve() -> None:
    _install()
    _preload()
    answers = os.fdopen(os.dup(1), "w", encoding="utf-8")
    for line in sys.stdin:
        answers.write(json.dumps(_run(json.loads(line))) + "\n")
        answers.flush()


if __name__ == "__main__":
    if sys.argv[1:] != ["--serve"]:
        raise SystemExit("usage: python harness.py --serve")
    serve()
