"""The run store keeps blocked values exactly (ten-thousandths of the reporting currency), so a three-decimal
reporting currency reads the same in the store, the dashboard, alert messages and `show` as in the run itself;
a zero-decimal one shows whole yen; a store from before upgrades its values exactly, on SQLite and PostgreSQL.

KWD scenario: two US shoppers, 100.00 and 99.99 USD at 0.30716 KWD, are 30.716 and 30.713 KWD (61.429 in all).
Kept as whole cents they were 30.71 each: the store, pages and alerts said 61.42, and the two tied, so the store
ranked A (30.713) first where the run ranked B (30.716) first."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from bridgewatch.alerts.facts import read_facts
from bridgewatch.alerts.render import facts as message_facts
from bridgewatch.alerts.schema import notifications
from bridgewatch.cli import app as cli
from bridgewatch.history import Store
from bridgewatch.history.migrations import HEAD
from bridgewatch.history.schema import card_runs, episode_versions
from bridgewatch.model.money import from_stored
from bridgewatch.model.money import text as money_text
from bridgewatch.scenario import Scenario
from bridgewatch.web.app import create_app
from bridgewatch.web.settings import WebSettings, served_workspaces

from ..cards.builders import d365, shopper
from ..web.conftest import FAST_HASHER
from ..web.pagetext import text as page_text

runner = CliRunner()
CARD = "d365_customer_master_gap"
FRESH = ("2026-04-12T20:00:00Z",)
"""Four hours before the as-of time (13 April 00:00 UTC): fresh."""
HOOK = {"receivers": [{"name": "hook", "kind": "webhook", "settings": {"url": "http://127.0.0.1:9/never"}}]}


def kwd() -> Scenario:
    s = d365(reporting_currency="KWD", alert_threshold=1)
    shopper(s, "A", total="99.99", orders=FRESH)  # 30.7129284 → 30.713
    shopper(s, "B", total="100.00", orders=FRESH)  # 30.716
    s.add("fx_rates", currency="USD", rate_date="2026-04-01", rate="0.30716")
    s.config["alerts"] = HOOK
    return s


def jpy() -> Scenario:
    s = d365(reporting_currency="JPY", alert_threshold=0)
    shopper(s, "A", total="10.00", orders=FRESH)  # 1,497.50 → 1,498 yen
    s.add("fx_rates", currency="USD", rate_date="2026-04-01", rate="149.75")
    s.config["alerts"] = HOOK
    return s


def run(root: Path, *args: str) -> Any:
    result = runner.invoke(cli, ["run", "-w", str(root), "--no-alerts", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def stored_values(url: str) -> tuple[list[int], list[tuple[str, int]]]:
    with Store(url) as store, store.engine.connect() as conn:
        runs = list(conn.execute(select(card_runs.c.blocked_e4).order_by(card_runs.c.id)).scalars())
        versions = [(json.loads(r.row)["customer_id"], r.blocked_e4) for r in conn.execute(
            select(episode_versions.c.row, episode_versions.c.blocked_e4).order_by(episode_versions.c.id))]
    return runs, versions


def card_page(root: Path, tmp_path: Path) -> str:
    [ws] = served_workspaces([root], environ={})
    settings = WebSettings((ws,), f"sqlite:///{tmp_path / 'users.sqlite'}", allow_anonymous=True)
    with TestClient(create_app(settings, hasher=FAST_HASHER, warm=False), client=("127.0.0.1", 50000),
                    base_url="http://127.0.0.1:8000") as client:
        page = client.get(f"/w/d365-test/cards/{CARD}")
        assert page.status_code == 200
        return page_text(page.text)


def alert(root: Path) -> dict[str, Any]:
    """The message the alert after a run made (the webhook is never reached; the message is kept)."""
    url = f"sqlite:///{root / '.bridgewatch' / 'history.sqlite'}"
    with Store(url) as store, store.engine.connect() as conn:
        [message] = conn.execute(select(notifications.c.message)).scalars()
    return dict(json.loads(message))


def test_a_three_decimal_currency_reads_exactly_from_run_to_store_page_alert_and_show(tmp_path: Path) -> None:
    root = kwd().write(tmp_path / "ws")
    result = run(root)
    [card] = result
    assert card["blocked_value_reporting"] == "61.429"
    assert [(r["customer_id"], r["blocked_value_reporting"]) for r in card["customers"]] == [("B", "30.716"),
                                                                                          ("A", "30.713")]
    url = f"sqlite:///{root / '.bridgewatch' / 'history.sqlite'}"
    assert stored_values(url) == ([614290], [("A", 307130), ("B", 307160)])

    page = card_page(root, tmp_path)
    assert set(re.findall(r"KWD\s?[0-9.,]+", page)) <= {"KWD61.429", "KWD30.716", "KWD30.713", "KWD0.000"}
    assert page.count("KWD61.429") == 6  # the headline and the total of each drill (cause, segment, entity, ...)

    sent = runner.invoke(cli, ["alerts", "send", "-w", str(root)])
    assert sent.exit_code in (0, 6), sent.output
    msg = alert(root)
    assert msg["blocked_value_reporting"] == "61.429"
    assert [c["blocked_value_reporting"] for c in msg["causes"]] == ["61.429"]
    assert [e["blocked_value_reporting"] for e in msg["entities"]] == ["61.429"]
    assert [(r["customer_id"], r["blocked_value_reporting"]) for r in msg["top"]] == [("B", "30.716"),
                                                                                     ("A", "30.713")]
    assert ("Blocked value", "KWD61.429") in [(k, v.replace("\xa0", "")) for k, v in message_facts(msg)]

    shown = runner.invoke(cli, ["show", "-w", str(root), "--format", "json"])
    assert shown.exit_code == 0, shown.output
    [again] = json.loads(shown.stdout)
    assert again["blocked_value_reporting"] == "61.429"
    assert [(r["rank"], r["customer_id"]) for r in again["customers"]] == [(1, "B"), (2, "A")]


def test_a_zero_decimal_currency_shows_whole_yen(tmp_path: Path) -> None:
    root = jpy().write(tmp_path / "ws")
    assert run(root)[0]["blocked_value_reporting"] == "1498.00"
    url = f"sqlite:///{root / '.bridgewatch' / 'history.sqlite'}"
    assert stored_values(url) == ([14980000], [("A", 14980000)])
    assert "¥1,498 blocked (JPY)" in card_page(root, tmp_path)
    assert runner.invoke(cli, ["alerts", "send", "-w", str(root)]).exit_code in (0, 6)
    msg = alert(root)
    assert msg["blocked_value_reporting"] == "1498.00"
    assert ("Blocked value", "¥1,498") in message_facts(msg)


def test_a_store_kept_in_cents_upgrades_to_exact_values(tmp_path: Path, store_url: str) -> None:
    root = kwd().write(tmp_path / "ws")
    run(root, "--history-url", store_url)
    with Store(store_url) as store, store.engine.begin() as conn:  # the store as revision 0007 left it: whole cents
        for table in ("card_runs", "episode_versions"):
            conn.execute(text(f"ALTER TABLE {table} RENAME COLUMN blocked_e4 TO blocked_cents"))
            conn.execute(text(f"UPDATE {table} SET blocked_cents = blocked_cents / 100"))
        assert list(conn.execute(text("SELECT blocked_cents FROM episode_versions ORDER BY id")).scalars()) == [
            3071, 3071]
        # and A's row written without its value (the upgrade then keeps its cents)
        first = conn.execute(select(episode_versions.c.id, episode_versions.c.row).order_by(episode_versions.c.id)
                             ).first()
        assert first is not None
        row = {k: v for k, v in json.loads(first.row).items() if k != "blocked_value_reporting"}
        conn.execute(text("UPDATE episode_versions SET row = :row WHERE id = :id"),
                     {"row": json.dumps(row), "id": first.id})
        conn.execute(text("UPDATE alembic_version SET version_num = '0007'"))
    assert stored_values(store_url) == ([614290], [("A", 307100), ("B", 307160)])
    with Store(store_url) as store, store.engine.connect() as conn:
        assert list(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) == [HEAD] == ["0008"]
        [stored] = store.history("d365-test", card=CARD, limit=1)
        assert money_text(from_stored(read_facts(store, stored).blocked_e4), "KWD") == "61.426"
