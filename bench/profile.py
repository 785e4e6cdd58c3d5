"""Where the cards' time goes: every SQL step timed on DuckDB, with its most expensive operators.

``python -m bench.profile ROOT`` runs the shared and card steps one by one over a staged bench
workspace (as ``make bench`` generates it) with DuckDB's profiler on (the EXPLAIN ANALYZE data,
as JSON), then reads the results back the way ``compute`` does, and prints a table: step, wall
seconds, rows, and the operators that took the most time. ``--markdown`` prints it as the table
kept in ``docs/performance.md``; ``--json FILE`` keeps each step's full profile.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridgewatch.sql import literal


@dataclass
class StepProfile:
    """One step: wall time, rows written and the costliest operators (name, seconds, rows out)."""

    name: str
    seconds: float
    rows: int | None
    operators: list[tuple[str, float, int]] = field(default_factory=list)
    plan: dict[str, Any] = field(default_factory=dict)
    cpu: float | None = None
    """CPU seconds of the process (all threads) while the step ran: steadier than wall time on a busy machine."""

    def top(self, n: int = 3) -> str:
        return ", ".join(f"{op} {s:.2f}s ({rows:,})" for op, s, rows in self.operators[:n])


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("children", ()):
        yield from _walk(child)


def operators(plan: dict[str, Any]) -> list[tuple[str, float, int]]:
    """Every operator of a DuckDB JSON profile as (name, seconds, rows out), costliest first."""
    found = [(str(n.get("name", "?")).strip(), float(n.get("timing") or n.get("operator_timing") or 0.0),
              int(n.get("intermediate_rows") or n.get("operator_cardinality") or 0))
             for root in plan.get("operator", plan.get("children", [])) for n in _walk(root)]
    return sorted(found, key=lambda x: -x[1])


def profile(root: Path, *, threads: int, memory_limit: str, cards: list[str] | None = None,
            again: bool = False, store: bool = True) -> list[StepProfile]:
    """Run every step of the requested cards over the staged workspace at ``root``, profiled.

    A first run (the prepared store next to the staged tables deleted first), or with ``again`` a
    run reusing the store a previous run left (prepared steps then read their kept tables). With
    ``store`` False nothing is kept: each step is one statement, so its profile shows every operator
    (a kept step's profile is that of the store's last statement, its bookkeeping).
    """
    from bridgewatch.batch import staged_workspace
    from bridgewatch.cards import CARDS, card_steps
    from bridgewatch.cards.scope import scoping_cards
    from bridgewatch.cards.steps import shared_steps
    from bridgewatch.engine.duckdb import DuckDBEngine
    from bridgewatch.engine.prepared import remove_store
    from bridgewatch.results.pipeline import fx_errors, register_workspaces, repeatable
    from bridgewatch.results.summary import read_freshness, read_summary
    from bridgewatch.results.worklist import Worklist
    from bridgewatch.workspace import resolve_as_of

    ws = staged_workspace(root)
    chosen = cards or list(ws.config.cards)
    if not again:
        remove_store(root / "canonical")
    out: list[StepProfile] = []
    with tempfile.TemporaryDirectory(prefix="bw-profile-") as tmp:
        engine = DuckDBEngine(threads=threads, memory_limit=memory_limit, temp_directory=tmp,
                              prepared=None if store else False)
        started = time.perf_counter()
        register_workspaces(engine, [ws], {ws.id: resolve_as_of(ws.config)}, {ws.id: chosen})
        engine.repeatable = repeatable([ws], None)  # as compute sets it: the bench workspace gives its as-of
        out.append(StepProfile("(register tables)", time.perf_counter() - started, None))
        steps = (shared_steps(scoping_cards({ws.id: [CARDS[c] for c in chosen]}))
                 + [s for c in chosen for s in card_steps(CARDS[c])])
        for step in steps:
            out.append(_profiled(engine, tmp, step))
        started, cpu = time.perf_counter(), time.process_time()
        fx_errors(engine, [CARDS[c] for c in chosen])
        freshness = read_freshness(engine, ws)
        out.append(StepProfile("(FX check, freshness)", time.perf_counter() - started, None,
                               cpu=time.process_time() - cpu))
        for card in chosen:
            started, cpu = time.perf_counter(), time.process_time()
            summary = read_summary(engine, CARDS[card], ws, freshness)
            out.append(StepProfile(f"(read {card} summary)", time.perf_counter() - started, summary.count,
                                   cpu=time.process_time() - cpu))
            started, cpu = time.perf_counter(), time.process_time()
            rows = Worklist(engine, CARDS[card], ws.id).to_csv(f"{tmp}/{card}.csv")
            out.append(StepProfile(f"(write {card} worklist CSV)", time.perf_counter() - started, rows,
                                   cpu=time.process_time() - cpu))
        engine.close()
    return out


def _profiled(engine: Any, tmp: str, step: Any) -> StepProfile:
    target = f"{tmp}/{step.name}.json"
    cpu = time.process_time()
    engine.con.execute("SET enable_profiling = 'json'")
    engine.con.execute(f"SET profiling_output = {literal(target)}")
    started = time.perf_counter()
    engine.run([step])
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    engine.con.execute("SET enable_profiling = 'no_output'")
    engine.con.execute("PRAGMA disable_profiling")
    plan = json.loads(Path(target).read_text()) if Path(target).is_file() else {}
    rows = None if step.view else engine.fetch(f"SELECT count(*) AS n FROM {step.table}")[0]["n"]
    return StepProfile(step.name, seconds, rows, operators(plan), plan, cpu)


def render(profiles: list[StepProfile], markdown: bool) -> str:
    total = sum(p.seconds for p in profiles)
    cpu = sum(p.cpu or 0.0 for p in profiles)
    if markdown:
        lines = ["| step | wall s | CPU s | rows | costliest operators (time, rows out) |", "|---|---|---|---|---|"]
        lines += [f"| {p.name} | {p.seconds:.2f} | {_cpu(p)} | {'' if p.rows is None else f'{p.rows:,}'} | "
                  f"{p.top()} |" for p in profiles]
        lines.append(f"| **total** | **{total:.2f}** | **{cpu:.2f}** | | |")
        return "\n".join(lines)
    lines = [f"{p.name:42} {p.seconds:7.2f}s {_cpu(p):>6} {'' if p.rows is None else f'{p.rows:>10,}'}  {p.top()}"
             for p in profiles]
    return "\n".join([*lines, f"{'total':42} {total:7.2f}s {cpu:6.2f}"])


def _cpu(p: StepProfile) -> str:
    return "" if p.cpu is None else f"{p.cpu:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a generated bench workspace (bench/out/data/size-N)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="1200MB")
    parser.add_argument("--cards", default="", help="comma-separated card ids (default: the workspace's cards)")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--again", action="store_true", help="profile a second run, reusing the prepared store")
    parser.add_argument("--no-store", action="store_true",
                        help="keep nothing (every step in memory): each step's operators are profiled")
    parser.add_argument("--json", type=Path, help="write every step's full DuckDB profile here")
    args = parser.parse_args()
    cards = [c for c in args.cards.split(",") if c] or None
    profiles = profile(args.root, threads=args.threads, memory_limit=args.memory_limit, cards=cards,
                       again=args.again, store=not args.no_store)
    print(render(profiles, args.markdown))
    if args.json:
        args.json.write_text(json.dumps({p.name: p.plan for p in profiles}, indent=1))


if __name__ == "__main__":
    main()
