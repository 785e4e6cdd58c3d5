"""One measurement in a fresh process, so its peak RSS is its own: ``python -m bench.measure WHAT
ROOT``.

WHAT is ``cards`` (both cards on DuckDB, a first run: the prepared store next to the staged
tables is deleted first, so the time includes preparing), ``again`` (both cards again, reusing
the store the first run left), ``sage`` (the Sage card alone, a first run), ``floor`` (the bare
anti-join), ``pandas`` (the Sage card in pandas) or ``spark`` (both cards on local Spark). A card
run counts everything up to the worklist written as CSV. Prints one JSON line: seconds, peak RSS
in MB (for Spark, the JVM's too) and what was found, so the runner can check the answers agree.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bridgewatch.batch import STAGED_DIR

SAGE = "sage_customer_master_gap"


def _cards_found(summaries: list[Any]) -> dict[str, object]:
    return {s.card: {"absent": s.count, "value": f"{s.blocked_value_reporting:.2f}",
                     "by_cause": {b.key: b.customers for b in s.by_cause if b.customers}} for s in summaries}


def measure_cards(root: Path, threads: int, memory_limit: str, cards: list[str] | None = None,
                  on_disk: bool = False, fresh: bool = True) -> dict[str, object]:
    """Cards end to end on DuckDB, as a user runs them: staged Parquet in, summaries and worklist CSVs out.

    ``fresh`` deletes the prepared store first (a first run); otherwise a previous run's is reused.
    """
    import bridgewatch as bw
    from bridgewatch.batch import staged_workspace
    from bridgewatch.engine.duckdb import DuckDBEngine
    from bridgewatch.engine.prepared import remove_store

    if fresh:
        remove_store(root / STAGED_DIR)
    started = time.perf_counter()
    ws = staged_workspace(root)
    with tempfile.TemporaryDirectory(prefix="bw-bench-") as tmp:
        # On disk, materialised steps can leave memory under the limit (slower for small data).
        database = f"{tmp}/bench.duckdb" if on_disk else ":memory:"
        with DuckDBEngine(database=database, threads=threads, memory_limit=memory_limit,
                          temp_directory=tmp) as engine:
            run = bw.compute([ws], engine=engine, cards=cards, on_error="collect")
            for result in run.results:
                result.worklist.to_csv(Path(tmp) / f"{result.summary.card}.csv")
            summaries = [r.summary for r in run.results]
    seconds = time.perf_counter() - started
    if run.errors:
        raise SystemExit(f"cards failed on {root}: {run.errors}")
    return {**_cards_found(summaries), "_seconds": seconds}


def measure_again(root: Path, threads: int, memory_limit: str, on_disk: bool = False) -> dict[str, object]:
    """Both cards again on unchanged staged data, reusing what the first run prepared."""
    return measure_cards(root, threads, memory_limit, on_disk=on_disk, fresh=False)


def measure_sage(root: Path, threads: int, memory_limit: str, on_disk: bool = False) -> dict[str, object]:
    """The Sage card alone on DuckDB (a first run): the like-for-like comparison with the pandas Sage card."""
    return measure_cards(root, threads, memory_limit, cards=[SAGE], on_disk=on_disk)


def measure_floor(root: Path, threads: int, memory_limit: str, **_: Any) -> dict[str, object]:
    """The bare anti-join on DuckDB with the same threads and memory limit as the cards."""
    from bench.floor import run_floor

    cfg = pandas_config(root)
    started = time.perf_counter()
    found = run_floor(root / STAGED_DIR, as_of=str(cfg["as_of"]), window_days=int(cfg["window_days"]),
                      home_country=str(cfg["home_country"]), threads=threads, memory_limit=memory_limit)
    return {**found, "_seconds": time.perf_counter() - started}


def measure_pandas(root: Path, **_: Any) -> dict[str, object]:
    """The Sage card in pandas (reading the Parquet included, as the cards' time includes the scan)."""
    from bench.pandas_card import sage_card

    cfg = pandas_config(root)
    started = time.perf_counter()
    found = sage_card(root / STAGED_DIR, cfg)
    return {**found, "_seconds": time.perf_counter() - started}


def measure_spark(root: Path, **_: Any) -> dict[str, object]:
    """Both cards on a local[2] Spark session reading the staged Parquet (session start not timed)."""
    import bridgewatch as bw
    from bridgewatch.batch import staged_workspace
    from bridgewatch.engine.spark import SparkEngine, build_session

    session = build_session("local[2]", {"spark.driver.memory": "3g", "spark.sql.shuffle.partitions": "8"})
    started = time.perf_counter()
    engine = SparkEngine(session=session)
    with tempfile.TemporaryDirectory(prefix="bw-bench-") as tmp:
        run = bw.compute([staged_workspace(root)], engine=engine)
        for result in run.results:
            result.worklist.to_csv(Path(tmp) / f"{result.summary.card}.csv")
        summaries = [r.summary for r in run.results]
    seconds = time.perf_counter() - started
    jvm_mb = _jvm_peak_mb(session)
    engine.close()
    session.stop()
    return {**_cards_found(summaries), "_seconds": seconds, "jvm_peak_rss_mb": jvm_mb}


def _jvm_peak_mb(session: Any) -> float | None:
    """The driver JVM's peak RSS (VmHWM), read from /proc while it is still up."""
    pid = session.sparkContext._jvm.java.lang.ProcessHandle.current().pid()
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def pandas_config(root: Path) -> dict[str, object]:
    """The workspace settings the pandas card and the floor need, as plain values."""
    from bridgewatch.config import load_config
    from bridgewatch.workspace import resolve_as_of

    config = load_config(root)
    w = config.workspace
    entities = config.legal_entities
    return {
        "as_of": resolve_as_of(config).isoformat(sep=" "), "window_days": w.window_days,
        "home_country": w.home_country, "grace_minutes": w.grace_minutes, "reporting_currency": w.reporting_currency,
        "field_map": config.keys_for(SAGE), "default_entity": w.default_entity,
        "entity_country": {e.id: e.countries[0] for e in entities if e.countries},
        "country_entity": {c: e.id for e in entities for c in e.countries},
        "holding": [h.account.strip().upper() for h in config.holding_customers],
    }


MEASURES: dict[str, Callable[..., dict[str, object]]] = {
    "cards": measure_cards, "again": measure_again, "sage": measure_sage, "floor": measure_floor,
    "pandas": measure_pandas, "spark": measure_spark}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=sorted(MEASURES))
    parser.add_argument("root", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="1200MB")
    parser.add_argument("--on-disk", action="store_true", help="DuckDB database in a temp file, not in memory")
    args = parser.parse_args()
    extra = {"on_disk": True} if args.on_disk else {}
    found = MEASURES[args.what](args.root, threads=args.threads, memory_limit=args.memory_limit, **extra)
    seconds = float(found.pop("_seconds"))  # type: ignore[arg-type]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"what": args.what, "seconds": seconds, "peak_rss_mb": peak, "found": found}))


if __name__ == "__main__":
    main()
