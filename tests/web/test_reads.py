"""Each page reads the store as little as it needs: no trend where none is shown, no run read twice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from bridgewatch.history import Store

from .conftest import D365, D365_CARD, SAGE, SAGE_CARD, Demo, signed_in

D365_URL = f"/w/{D365}/cards/{D365_CARD}"


@pytest.fixture(scope="module")
def owner(web: FastAPI) -> TestClient:
    return signed_in(web, "owner@example.com")


@contextmanager
def statements(app: FastAPI) -> Iterator[list[str]]:
    """Every SQL statement the run stores execute meanwhile, reduced to the tables it reads."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append(" ".join(sorted(set(re.findall(r"(?:FROM|JOIN) (\w+)", sql)))))

    engines = [store.engine for store in app.state.site.stores.values()]
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def _reads(client: TestClient, app: FastAPI, path: str) -> list[str]:
    client.get(path)  # the worklist index is loaded: only the page's own reads are left
    with statements(app) as seen:
        assert client.get(path).status_code == 200
    return [s for s in seen if s]


def test_the_alerts_page_reads_each_cards_latest_run_once_and_no_trend(owner: TestClient, web: FastAPI) -> None:
    assert _reads(owner, web, f"/w/{D365}/alerts") == ["runs", "card_runs runs"]


def test_the_overview_reads_the_runs_for_the_sparkline_and_the_change_but_no_time_to_fix(
        owner: TestClient, web: FastAPI) -> None:
    per_workspace = ["runs", "card_runs runs", "card_runs runs"]
    assert _reads(owner, web, "/") == per_workspace * 2


def test_the_card_page_reads_its_runs_once(owner: TestClient, web: FastAPI) -> None:
    assert _reads(owner, web, D365_URL) == ["card_runs runs", "card_runs episode_versions episodes", "runs"]


def test_the_history_page_reads_its_runs_once(owner: TestClient, web: FastAPI) -> None:
    # the page of runs (in the order stored); the latest fresh run (the newest as-of, which a backfill stored
    # later is not); the run 7 days before it; the cleared absences; the latest failed run
    assert _reads(owner, web, f"{D365_URL}/history") == [
        "card_runs runs", "card_runs runs", "card_runs runs", "card_runs episodes", "runs"]


def test_the_store_pages_its_history_before_a_card_run(demo: Demo) -> None:
    with Store(demo.settings().workspace(SAGE).store_url) as store:  # type: ignore[union-attr]
        runs = store.history(SAGE, card=SAGE_CARD, limit=5)
        assert len(runs) == 2 and runs[0].id > runs[1].id
        assert store.history(SAGE, card=SAGE_CARD, before=runs[0].id, limit=5) == runs[1:]
        assert store.history(SAGE, card=SAGE_CARD, before=runs[1].id, limit=5) == []
