"""Runs that cannot be trusted are never shown as an all-clear: a failed latest run says Unknown and names itself
on every page; a stale stored run says so on every page that shows it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from bridgewatch.config import load_config
from bridgewatch.history import Store
from bridgewatch.history.location import default_url
from bridgewatch.history.schema import card_runs
from bridgewatch.web.app import create_app

from .conftest import D365, D365_CARD, FAST_HASHER, SAGE, SAGE_CARD, Demo, signed_in
from .pagetext import table, text

ERROR = "the Sage Intacct export could not be read"
BANNER = ("The latest run failed, so the state is unknown: the figures shown are from an earlier run and cannot be "
          "trusted as an all-clear. Run {run_id} (15 Apr 2026, 06:00:00 UTC) failed: " + ERROR)
SAGE_URL = f"/w/{SAGE}/cards/{SAGE_CARD}"
D365_URL = f"/w/{D365}/cards/{D365_CARD}"
STALE_REASON = "the newest order (2026-04-09T08:00:00Z) is 88 hours older than the as-of"
STALE = "Stale data: this count cannot be trusted as an all-clear. " + STALE_REASON


@dataclass(frozen=True)
class Failed:
    client: TestClient
    run_id: str


@pytest.fixture(scope="module")
def failed(demo: Demo, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Failed]:
    """A copy of the demo whose Sage workspace's latest run failed and whose D365 latest run is stale."""
    root = tmp_path_factory.mktemp("failed") / "demo"
    shutil.copytree(demo.root, root)
    copy = replace(demo, root=root, folders={k: root / v.relative_to(demo.root) for k, v in demo.folders.items()},
                   users_url=f"sqlite:///{root / 'users.sqlite'}")
    config = load_config(copy.folders[SAGE])
    with Store(default_url(config)) as store:
        run_id = store.record_failure(config, ERROR, started_at=datetime(2026, 4, 15, 6, tzinfo=UTC),
                                      engine_name="duckdb")
    _make_stale(load_config(copy.folders[D365]))
    app = create_app(copy.settings(), hasher=FAST_HASHER, warm=False)
    with TestClient(app):
        yield Failed(signed_in(app, "owner@example.com"), run_id)


def _make_stale(config: object) -> None:
    with Store(default_url(config)) as store:  # type: ignore[arg-type]
        latest = store.history(D365, card=D365_CARD, limit=1)[0]
        summary = {**latest.summary, "freshness": {**latest.summary["freshness"], "status": "stale",
                                                   "reasons": [STALE_REASON]}}
        with store.engine.begin() as conn:
            conn.execute(card_runs.update().where(card_runs.c.id == latest.id)
                         .values(freshness="stale", summary=json.dumps(summary)))


def test_the_overview_shows_unknown_and_names_the_failed_run(failed: Failed) -> None:
    html = failed.client.get("/").text
    rows = {r[0]: r for r in table(html, "Every card of every workspace you can see, from its latest stored run")[1:]}
    assert rows["UK B2B merchant on Sage Intacct"][3] == "Unknown line 10"
    assert rows["US wholesale distributor on D365 F&O"][3] == "Firing line 10"
    assert ("UK B2B merchant on Sage Intacct: the " + BANNER[4:].format(run_id=failed.run_id)) in text(html)
    assert text(html).count("latest run failed") == 1


@pytest.mark.parametrize("path", ["", "/worklist", "/customers/B2B-3101", "/history"])
def test_every_card_page_names_the_failed_run(failed: Failed, path: str) -> None:
    page = text(failed.client.get(SAGE_URL + path).text)
    assert BANNER.format(run_id=failed.run_id) in page


def test_the_card_headline_says_unknown_not_firing(failed: Failed) -> None:
    page = text(failed.client.get(SAGE_URL).text)
    assert "Unknown alert state UNKNOWN" in page and "ALERT: above the alert line" not in page


def test_the_alerts_page_state_per_card_is_unknown(failed: Failed) -> None:
    html = failed.client.get(f"/w/{SAGE}/alerts").text
    assert table(html, "Alert state per card, from the latest stored run")[1][1:3] == [
        "Unknown alert state UNKNOWN (the data is not fresh: this is not an all-clear)", "14"]
    assert BANNER.format(run_id=failed.run_id) in text(html)


@pytest.mark.parametrize("path", ["", "/worklist", "/customers/B-1001"])
def test_a_stale_run_warns_on_the_card_worklist_and_customer_pages(failed: Failed, path: str) -> None:
    page = text(failed.client.get(D365_URL + path).text)
    assert STALE in page and "latest run failed" not in page
