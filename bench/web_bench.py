"""Benchmark: the dashboard's pages on a stored run with 100k absent customers, p95 per page (issue 11).

The stored run is built from the real thing: the D365 demo workspace is computed and stored by the
product, then its stored worklist is widened to N customers by copying its stored rows (each copy
a distinct account with its own blocked value, name and id, causes, segments, entities and
platforms cycling through the demo's), and the card run's count and drills are rewritten to match.
The server is the real app under uvicorn on 127.0.0.1; a bounded loop of sequential requests
(``--requests`` per page, nothing but 127.0.0.1) times each page. Not run by the tests::

    .venv/bin/python bench/web_bench.py --customers 100000 --requests 60

Each page prints ``web page=NAME n=… p50_ms=… p95_ms=… max_ms=… ratio_p95_target=…`` (p95 / 300 ms);
the first request after start (the worklist index built from the store) is reported as ``cold_ms``.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, update

from bridgewatch.demo import write_demo
from bridgewatch.history import Store, StoredCardRun, open_store
from bridgewatch.history.schema import card_runs, episode_versions, episodes
from bridgewatch.model.money import from_stored
from bridgewatch.model.money import text as money_text
from bridgewatch.results import compute
from bridgewatch.workspace import load_workspace

TARGET_MS = 300.0
CARD = "d365_customer_master_gap"
BATCH = 5_000


def fabricate(root: Path, customers: int, *, seed: int = 11) -> Path:
    """The D365 demo workspace under ``root`` with one stored run widened to ``customers`` absent customers."""
    folder = write_demo(root)[1]
    ws = load_workspace(folder)
    with compute([ws]) as run, open_store(ws) as store:
        stored = [s for s in store.save(run) if s.card == CARD][0]
        _widen(store, stored, customers, random.Random(seed))
    return folder


def _widen(store: Store, stored: StoredCardRun, customers: int, rng: random.Random) -> None:
    v, e = episode_versions.c, episodes.c
    with store.engine.begin() as conn:
        templates = conn.execute(select(episode_versions, e.platform, e.account_kind)
                                 .join(episodes, e.id == v.episode_id).where(v.valid_from == stored.id)
                                 .order_by(v.id)).all()
        next_id = int(conn.execute(select(func.max(e.id))).scalar_one()) + 1
        eps: list[dict[str, Any]] = []
        versions: list[dict[str, Any]] = []
        for i in range(max(customers - len(templates), 0)):
            ep, version = _copy(templates[i % len(templates)]._mapping, stored, next_id + i, i, rng)
            eps.append(ep)
            versions.append(version)
            if len(eps) == BATCH:
                _flush(conn, eps, versions)
        _flush(conn, eps, versions)
        _rewrite_summary(conn, stored)


def _copy(t: Any, stored: StoredCardRun, episode_id: int, i: int, rng: random.Random
          ) -> tuple[dict[str, Any], dict[str, Any]]:
    account = f"BENCH-{i:07d}"
    cents = rng.randrange(1_000, 5_000_000)
    name = f"{'=' if i % 997 == 0 else ''}Bench customer {i:07d}"
    row = json.loads(t["row"]) | {"customer_id": account, "company_id": None, "account_kind": "customer",
                                  "name": name, "blocked_value": f"{cents / 100:.2f}", "currency": "USD",
                                  "blocked_value_reporting": f"{cents / 100:.2f}"}
    evidence = json.loads(t["evidence"]) | {"account_id": account, "account_kind": "customer", "name": name,
                                            "customer": row}
    ep = {"id": episode_id, "workspace_id": stored.workspace_id, "card": stored.card, "platform": t["platform"],
          "account_kind": "customer", "account_id": account, "first_card_run": stored.id, "cleared_card_run": None,
          "returned": False}
    version = {"episode_id": episode_id, "workspace_id": stored.workspace_id, "card": stored.card,
               "valid_from": stored.id, "valid_to": None, "facts_hash": f"bench-{i}", "blocked_e4": cents * 100,
               "cause": t["cause"], "segment": t["segment"], "expected_entity": t["expected_entity"],
               "active_orders": t["active_orders"], "name": name, "customer_id": account, "company_id": None,
               "row": json.dumps(row), "evidence": json.dumps(evidence)}
    return ep, version


def _flush(conn: Any, eps: list[dict[str, Any]], versions: list[dict[str, Any]]) -> None:
    if eps:
        conn.execute(insert(episodes), eps)
        conn.execute(insert(episode_versions), versions)
    eps.clear()
    versions.clear()


def _rewrite_summary(conn: Any, stored: StoredCardRun) -> None:
    """The card run's count and drills, recomputed from the widened stored worklist (SQL aggregates)."""
    v = episode_versions.c
    where = (v.workspace_id == stored.workspace_id, v.card == stored.card, v.valid_from <= stored.id,
             v.valid_to.is_(None))
    count, orders, e4 = conn.execute(select(func.count(), func.sum(v.active_orders), func.sum(v.blocked_e4))
                                        .where(*where)).one()
    summary = dict(stored.summary)
    summary.update(count=count, active_orders=int(orders), blocked_value_reporting=money_text(from_stored(e4), "USD"),
                   still_absent=0, new=count)
    for key, column in (("by_cause", v.cause), ("by_segment", v.segment), ("by_entity", v.expected_entity)):
        rows = conn.execute(select(column, func.count(), func.sum(v.active_orders), func.sum(v.blocked_e4))
                            .where(*where).group_by(column)).all()
        name = key.removeprefix("by_")
        labels = {b[name]: b.get("label") for b in summary[key]}
        summary[key] = [{name: k or "ambiguous", "customers": n, "active_orders": int(o),
                         "blocked_value_reporting": money_text(from_stored(c), "USD"),
                         **({"label": labels[k]} if labels.get(k) else {})}
                        for k, n, o, c in rows]
    conn.execute(update(card_runs).where(card_runs.c.id == stored.id).values(
        count=count, blocked_e4=int(e4), new=count, summary=json.dumps(summary)))


