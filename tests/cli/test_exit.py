"""How the console process ends: every object alive is frozen first, so Python's shutdown does no garbage collection
over the imported libraries (measured at about a quarter of a `run` on the demo workspace; docs/performance.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

AT_EXIT = ("import atexit, gc, sys\n"
           "atexit.register(lambda: print('frozen' if gc.get_freeze_count() > 0 else 'not frozen'))\n"
           "from bridgewatch.cli import main\n"
           "sys.argv = ['bridgewatch', *sys.argv[1:]]\n"
           "main()\n")


@pytest.mark.parametrize(("args", "code"), [(["--version"], 0), (["no-such-command"], 2)])
def test_the_console_freezes_what_is_alive_before_the_process_ends(args: list[str], code: int) -> None:
    done = subprocess.run([sys.executable, "-c", AT_EXIT, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == code
    assert done.stdout.splitlines()[-1] == "frozen"
