"""workspace.toml validation: every problem reported at once, with its path."""

from __future__ import annotations

import pytest

from bridgewatch.config import parse_config
from bridgewatch.errors import ConfigError

BASE = {"workspace": {"id": "w", "erp": "d365_fo", "home_country": "US", "reporting_currency": "USD"},
        "legal_entities": [{"id": "USTI", "currency": "USD", "countries": ["us"]}]}


def test_defaults() -> None:
    c = parse_config(BASE)
    w = c.workspace
    assert (w.window_days, w.grace_minutes, w.alert_threshold, w.timezone) == (7, 15, 10, "UTC")
    assert c.cards == ("d365_customer_master_gap",)
    assert c.keys_for("d365_customer_master_gap") == ("email", "external_id", "vat")
    assert c.keys_for("sage_customer_master_gap") == ("vat", "account_ref", "email")
    assert c.legal_entities[0].countries == ("US",)


def test_all_problems_at_once_with_paths() -> None:
    raw = {"workspace": {"id": "w", "erp": "d365_fo", "home_country": "usa", "reporting_currency": "USD",
                         "window_days": 0, "timezone": "Mars/Base"},
           "legal_entities": [{"id": "USTI", "currency": "dollars"}, {"id": "USTI", "currency": "USD"}],
           "entity_rules": [{"kind": "tag", "value": "x", "entity": "NOPE"}],
           "field_map": {"sage_customer_master_gap": ["vat", "phone"]}}
    with pytest.raises(ConfigError) as err:
        parse_config(raw)
    text = str(err.value)
    for expected in ("workspace.home_country: String should match pattern", "workspace.window_days: Input should be "
                     "greater than or equal to 1", "legal_entities[0].currency: String should match pattern",
                     "field_map.sage_customer_master_gap[1]: Unknown match key 'phone'"):
        assert expected in text


def test_cross_field_problems_are_listed_together() -> None:
    raw = dict(BASE, entity_rules=[{"kind": "tag", "value": "x", "entity": "NOPE"}],
               legal_entities=[{"id": "USTI", "currency": "USD"}, {"id": "USTI", "currency": "USD"}])
    raw["workspace"] = dict(BASE["workspace"], timezone="Mars/Base", cards=["sage_card"])
    with pytest.raises(ConfigError) as err:
        parse_config(raw)
    text = str(err.value)
    for expected in ("legal_entities[1].id: duplicate entity id 'USTI'",
                     "entity_rules[0].entity: unknown entity 'NOPE'; known: USTI, USTI",
                     "workspace.timezone: unknown time zone 'Mars/Base'",
                     "card 'sage_card' is not a card bridgewatch knows"):
        assert expected in text


def test_unknown_keys_are_rejected() -> None:
    raw = dict(BASE, workspace=dict(BASE["workspace"], treshold=3))
    with pytest.raises(ConfigError, match=r"workspace.treshold: Extra inputs are not permitted"):
        parse_config(raw)