# -- the load loop ------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pages(workspace: str, customer: str) -> dict[str, str]:
    base = f"/w/{workspace}/cards/{CARD}"
    return {
        "overview": "/", "card": base, "card_filtered": f"{base}?entity=CATU&lens=finance",
        "worklist": f"{base}/worklist", "worklist_deep": f"{base}/worklist?page=1500",
        "worklist_sorted": f"{base}/worklist?sort=name&dir=reverse&size=100",
        "worklist_filtered": f"{base}/worklist?cause=never_synced&segment=dtc&sort=days_absent&page=20",
        "customer": f"{base}/customers/{customer}", "history": f"{base}/history", "alerts": f"/w/{workspace}/alerts",
    }


def serve(folder: Path) -> tuple[Any, threading.Thread, int]:
    import uvicorn

    from bridgewatch.batch import find_workspaces
    from bridgewatch.web.app import create_app
    from bridgewatch.web.settings import WebSettings, served_workspaces, users_url

    ws = served_workspaces(find_workspaces(folder), environ={})
    settings = WebSettings(ws, users_url(ws, group=None, override=None, environ={}), allow_anonymous=True)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings, warm=False), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return server, thread, port


def measure(folder: Path, requests: int, customers: int) -> list[dict[str, Any]]:
    server, thread, port = serve(folder)
    out = []
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            started = time.perf_counter()
            client.get(f"/w/us-distributor-d365/cards/{CARD}/worklist").raise_for_status()
            cold = (time.perf_counter() - started) * 1000
            for name, url in pages("us-distributor-d365", f"BENCH-{customers // 2:07d}").items():
                out.append(_time(client, name, url, requests) | {"cold_ms": round(cold, 1)})
            started = time.perf_counter()
            size = len(client.get(f"/w/us-distributor-d365/cards/{CARD}/worklist.csv").content)
            out.append({"page": "worklist.csv (all rows)", "seconds": round(time.perf_counter() - started, 2),
                        "bytes": size})
    finally:
        server.should_exit = True
        thread.join()
    return out


def _time(client: httpx.Client, name: str, url: str, requests: int) -> dict[str, Any]:
    times, statuses = [], Counter[int]()
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        statuses[response.status_code] += 1
    p95 = statistics.quantiles(times, n=20, method="inclusive")[-1] if len(times) > 1 else times[0]
    return {"page": name, "n": requests, "status": dict(statuses), "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(p95, 1), "max_ms": round(max(times), 1), "ratio_p95_target": round(p95 / TARGET_MS, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=60, help="requests per page (sequential)")
    parser.add_argument("--root", type=Path, default=None, help="where to build the workspace (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bw-web-bench-") as tmp:
        root = args.root or Path(tmp)
        started = time.perf_counter()
        folder = fabricate(root, args.customers)
        print(f"web stored run with {args.customers} absent customers built in {time.perf_counter() - started:.1f} s")
        for result in measure(folder, args.requests, args.customers):
            print("web " + " ".join(f"{k}={v}" for k, v in result.items()), flush=True)


if __name__ == "__main__":
    main()
