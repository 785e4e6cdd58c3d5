"""``make bench``: both cards against the floor, pandas and Spark, at each size, from one run.

For every size: generate the workspace (reused when already there), then time each contender in a
fresh process (``bench.measure``) so each peak RSS is its own, check that the contenders that answer
the same question agree, and end with one machine-readable line::

    bench size=N cards_s=… floor_s=… pandas_s=… spark_s=… peak_rss_mb=… ratio_floor=… ratio_pandas=…

``cards`` is a first run (it prepares what later runs reuse; its time includes that). ``peak_rss_mb``
is its process (DuckDB). After the line's required fields come ``sage_s`` (the Sage card alone, the
like-for-like rival of the pandas Sage card), ``ratio_pandas_sage``, ``again_s`` (both cards again on
the unchanged data, reusing the prepared store), ``ratio_again_floor`` and ``ratio_sage_floor``.
After the last size it prints the targets (issue 15's, then issue 5's earlier ones) with the measured
value and PASS or MISS, and writes everything as JSON to ``bench/out/results.json``. A contender
can be left out (``--skip pandas,spark``) or capped by size (``--spark-max``, ``--pandas-max``); its
fields then read ``skipped``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.generate import generate

OUT = Path(__file__).resolve().parent / "out"
SAGE = "sage_customer_master_gap"
CONTENDERS = ("cards", "again", "sage", "floor", "pandas", "spark")
LINE_FIELDS = ("cards", "floor", "pandas", "spark")
DEFAULT_SIZES = (100_000, 1_000_000, 10_000_000)


@dataclass
class SizeResult:
    """What one size measured: seconds, peak RSS and answers per contender."""

    size: int
    generate_s: float
    runs: dict[str, dict[str, object]] = field(default_factory=dict)

    def seconds(self, what: str) -> float | None:
        run = self.runs.get(what)
        return float(run["seconds"]) if run else None  # type: ignore[arg-type]

    def ratio(self, top: str, bottom: str) -> float | None:
        a, b = self.seconds(top), self.seconds(bottom)
        return a / b if a is not None and b else None

    def line(self) -> str:
        cards = self.runs["cards"]
        fields = {"size": str(self.size), **{f"{w}_s": _num(self.seconds(w)) for w in LINE_FIELDS},
                  "peak_rss_mb": _num(float(cards["peak_rss_mb"]), 0),  # type: ignore[arg-type]
                  "ratio_floor": _num(self.ratio("cards", "floor")),
                  "ratio_pandas": _num(self.ratio("pandas", "cards")),
                  "sage_s": _num(self.seconds("sage")),
                  "ratio_pandas_sage": _num(self.ratio("pandas", "sage")),
                  "again_s": _num(self.seconds("again")),
                  "ratio_again_floor": _num(self.ratio("again", "floor")),
                  "ratio_sage_floor": _num(self.ratio("sage", "floor"))}
        return "bench " + " ".join(f"{k}={v}" for k, v in fields.items())


def _num(value: float | None, digits: int = 2) -> str:
    return "skipped" if value is None else f"{value:.{digits}f}"


def measure(what: str, root: Path, threads: int, memory_limit: str, on_disk: bool) -> dict[str, object]:
    """Run one contender in a fresh interpreter and return its JSON line."""
    cmd = [sys.executable, "-m", "bench.measure", what, str(root), "--threads", str(threads),
           "--memory-limit", memory_limit, *(["--on-disk"] if on_disk and what in ("cards", "again", "sage") else [])]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"bench: {what} failed at {root}:\n{done.stderr[-3000:]}")
    line = [x for x in done.stdout.splitlines() if x.startswith("{")][-1]
    return json.loads(line)  # type: ignore[no-any-return]


def check_answers(result: SizeResult) -> list[str]:
    """Contenders answering the same question must agree: pandas and Spark against the cards."""
    problems = []
    cards = result.runs["cards"]["found"]
    sage = result.runs.get("sage")
    if sage and sage["found"] != {SAGE: cards[SAGE]}:  # type: ignore[index]
        problems.append(f"sage alone {sage['found']} != sage in both cards {cards[SAGE]}")  # type: ignore[index]
    again = result.runs.get("again")
    if again and again["found"] != cards:
        problems.append(f"second run {again['found']} != first run {cards}")
    pandas = result.runs.get("pandas")
    if pandas:
        want = cards[SAGE]  # type: ignore[index]
        got = pandas["found"]
        for key in ("absent", "value", "by_cause"):
            if want[key] != got[key]:  # type: ignore[index]
                problems.append(f"pandas {key} {got[key]} != cards {want[key]}")  # type: ignore[index]
    spark = result.runs.get("spark")
    if spark:
        got = {k: v for k, v in spark["found"].items() if k != "jvm_peak_rss_mb"}  # type: ignore[attr-defined]
        if got != cards:
            problems.append(f"spark {got} != cards {cards}")
    return problems


def run_size(size: int, args: argparse.Namespace) -> SizeResult:
    root = args.data / f"size-{size}"
    started = time.perf_counter()
    generate(size, root)
    result = SizeResult(size, time.perf_counter() - started)
    print(f"size {size:,}: data at {root} ({result.generate_s:.1f}s to generate or reuse)", flush=True)
    for what in CONTENDERS:
        cap = {"pandas": args.pandas_max, "spark": args.spark_max}.get(what)
        if what in args.skip or (cap is not None and size > cap):
            why = "--skip" if what in args.skip else f"above --{what}-max {cap:,}"
            print(f"  {what:<7} skipped ({why})", flush=True)
            continue
        run = measure(what, root, args.threads, args.memory_limit, size > args.in_memory_max)
        result.runs[what] = run
        found = run["found"]
        print(f"  {what:<7} {run['seconds']:9.2f}s  peak RSS {run['peak_rss_mb']:7.0f} MB  "
              f"{json.dumps(found, sort_keys=True)}", flush=True)
    for problem in check_answers(result):
        print(f"  DISAGREE {problem}", flush=True)
    print(result.line(), flush=True)
    return result


def _bound(out: list[tuple[str, str, bool]], name: str, value: float | None, ok: bool, unit: str = "x") -> None:
    if value is not None:
        out.append((name, f"{value:.2f}{unit}", ok))


def targets_15(results: list[SizeResult]) -> list[tuple[str, str, bool]]:
    """Issue 15's targets at 1M and 10M, each with the measured value and whether it holds."""
    by_size = {r.size: r for r in results}
    out: list[tuple[str, str, bool]] = []
    at = by_size.get(1_000_000)
    if at:
        for name, top, bottom, bound in (("both cards <= 3x the bare anti-join at 1M", "cards", "floor", 3.0),
                                         ("Sage card alone <= 2x the bare anti-join at 1M", "sage", "floor", 2.0),
                                         ("second run on unchanged data <= 1x the bare anti-join at 1M", "again",
                                          "floor", 1.0)):
            ratio = at.ratio(top, bottom)
            _bound(out, name, ratio, ratio is not None and ratio <= bound)
        ratio = at.ratio("pandas", "cards")
        _bound(out, "both cards >= 5x faster than the pandas Sage card at 1M", ratio, ratio is not None and ratio >= 5)
    big, small = by_size.get(10_000_000), by_size.get(1_000_000)
    if big:
        rss = float(big.runs["cards"]["peak_rss_mb"])  # type: ignore[arg-type]
        out.append(("10M within 2 GB peak RSS", f"{rss:.0f} MB", rss <= 2048))
    if big and small:
        growth = (big.seconds("cards") or 0.0) / (small.seconds("cards") or 1.0)
        out.append(("10x data <= 11x time (1,000,000 -> 10,000,000)", f"{growth:.2f}x", growth <= 11))
    return out


