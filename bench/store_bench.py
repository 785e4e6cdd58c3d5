"""The run store at scale: rows added by unchanged reruns, and explain read from a stored run.

Two measurements on the deterministic bench workspaces (bench/generate.py):

* ``store``: save a 100k-customer run, then rerun it unchanged N times (default 100) and count the rows
  each table gained; storage must grow with changes, so the customer tables (episodes, versions) must
  gain nothing.
* ``explain``: save a 1M-customer run, then time ``Store.explain`` of one counted customer (best of 5),
  which reads the stored evidence and never recomputes.

Run: ``python -m bench.store_bench [--reruns 100] [--store-size 100000] [--explain-size 1000000]``.
Prints one line per measurement, e.g.
``store size=100000 reruns=100 customer_rows_added=0 run_rows_added=100 card_run_rows_added=200 ...``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.generate import generate
from bridgewatch.batch import staged_workspace
from bridgewatch.engine.duckdb import DuckDBEngine
from bridgewatch.history import Store
from bridgewatch.history.schema import card_runs, episode_versions, episodes, runs
from bridgewatch.results import compute

TABLES = {"runs": runs, "card_runs": card_runs, "episodes": episodes, "versions": episode_versions}


def counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for name, t in TABLES.items()}


def save_once(root: Path, store: Store, memory_limit: str) -> float:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bw-store-") as tmp, \
            DuckDBEngine(database=f"{tmp}/e.duckdb", memory_limit=memory_limit, temp_directory=tmp) as engine:
        run = compute([staged_workspace(root)], engine=engine)
        store.save(run)
    return time.perf_counter() - started


def bench_reruns(data: Path, size: int, reruns: int, memory_limit: str) -> str:
    root = generate(size, data / f"n{size}")
    with tempfile.TemporaryDirectory(prefix="bw-history-") as tmp, Store(f"sqlite:///{tmp}/h.sqlite") as store:
        first_s = save_once(root, store, memory_limit)
        before = counts(store)
        times = [save_once(root, store, memory_limit) for _ in range(reruns)]
        after = counts(store)
    added = {k: after[k] - before[k] for k in after}
    return (f"store size={size} reruns={reruns} customer_rows_added={added['episodes'] + added['versions']} "
            f"run_rows_added={added['runs']} card_run_rows_added={added['card_runs']} "
            f"episodes={after['episodes']} versions={after['versions']} first_run_s={first_s:.2f} "
            f"rerun_s_median={sorted(times)[len(times) // 2]:.2f}")


def bench_explain(data: Path, size: int, memory_limit: str) -> str:
    root = generate(size, data / f"n{size}")
    with tempfile.TemporaryDirectory(prefix="bw-history-") as tmp, Store(f"sqlite:///{tmp}/h.sqlite") as store:
        save_s = save_once(root, store, memory_limit)
        stored = store.run(f"bench-{size}")[0]
        customer = next(store.rows(stored, limit=1))["company_id"] or next(store.rows(stored, limit=1))["customer_id"]
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            found = store.explain(f"bench-{size}", customer, card=stored.card)
            timings.append(time.perf_counter() - started)
        assert found and found[0].verdict == "counted"
    return f"explain size={size} explain_s={min(timings):.3f} save_s={save_s:.1f} counted={stored.count}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("bench/out/data"))
    parser.add_argument("--reruns", type=int, default=100)
    parser.add_argument("--store-size", type=int, default=100_000)
    parser.add_argument("--explain-size", type=int, default=1_000_000)
    parser.add_argument("--memory-limit", default="1200MB")
    args = parser.parse_args()
    print(bench_reruns(args.data, args.store_size, args.reruns, args.memory_limit), flush=True)
    print(bench_explain(args.data, args.explain_size, args.memory_limit), flush=True)


if __name__ == "__main__":
    main()
