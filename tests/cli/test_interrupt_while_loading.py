"""Ctrl-C while the command line loads (Typer, rich and every command's module: about a second, the time a user
takes to see the wrong folder in the command just typed) came before any handler: Python printed a traceback
ending in ``KeyboardInterrupt`` and the process died of SIGINT. The console script now imports the command line
under a guard: exit 130, nothing on stderr, as an interrupt during a command ends.

The script is run as pip generates it from ``[project.scripts]`` (``from MODULE import NAME; sys.exit(NAME())``);
the interrupt is made to land inside the import of Typer, deterministically, by a finder raising it there."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INTERRUPT_IN_TYPER = """
import sys

class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            raise KeyboardInterrupt  # as a Ctrl-C landing while Typer is imported does
        return None

sys.meta_path.insert(0, Interrupt())
from {module} import {name}
sys.exit({name}())
"""


def test_ctrl_c_while_the_command_line_loads_exits_130_quietly() -> None:
    script = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]["bridgewatch"]
    module, name = script.split(":")
    done = subprocess.run([sys.executable, "-c", INTERRUPT_IN_TYPER.format(module=module, name=name), "--version"],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr, done.stdout) == (130, "", "")
