"""`history`, `alerts list` and `alerts log` in JSON write C1 and bidirectional controls (from a failed run's error,
a receiver's answer) as ``\\u`` escapes, as `run` and `show` do: printed to a terminal they do nothing, and a JSON
parser reads back the very same text."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from bridgewatch.cli import app
from bridgewatch.config import load_config
from bridgewatch.history import Store

from ..alerts.helpers import scenario
from ..alerts.servers import Reply, WebhookServer
from ..alerts.test_cli_and_config import hook_alerts

runner = CliRunner()
EVIL = "x\x9b31m\u202eevil"  # a C1 CSI (a terminal's colour change) and a right-to-left override


def test_history_and_alerts_json_escape_c1_and_bidi_controls(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    with WebhookServer() as hook:
        scenario(3, alerts=hook_alerts(hook.url)).write(root)
        assert runner.invoke(app, ["run", "-w", str(root)]).exit_code == 0  # firing, delivered
        (root / "data" / "orders.csv").write_text(f"platform,order_id,{EVIL}\n", encoding="utf-8")
        hook.script = [Reply(status=400, body=f"rejected {EVIL}")]
        assert runner.invoke(app, ["run", "-w", str(root)]).exit_code == 5  # a live failure: blind
        with Store(f"sqlite:///{root / '.bridgewatch' / 'history.sqlite'}") as store:
            store.record_failure(load_config(root), f"Workspace 'sage-test': bad entity '{EVIL}'.\nmore",
                                 started_at=datetime(2026, 12, 2, 9, 0), engine_name="duckdb")
        printed = {name: runner.invoke(app, [*name.split(), "-w", str(root), "--format", "json"]).stdout
                   for name in ("history", "alerts list", "alerts log")}
    for name, out in printed.items():
        assert ("\x9b" in out, "\u202e" in out, "\\u009b31m\\u202eevil" in out) == (False, False, True), name
    [recorded, _, _] = json.loads(printed["history"])
    assert recorded["error"] == f"Workspace 'sage-test': bad entity '{EVIL}'."
    [alert] = json.loads(printed["alerts list"])["alerts"]
    assert f"orders.csv, field '{EVIL}': unknown column for table 'orders'." in alert["reason"]
    blind, _ = json.loads(printed["alerts log"])
    assert ([a["error"] for a in blind["attempt_log"]], blind["last_error"]) == (
        [f"HTTP 400 Bad Request: rejected {EVIL}"], f"HTTP 400 Bad Request: rejected {EVIL}")
