"""Benchmark: small workspaces (issue 15): the demo end to end, and loading, staging and batch per workspace.

Each copy is the two demo workspaces written in vendor formats (``bridgewatch.demo.write_demo``): 17
vendor files and a canonical FX file each, a few hundred rows. Issue 15 asks that loading or staging
one such workspace takes at most 0.2 s, its cost growing with rows, not with the number of files.
Also reported: the same workspaces read from canonical CSV files, the process's import time,
``bridgewatch run`` on one demo workspace end to end in a fresh process (imports included; target
1 s; wall and CPU of the child) with where its time goes (imports, reading, computing, storing), and
``bridgewatch batch`` then ``stage`` + ``batch --staged`` over every copy, per workspace, and the copies computed
in one pass (loaded first), per workspace.
Part of ``make bench``; alone::

    .venv/bin/python bench/load_bench.py --copies 10
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGET = 0.2
"""Seconds to load or stage one demo-sized workspace."""
END_TO_END = 1.0
"""Seconds for ``bridgewatch run`` on the demo workspace, imports included."""
Timing = tuple[float, float]
"""(wall seconds, CPU seconds of every thread of this process)."""


def _clock() -> Timing:
    return time.perf_counter(), time.process_time()


def _per_workspace(folders: list[Path], action: Callable[[Path], object], repeats: int) -> Timing:
    """Best of ``repeats`` passes over every folder, divided by the number of folders. The machine may be
    shared: minima are the stable figure, and CPU time measures the work whatever else is running."""
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        start = _clock()
        for folder in folders:
            action(folder)
        now = _clock()
        best = (min(best[0], now[0] - start[0]), min(best[1], now[1] - start[1]))
    return best[0] / len(folders), best[1] / len(folders)


def import_time() -> float:
    """Seconds a fresh interpreter takes to import what loading a workspace needs."""
    code = "import time; t = time.perf_counter(); import bridgewatch.workspace, bridgewatch.sources; " \
           "print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _command(*args: str | Path) -> Timing:
    """Wall and CPU seconds of one ``bridgewatch`` command in a fresh interpreter (imports included).

    Run as a user runs it: with Python's bytecode cache (``PYTHONDONTWRITEBYTECODE`` is dropped, so
    the first run writes it, as the first run after any install does)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    start, cpu = time.perf_counter(), _children_cpu()
    command = Path(sys.executable).parent / "bridgewatch"
    subprocess.run([str(command), *map(str, args)], capture_output=True, check=True, env=env)
    return time.perf_counter() - start, _children_cpu() - cpu


def _bridgewatch(*args: str | Path) -> float:
    """Wall seconds of one ``bridgewatch`` command in a fresh interpreter (imports included)."""
    return _command(*args)[0]


def _best(timings: list[Timing]) -> Timing:
    return min(t[0] for t in timings), min(t[1] for t in timings)


def end_to_end(folder: Path, repeats: int) -> tuple[Timing, Timing]:
    """Best wall and CPU seconds of ``run`` on one workspace: without the run store, and storing the run
    (after one untimed run, which writes the bytecode cache and creates the store)."""
    args = ("run", "-w", folder, "--format", "json")
    _command(*args)
    bare = _best([_command(*args, "--no-store") for _ in range(repeats)])
    stored = _best([_command(*args) for _ in range(repeats)])
    return bare, stored


PARTS = """
import sys, time
clock = lambda: (time.perf_counter(), time.process_time())
marks = [clock()]
import bridgewatch.cli.main, bridgewatch.cli.cards, bridgewatch.config, bridgewatch.engine, bridgewatch.monitor
from bridgewatch.cli.app import load_checked
marks.append(clock())
ws = load_checked(__import__("pathlib").Path(sys.argv[1]), False)
marks.append(clock())
with bridgewatch.engine.open_engine("duckdb") as engine:
    bridgewatch.monitor.run_workspace(ws, engine=engine)
marks.append(clock())
print(" ".join(f"{b[0] - a[0]:.4f} {b[1] - a[1]:.4f}" for a, b in zip(marks, marks[1:])))
"""
"""Times the parts of ``run --no-store`` in a fresh interpreter: what ``run`` imports, reading the workspace
(``load_checked``: the readability check and every source), and computing every card (no output)."""


