"""docs/alerts.md, docs/configuration.md and docs/cli.md tell the truth about alerts: every example parses,
every message field and every `alerts` command is documented."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bridgewatch.alerts.status import probe_message
from bridgewatch.cli.alerts import alerts_app
from bridgewatch.config import parse_config

from .helpers import scenario

DOCS = Path(__file__).resolve().parents[2] / "docs"


def toml_blocks(name: str) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", (DOCS / name).read_text(encoding="utf-8"), flags=re.S)


def workspace_with(*blocks: str) -> dict[str, object]:
    base = scenario(1).config
    base["legal_entities"].append({"id": "IE01", "currency": "EUR", "countries": ["IE"]})
    return base | tomllib.loads("\n".join(blocks))


def test_the_alerts_examples_are_one_valid_configuration() -> None:
    blocks = toml_blocks("alerts.md")
    config = parse_config(workspace_with(*blocks))
    assert [r.name for r in config.alerts.receivers] == ["finance-hook", "onboarding-mail", "dublin-teams",
                                                          "ops-slack"]
    assert config.alerts.routes[2].routes[0].match.cause == ("lagging", "never_synced")


def test_the_configuration_example_is_valid() -> None:
    [block] = [b for b in toml_blocks("configuration.md") if "[alerts]" in b]
    assert parse_config(workspace_with(block)).alerts.receivers[0].role == "finance"


def test_every_message_field_is_documented() -> None:
    doc = (DOCS / "alerts.md").read_text(encoding="utf-8")
    message = probe_message(parse_config(scenario(1).config), "r")
    for key in [*message, "entries", "changes"]:
        assert f"`{key}`" in doc, key


@pytest.mark.parametrize("command", [c.name or "" for c in alerts_app.registered_commands])
def test_every_alerts_command_is_documented(command: str) -> None:
    assert f"bridgewatch alerts {command}" in (DOCS / "cli.md").read_text(encoding="utf-8")