def targets(results: list[SizeResult]) -> list[tuple[str, str, bool]]:
    """Issue 5's targets, each with the measured value and whether it holds (superseded by :func:`targets_15`)."""
    by_size = {r.size: r for r in results}
    out: list[tuple[str, str, bool]] = []
    at_1m = by_size.get(1_000_000)
    if at_1m and at_1m.ratio("cards", "floor") is not None:
        ratio = at_1m.ratio("cards", "floor") or 0.0
        out.append(("both cards <= 2x the bare anti-join at 1M", f"{ratio:.2f}x", ratio <= 2))
    if at_1m and at_1m.ratio("pandas", "cards") is not None:
        ratio = at_1m.ratio("pandas", "cards") or 0.0
        out.append(("both cards >= 20x faster than pandas at 1M", f"{ratio:.1f}x", ratio >= 20))
    if at_1m and at_1m.ratio("pandas", "sage") is not None:
        ratio = at_1m.ratio("pandas", "sage") or 0.0
        out.append(("(like for like) Sage card >= 20x faster than the pandas Sage card at 1M", f"{ratio:.1f}x",
                    ratio >= 20))
    at_10m = by_size.get(10_000_000)
    if at_10m:
        rss = float(at_10m.runs["cards"]["peak_rss_mb"])  # type: ignore[arg-type]
        out.append(("10M within 2 GB peak RSS", f"{rss:.0f} MB", rss <= 2048))
    for small in results:
        big = by_size.get(small.size * 10)
        if big:
            growth = (big.seconds("cards") or 0.0) / (small.seconds("cards") or 1.0)
            out.append((f"10x data <= 12x time ({small.size:,} -> {big.size:,})", f"{growth:.2f}x", growth <= 12))
    return out


