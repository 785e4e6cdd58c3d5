"""A save killed at any point stores nothing; two saves of one workspace at once queue, never interleave."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bridgewatch.history import Store
from bridgewatch.history.schema import card_runs, episode_versions, episodes, runs
from bridgewatch.results import compute
from bridgewatch.workspace import load_workspace

from .test_store import scenario

SAVER = Path(__file__).with_name("saver.py")


def _saver(root: Path, url: str, point: str, marker: Path, pause: float) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(SAVER), str(root), url, point, str(marker), str(pause)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")})


def _wait_for(path: Path, proc: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"saver exited early: {proc.stderr.read() if proc.stderr else ''}")
        if time.monotonic() > deadline:
            raise AssertionError("saver never reached the pause point")
        time.sleep(0.05)


def _counts(url: str) -> tuple[int, ...]:
    with Store(url) as store, store.engine.connect() as conn:
        return tuple(int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                     for t in (runs, card_runs, episodes, episode_versions))


@pytest.mark.parametrize("point", ["after_run_row", "after_first_versions", "before_commit"])
def test_a_save_killed_midway_stores_nothing(tmp_path: Path, store_url: str, point: str) -> None:
    root = scenario().write(tmp_path / "ws")
    Store(store_url).close()  # create and migrate the store first
    proc = _saver(root, store_url, point, tmp_path / "paused", 60)
    _wait_for(tmp_path / "paused", proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert _counts(store_url) == (0, 0, 0, 0)
    with Store(store_url) as store, compute([load_workspace(root)]) as run:  # the next save, here: no import to pay
        store.save(run)
    assert _counts(store_url) == (1, 1, 3, 3)


def test_two_saves_of_one_workspace_queue(tmp_path: Path, store_url: str) -> None:
    root = scenario().write(tmp_path / "ws")
    Store(store_url).close()
    first = _saver(root, store_url, "after_run_row", tmp_path / "first", 2)
    _wait_for(tmp_path / "first", first)
    second = _saver(root, store_url, "after_run_row", tmp_path / "second", 0)
    outputs = [p.communicate(timeout=180) for p in (first, second)]
    assert [p.returncode for p in (first, second)] == [0, 0], outputs
    (run_a, new_a, still_a), (run_b, new_b, still_b) = (o[0].split() for o in outputs)
    assert (new_a, still_a, new_b, still_b) == ("3", "0", "0", "3")
    assert _counts(store_url) == (2, 2, 3, 3)
    with Store(store_url) as store:
        latest = store.run("sage-test")[0]
    assert (latest.run_id, latest.summary["previous_run_id"]) == (run_b, run_a)
