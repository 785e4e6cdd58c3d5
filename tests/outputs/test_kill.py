"""``kill -9`` at several moments of ``demo``, ``stage`` and ``batch`` leaves the old or the new output, whole.

Each command runs in a process of its own (forked by ``harness.py``, which imports bridgewatch once for the
module) that kills itself with SIGKILL at a chosen file-system step: early, just before and just after each
swap, and near the end. After every kill each output folder must be exactly the previous complete output or
exactly the new one; a complete run afterwards leaves no temporary folder behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bridgewatch.batch import run_and_write
from bridgewatch.demo import write_demo
from bridgewatch.staging import stage_many

from ..cards.builders import company, sage

HARNESS = Path(__file__).with_name("harness.py")
State = Callable[[Path], object]


class Harness:
    """The harness server (``harness.py --serve``): one process per command run, forked from one import."""

    def __init__(self) -> None:
        # No lookup cache: the first run to need the country lookups would write it (steps the runs after it
        # do not take), so the step a kill is aimed at would depend on which tests ran before on this worker.
        env = {**os.environ, "BRIDGEWATCH_CACHE_DIR": "off"}
        self.proc = subprocess.Popen([sys.executable, str(HARNESS), "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env=env)

    def run(self, args: list[str], kill_at: int, events: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        """Run ``bridgewatch args`` in ``cwd``, killed at step ``kill_at`` (0: never), its steps in ``events``."""
        events.unlink(missing_ok=True)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        request = {"kill_at": kill_at, "events": str(events), "args": args, "cwd": str(cwd)}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, f"the harness server ended (exit {self.proc.wait(30)})"
        done = json.loads(line)
        return subprocess.CompletedProcess(args, done["returncode"], done["stdout"], done["stderr"])

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    server = Harness()
    yield server
    server.close()


def kill_points(events: list[str]) -> list[int]:
    """1-based steps to kill at: early, late, just before the first swap, while the folder it replaced is
    being removed, and last just after the swap (which leaves that folder aside for the next run to clear)."""
    swap = events.index("before exchange") + 1 if "before exchange" in events else 0
    assert swap, "the command replaced no existing output: the test set-up is wrong"
    points = sorted({max(1, len(events) // 10), len(events) - 1, swap, swap + 4} - {swap + 1})
    return [p for p in points if 1 <= p < len(events)] + [swap + 1]


def check_old_or_new(harness: Harness, args: list[str], targets: list[Path], state: State, cwd: Path,
                     tmp: Path) -> None:
    """Kill ``bridgewatch args`` at several steps; each target must be its old or its new state, whole."""
    run_killed = harness.run
    saved = tmp / "saved"
    old = [state(t) for t in targets]
    for i, t in enumerate(targets):
        shutil.copytree(t, saved / str(i))
    events = tmp / "events.txt"
    done = run_killed(args, 0, events, cwd)
    assert done.returncode == 0, done.stderr
    new = [state(t) for t in targets]
    assert all(o != n for o, n in zip(old, new, strict=True)), "old and new outputs must differ"
    steps = events.read_text().splitlines()
    for point in kill_points(steps):
        for i, t in enumerate(targets):  # the same start as the counting run, so step numbers match
            for leftover in _leftovers(t):
                shutil.rmtree(leftover)
            shutil.rmtree(t)
            shutil.copytree(saved / str(i), t)
        killed = run_killed(args, point, events, cwd)
        assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
        for t, o, n in zip(targets, old, new, strict=True):
            got = state(t)
            assert got == o or got == n, f"{t} is neither the old nor the new output after a kill at step {point} " \
                                         f"({steps[point - 1]})"
    assert any(_leftovers(t) for t in targets), "a kill just after the swap leaves the old folder aside"
    again = run_killed(args, 0, events, cwd)
    assert again.returncode == 0, again.stderr
    assert [state(t) for t in targets] == new
    assert [p for t in targets for p in _leftovers(t)] == []


def _leftovers(target: Path) -> list[Path]:
    return [p for p in target.parent.iterdir() if p.name.startswith(f".{target.name}.bw-")]


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_demo_killed_leaves_each_workspace_old_or_new(harness: Harness, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    folders = write_demo(out, canonical=True)  # the previous output: canonical tables, not vendor files
    check_old_or_new(harness, ["demo", "--out", str(out), "--format", "json"], folders, tree, tmp_path, tmp_path)


def _staging(folder: Path) -> object:
    record = json.loads((folder / "staged.json").read_text())
    tables = {p.stem: pq.read_table(p).to_pylist() for p in sorted(folder.glob("*.parquet"))}
    return sorted(p.name for p in folder.iterdir()), tables, [(f["path"], f["sha256"]) for f in record["inputs"]]


def _workspace(root: Path, extra_customer: bool) -> Path:
    s = sage(id="brand-a")
    company(s, "ABSENT", vat="GB111111111")
    if extra_customer:
        company(s, "LATE", vat="GB333333333")
    return s.write(root)


def test_stage_killed_leaves_the_old_or_the_new_staging(harness: Harness, tmp_path: Path) -> None:
    folder = _workspace(tmp_path / "brand-a", extra_customer=False)
    stage_many(folder)
    _workspace(folder, extra_customer=True)  # the exports change; the new staging must hold LATE
    check_old_or_new(harness, ["stage", "-w", str(folder)], [folder / "canonical"], _staging, tmp_path, tmp_path)


def _results(out: Path) -> object:
    files = {p.name: p.read_text() for p in sorted(out.iterdir()) if p.name != "batch.json"}
    summary = json.loads((out / "batch.json").read_text())
    summary.pop("timings")
    return files, summary


def test_batch_killed_leaves_the_old_or_the_new_results(harness: Harness, tmp_path: Path) -> None:
    group = tmp_path / "group"
    _workspace(group / "brand-a", extra_customer=False)
    out = tmp_path / "results"
    run_and_write(group, out)
    s = sage(id="brand-b")
    company(s, "OTHER", vat="GB444444444")
    s.write(group / "brand-b")  # the new batch has one more workspace
    args = ["batch", "--workspaces", str(group), "--out", str(out), "--no-store", "--allow-stale"]
    check_old_or_new(harness, args, [out], _results, tmp_path, tmp_path)