def machine() -> dict[str, object]:
    mem_kb = next((int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                   if x.startswith("MemTotal:")), 0) if Path("/proc/meminfo").exists() else 0
    cpu = next((x.split(":", 1)[1].strip() for x in Path("/proc/cpuinfo").read_text().splitlines()
                if x.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version(), "system": platform.platform()}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                        help="comma-separated customer counts (default: %(default)s)")
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("BENCH_DATA", OUT / "data")),
                        help="where generated workspaces are kept and reused (default: bench/out/data)")
    parser.add_argument("--skip", default="", help="contenders to leave out: again, sage, floor, pandas, spark")
    parser.add_argument("--pandas-max", type=int, default=1_000_000,
                        help="largest size pandas runs at (default %(default)s: at 10M it needs ~27 GB, more "
                             "than a 24 GB machine has)")
    parser.add_argument("--spark-max", type=int, default=1_000_000,
                        help="largest size local Spark runs at (default %(default)s, to keep one run under an hour "
                             "on 2 cores; raise it to measure 10M)")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--memory-limit", default="1200MB",
                        help="DuckDB memory_limit for the cards and the floor alike (default: %(default)s, "
                             "what docs/performance.md states a user runs with)")
    parser.add_argument("--in-memory-max", type=int, default=1_000_000,
                        help="above this size the cards' DuckDB database is a temp file, so materialised steps "
                             "can leave memory (default %(default)s)")
    args = parser.parse_args(argv)
    args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    if "cards" in args.skip or args.skip - set(CONTENDERS):
        parser.error(f"--skip takes again, sage, floor, pandas or spark (got {', '.join(sorted(args.skip))})")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    info = machine()
    print(f"machine: {info['cpus']} cores ({info['cpu']}), {info['memory_gib']} GiB, Python {info['python']}")
    results = [run_size(size, args) for size in args.sizes]
    checks = targets_15(results)
    print("targets (issue 15):")
    for name, value, ok in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {name}: {value}")
    print("earlier targets (issue 5):")
    for name, value, ok in targets(results):
        print(f"  {'PASS' if ok else 'MISS'}  {name}: {value}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps({
        "machine": info, "sizes": [{"size": r.size, "runs": r.runs, "line": r.line()} for r in results],
        "targets": [{"target": n, "measured": v, "ok": ok} for n, v, ok in checks],
        "targets_issue_5": [{"target": n, "measured": v, "ok": ok} for n, v, ok in targets(results)]}, indent=2))


if __name__ == "__main__":
    main()
