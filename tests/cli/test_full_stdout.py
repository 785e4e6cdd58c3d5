"""Standard output redirected to a full disk (``bridgewatch run -w WS > /var/log/bw.txt`` from cron, the log disk
full). Before: ``error: no space left on the device [ENOSPC]. To fix: ...; outputs are replaced whole, so the
previous one is intact.``: no word of where (the OS error names no file), a claim that is false for a stream cut
half-way, and ``run`` stopped there, after storing its run but before sending its alerts. Now the message names
standard output and says the output is incomplete, and ``run`` finishes its work (alerts sent), then exits 8.

Real processes writing into ``/dev/full``, whose every write fails with ENOSPC."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bridgewatch.cli.app import EXIT_ENVIRONMENT

from ..alerts.helpers import scenario
from ..alerts.servers import WebhookServer

FULL = Path("/dev/full")
pytestmark = pytest.mark.skipif(not FULL.exists(), reason="no /dev/full on this system")
MESSAGE = ("error: writing standard output: no space left on the device [ENOSPC]; the output written there is "
           "incomplete. To fix: free space on the disk standard output is redirected to (or raise the quota), or "
           "redirect it elsewhere.\n")


def _into_full_disk(*args: str) -> subprocess.CompletedProcess[str]:
    with FULL.open("w") as full:
        return subprocess.run([sys.executable, "-c", "from bridgewatch.cli import main; main()", *args],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)


def test_run_into_a_full_disk_still_sends_its_alerts_then_says_where_it_failed(tmp_path: Path) -> None:
    with WebhookServer() as hook:
        root = scenario(3, alerts={"receivers": [{"name": "hook", "kind": "webhook",
                                                  "settings": {"url": hook.url}}]}).write(tmp_path / "ws")
        done = _into_full_disk("run", "-w", str(root), "--format", "csv")
        assert (done.returncode, done.stderr) == (EXIT_ENVIRONMENT, "alerts: 1 queued, 1 delivered\n" + MESSAGE)
        assert [(b["event"], b["count"]) for b in hook.bodies()] == [("firing", 3)]
    history = subprocess.run([sys.executable, "-c", "from bridgewatch.cli import main; main()", "history", "-w",
                              str(root), "--format", "json"], capture_output=True, text=True, timeout=120)
    assert [(r["status"], r["count"]) for r in json.loads(history.stdout)] == [("ok", 3)]


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = scenario(3).write(tmp_path_factory.mktemp("full") / "ws")
    assert _into_full_disk("run", "-w", str(root), "--format", "json").returncode == EXIT_ENVIRONMENT
    return root


@pytest.mark.parametrize("args", [["--version"], ["history", "-w"], ["show", "-f", "json", "-w"],
                                  ["explain", "A01", "-w"]])
def test_every_readout_into_a_full_disk_names_standard_output(stored: Path, args: list[str]) -> None:
    done = _into_full_disk(*args, *([str(stored)] if args[-1] == "-w" else []))
    assert (done.returncode, done.stderr) == (EXIT_ENVIRONMENT, MESSAGE)