def run_parts(folder: Path, repeats: int) -> list[Timing]:
    """Best wall and CPU seconds of each part of a ``run --no-store`` (imports, reading, computing), each
    in a fresh interpreter with the bytecode cache in place."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", PARTS, str(folder)], capture_output=True, text=True,
                             check=True, env=env).stdout.split()
        values = [float(v) for v in out]
        runs.append([(values[i], values[i + 1]) for i in range(0, len(values), 2)])
    return [_best([r[i] for r in runs]) for i in range(len(runs[0]))]


def batch_per_workspace(group: Path, out: Path, count: int) -> tuple[float, float]:
    """Seconds per workspace of ``batch`` over ``group``, and of ``stage`` followed by ``batch --staged``."""
    quiet = ("--no-store", "--allow-stale")  # timings only: a generated group's data may be old
    direct = _bridgewatch("batch", "--workspaces", group, "--out", out / "direct", *quiet) / count
    staged = (_bridgewatch("stage", "--workspaces", group)
              + _bridgewatch("batch", "--workspaces", group, "--staged", "--out", out / "staged", *quiet))
    return direct, staged / count


def one_pass_per_workspace(group: Path, repeats: int) -> Timing:
    """Wall and CPU seconds per workspace of computing every workspace of ``group`` in one DuckDB pass (loaded
    first, not timed): the cards and every summary, which are read once for the pass (``PassReader``), so the
    cost per workspace falls as the group grows instead of paying a dozen queries per workspace and card."""
    from bridgewatch.batch import compute_batch
    from bridgewatch.engine import get_engine
    from bridgewatch.workspace import load_workspace

    loaded = [load_workspace(folder) for folder in sorted(group.iterdir())]

    def once(_: object) -> None:
        engine = get_engine("duckdb")
        try:
            compute_batch(loaded, engine=engine)
        finally:
            engine.close()
    wall, cpu = _per_workspace([group], once, repeats)
    return wall / len(loaded), cpu / len(loaded)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5, help="copies of the demo (two workspaces each)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from bridgewatch.demo import write_demo
    from bridgewatch.staging import stage_workspace
    from bridgewatch.workspace import load_workspace

    with tempfile.TemporaryDirectory() as tmp:
        vendor = [f for i in range(args.copies) for f in write_demo(Path(tmp) / f"vendor{i}")]
        canonical = [f for i in range(args.copies) for f in write_demo(Path(tmp) / f"canonical{i}", canonical=True)]
        files = sum(1 for f in vendor[0].rglob("*") if f.is_file() and f.name != "workspace.toml")
        rows = sum(t.num_rows for t in load_workspace(vendor[0]).tables.values())
        for folder in vendor[:2]:
            load_workspace(folder)  # warm: first use of DuckDB's JSON and ICU code
        loads = _per_workspace(vendor, load_workspace, args.repeats)
        stages = _per_workspace(vendor, lambda f: stage_workspace(load_workspace(f)), args.repeats)
        plain = _per_workspace(canonical, load_workspace, args.repeats)
        run_bare, run_stored = end_to_end(vendor[0], args.repeats)
        parts = run_parts(vendor[0], args.repeats)
        group = Path(tmp) / "group"
        group.mkdir()
        for i, folder in enumerate(vendor):  # one group, so every copy gets its own workspace id
            config = folder / "workspace.toml"
            config.write_text(re.sub(r'(?m)^id = "([^"]+)"', rf'id = "\1-{i:04d}"', config.read_text(), count=1))
            folder.rename(group / f"{i:04d}-{folder.name}")
        batch, staged_batch = batch_per_workspace(group, Path(tmp) / "out", len(vendor))
        one_pass = one_pass_per_workspace(group, args.repeats)
    print(f"{len(vendor)} workspaces ({files} vendor files, {rows} rows in the first); best of {args.repeats}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (a shared machine: read the minima)")
    print(f"imports (fresh interpreter) : {import_time():6.3f}s")
    print("per workspace                  wall      cpu")
    print(f"load vendor files          : {loads[0]:6.3f}s  {loads[1]:6.3f}s  ratio {loads[0] / TARGET:5.2f}x of "
          f"{TARGET}s")
    print(f"stage vendor files         : {stages[0]:6.3f}s  {stages[1]:6.3f}s  ratio {stages[0] / TARGET:5.2f}x of "
          f"{TARGET}s")
    print(f"load canonical CSV         : {plain[0]:6.3f}s  {plain[1]:6.3f}s")
    print(f"batch (load + compute)     : {batch:6.3f}s")
    print(f"stage, then batch --staged : {staged_batch:6.3f}s")
    print(f"one pass over the group    : {one_pass[0]:6.3f}s  {one_pass[1]:6.3f}s  (loaded; cards and summaries)")
    for label, (wall, cpu) in (("run --no-store, fresh process", run_bare),
                               ("run, storing it, fresh process", run_stored)):
        print(f"{label:31}: {wall:6.3f}s  {cpu:6.3f}s  ratio {wall / END_TO_END:5.2f}x of {END_TO_END}s "
              f"(one demo workspace, imports included)")
    for label, (wall, cpu) in zip(("  of which: imports", "  reading the workspace", "  computing the cards"),
                                  parts, strict=True):
        print(f"{label:31}: {wall:6.3f}s  {cpu:6.3f}s")
    print(f"  {'storing the run (difference)':29}: {run_stored[0] - run_bare[0]:6.3f}s  "
          f"{run_stored[1] - run_bare[1]:6.3f}s")


if __name__ == "__main__":
    main()
