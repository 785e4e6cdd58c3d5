"""`alerts silence --entity` names an entity of the workspace (or `ambiguous`): a typo is refused with the known ones,
never stored as a silence that mutes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from .helpers import scenario
from .servers import WebhookServer
from .test_cli_and_config import hook_alerts, run_cli

CARD = "sage_customer_master_gap"


def test_an_unknown_entity_is_refused_naming_the_known_ones(tmp_path: Path, hook: WebhookServer) -> None:
    root = scenario(3, alerts=hook_alerts(hook.url)).write(tmp_path / "ws")
    wrong = run_cli("alerts", "silence", root, "--card", CARD, "--entity", "UK1", "--for", "1h", "--reason", "x")
    assert wrong.exit_code == 5
    assert " ".join(wrong.stderr.split()) == (
        "error: Workspace 'sage-test' has no entity 'UK1'; its entities: UK01, ambiguous (customers with no single "
        "expected entity).")
    listed = json.loads(run_cli("alerts", "list", root, "--format", "json").stdout)
    assert listed["silences"] == []
    for entity in ("UK01", "ambiguous"):
        made = run_cli("alerts", "silence", root, "--card", CARD, "--entity", entity, "--for", "1h", "--reason", "x")
        assert made.exit_code == 0 and f"{CARD} / {entity} until" in made.stdout
