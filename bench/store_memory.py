"""Memory while saving one run into the store, as the worklist grows (audit14: Python's peak went from 33 to 136 MB
between a 1.5k- and a 15k-row worklist).

For each size, in a fresh process: generate the bench workspace (bench/generate.py), compute it on a DuckDB file
engine, then save it into a new SQLite store (the first save: every counted account is new and gets its evidence
written) and save it again (an unchanged rerun), measuring only the saves:

* ``py_peak_mb``: Python's traced peak (``tracemalloc``) during the save;
* ``arrow_peak_mb``: the Arrow memory pool's peak during the save (the open versions and current hashes);
* ``rss_mb``: the process's peak RSS at the end (includes DuckDB's own memory; for orientation only).

Measured (2 shared cores, SQLite store), Python's peak per save, first / unchanged rerun:

* with 20,000-row streams (before): 2,280 rows 34.2 / 9.7 MB; 23,402 rows 144.2 / 70.4 MB; 117,581 rows 165.7 /
  82.9 MB: bounded, but by the stream batches (several streams of 20,000 worklist and evidence dicts side by side),
  which a 1.5k- or 15k-row worklist had not yet filled;
* with 2,000-row streams (now): 2,280 rows 25.0 / 7.2 MB; 23,402 rows 32.2 / 10.4 MB; 117,581 rows 44.7 / 10.5 MB
  (the first save still gains about 130 bytes per new row, not yet traced); save times the same or shorter.

The Arrow pool's peak (open versions and current hashes) was 2.7 MB at 23k rows and 12.3 MB at 118k.

Run: ``python -m bench.store_memory [--sizes 30000,300000,2000000] [--data /tmp/bw-bench]``. One line per size and
save, e.g. ``save size=300000 worklist_rows=15030 kind=first py_peak_mb=41.2 arrow_peak_mb=2.1 seconds=12.3``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pyarrow as pa


def measure(size: int, data: Path) -> list[dict[str, object]]:
    from bench.generate import generate
    from bridgewatch.batch import staged_workspace
    from bridgewatch.engine.duckdb import DuckDBEngine
    from bridgewatch.history import Store
    from bridgewatch.results import compute

    root = generate(size, data / f"n{size}")
    out = []
    with tempfile.TemporaryDirectory(prefix="bw-storemem-") as tmp, \
            DuckDBEngine(database=f"{tmp}/e.duckdb", temp_directory=tmp) as engine, \
            Store(f"sqlite:///{tmp}/h.sqlite") as store:
        run = compute([staged_workspace(root)], engine=engine)
        rows = sum(r.summary.count for r in run.results)
        for kind in ("first", "rerun"):
            pool = pa.default_memory_pool()
            base = pool.bytes_allocated()
            tracemalloc.start()
            started = time.perf_counter()
            store.save(run)
            seconds = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            out.append({"size": size, "worklist_rows": rows, "kind": kind, "py_peak_mb": round(peak / 2**20, 1),
                        "arrow_peak_mb": round(max(pool.max_memory() - base, 0) / 2**20, 1),
                        "seconds": round(seconds, 1),
                        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="30000,300000,2000000")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "bw-bench")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.data)))
        return
    for size in (int(s) for s in args.sizes.split(",")):
        done = subprocess.run([sys.executable, "-m", "bench.store_memory", "--one", str(size), "--data",
                               str(args.data)], capture_output=True, text=True, check=True)
        for m in json.loads(done.stdout.splitlines()[-1]):
            print("save " + " ".join(f"{k}={v}" for k, v in m.items()), flush=True)


if __name__ == "__main__":
    main()
