"""An alert's blocked value converted at an old FX rate says so: the message carries the card's ``fx_warnings`` and
every rendering (webhook JSON, email text and HTML) names the pair, the rate's date and its age."""

from __future__ import annotations

from pathlib import Path

from ..cards.builders import company
from .helpers import monitor, scenario
from .servers import SmtpServer, WebhookServer, parts, wait_for

WORDS = ("OLD FX RATE: 1 order(s) of 1 customer(s) placed 2026-04-14 are converted from EUR into GBP at the rate "
         "dated 2026-03-01, 44 days before the latest of them (more than fx_max_age_days = 35): the blocked value "
         "in GBP uses that rate (add newer EUR rates to fx_rates, or raise fx_max_age_days)")


def test_an_alert_says_its_blocked_value_uses_an_old_rate(tmp_path: Path, hook: WebhookServer,
                                                         smtp: SmtpServer) -> None:
    alerts = {"receivers": [
        {"name": "hook", "kind": "webhook", "settings": {"url": f"{hook.url}/bw"}},
        {"name": "mail", "kind": "email", "settings": {"host": "127.0.0.1", "port": smtp.port, "security": "none",
                                                       "sender": "bw@example.test", "to": ["fin@example.test"]}}]}
    s = scenario(3, alerts=alerts)
    company(s, "EURO", vat="GB999999973", currency="EUR", total="100.00", orders=("2026-04-14T10:00:00Z",))
    s.add("fx_rates", currency="EUR", rate_date="2026-03-01", rate="0.86")
    root = tmp_path / "ws"
    s.write(root)
    monitor(root)
    [body] = [r.json for r in hook.accepted()]
    assert (body["card_count"], body["blocked_value_reporting"]) == (4, "3026.00")  # 970 + 980 + 990 + 86
    assert body["fx_warnings"] == [
        {"currency": "EUR", "reporting_currency": "GBP", "rate_date": "2026-03-01", "orders": 1, "customers": 1,
         "first_order_date": "2026-04-14", "last_order_date": "2026-04-14", "age_days": 44, "max_age_days": 35}]
    wait_for(lambda: len(smtp.messages) == 1)
    text, html = parts(smtp.messages[0])
    assert f"Old FX rates:\n  {WORDS}\n" in text
    assert f"<h3>Old FX rates</h3><ul><li>{WORDS}</li></ul>" in html


def test_an_alert_without_old_rates_carries_an_empty_list(tmp_path: Path, hook: WebhookServer) -> None:
    root = tmp_path / "ws"
    scenario(3, alerts={"receivers": [{"name": "hook", "kind": "webhook", "settings": {"url": f"{hook.url}/bw"}}]}
             ).write(root)
    monitor(root)
    [body] = [r.json for r in hook.accepted()]
    assert body["fx_warnings"] == []
