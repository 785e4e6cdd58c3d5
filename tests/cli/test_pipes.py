"""`bridgewatch ... | head`: a reader that stops early ends the command quietly, exit 141, as with standard tools.

Real processes and real pipes: the workspace's CSV worklist is far larger than a pipe holds (64 KiB), so the
command is still writing when the reader leaves; a pipe whose reader is gone before the first write covers
the outputs that are smaller.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bridgewatch.cli.app import EXIT_BROKEN_PIPE, EXIT_STALE
from bridgewatch.report.csv_out import WORKLIST_COLUMNS

from ..alerts.helpers import scenario
from ..alerts.servers import WebhookServer
from ..cards.builders import d365, shopper

SHOPPERS = 2_000
"""Absent DTC shoppers S0000…S1999: a CSV worklist of about 570 KB, many times what a pipe and the reader's
buffer hold (64 KiB + 8 KiB), so the command is certainly still writing when the reader leaves."""


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", "from bridgewatch.cli import main; main()", *args]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    s = d365(id="pipes")
    for n in range(SHOPPERS):
        shopper(s, f"S{n:04d}", orders=("2026-04-12T10:00:00Z",))  # the day before the as-of: fresh
    return s.write(tmp_path_factory.mktemp("pipes") / "ws")


def _into_one_line_reader(args: list[str]) -> tuple[int, str, str]:
    """Run bridgewatch into a reader that reads one line and exits; returns (exit code, its stderr, that line)."""
    writer = subprocess.Popen(_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader = subprocess.Popen([sys.executable, "-c", "import sys; print(sys.stdin.readline(), end='')"],
                              stdin=writer.stdout, stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stderr is not None
    writer.stdout.close()  # the reader holds the only read end: when it exits, the pipe is closed
    line, _ = reader.communicate(timeout=120)
    stderr = writer.stderr.read().decode()
    writer.stderr.close()
    return writer.wait(timeout=120), stderr, line


@pytest.fixture
def closed_pipe() -> Iterator[int]:
    """The write end of a pipe whose reader has already gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    yield write_end
    os.close(write_end)


def _into(fd: int, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(_command(*args), stdout=fd, stderr=subprocess.PIPE, text=True, timeout=120)


def test_run_into_a_reader_that_stops_after_one_line(workspace: Path) -> None:
    code, stderr, line = _into_one_line_reader(["run", "-w", str(workspace), "--format", "csv"])
    assert (code, stderr, line) == (EXIT_BROKEN_PIPE, "", ",".join(WORKLIST_COLUMNS) + "\n")
    history = subprocess.run(_command("history", "-w", str(workspace), "--format", "json"), capture_output=True,
                             text=True, timeout=120)
    assert [(r["status"], r["count"]) for r in json.loads(history.stdout)] == [("ok", SHOPPERS)]  # stored, not failed
    code, stderr, line = _into_one_line_reader(["show", "-w", str(workspace), "--format", "json"])
    assert (code, stderr, line) == (EXIT_BROKEN_PIPE, "", "[\n")


@pytest.mark.parametrize("args", [["run", "--format", "table", "--no-store"], ["history"], ["ingest"],
                                  ["batch", "--no-store", "--workspaces"]])
def test_every_readout_into_a_pipe_already_closed(workspace: Path, closed_pipe: int, args: list[str]) -> None:
    where = ["-w", str(workspace)] if args[0] != "batch" else [str(workspace.parent), "--out",
                                                               str(workspace.parent / "batch-out")]
    done = _into(closed_pipe, *args, *where)
    assert (done.returncode, done.stderr) == (EXIT_BROKEN_PIPE, "")


def test_run_still_sends_its_alerts_when_nobody_reads_its_output(tmp_path: Path, closed_pipe: int) -> None:
    with WebhookServer() as hook:
        root = scenario(3, alerts={"receivers": [{"name": "hook", "kind": "webhook",
                                                  "settings": {"url": hook.url}}]}).write(tmp_path / "ws")
        done = _into(closed_pipe, "run", "-w", str(root), "--format", "csv")
        assert (done.returncode, done.stderr) == (EXIT_BROKEN_PIPE, "alerts: 1 queued, 1 delivered\n")
        assert [(b["event"], b["count"]) for b in hook.bodies()] == [("firing", 3)]


def test_help_and_version_into_a_closed_pipe(closed_pipe: int) -> None:
    for args in (["--help"], ["--version"], ["run", "--help"]):
        done = _into(closed_pipe, *args)
        assert (done.returncode, done.stderr) == (EXIT_BROKEN_PIPE, ""), args


def test_a_stale_result_keeps_its_own_exit_code(workspace: Path, closed_pipe: int) -> None:
    """The output was cut, but the run also found its data stale: exit 6 says more than 141."""
    done = _into(closed_pipe, "run", "-w", str(workspace), "--no-store", "--format", "csv", "--as-of", "2026-04-30")
    assert (done.returncode, done.stderr) == (EXIT_STALE, "")
