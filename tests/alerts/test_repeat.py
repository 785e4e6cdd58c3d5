"""The repeat reminder is measured from the last message the receiver actually got (Alertmanager's notification log
records a send only once it succeeded): a receiver that is down is not sent a backlog of reminders when it is back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from .helpers import NOW, monitor, scenario
from .servers import Reply, WebhookServer
from .test_delivery import hook_alerts, states


def test_no_reminders_pile_up_while_a_receiver_is_down(tmp_path: Path, hook: WebhookServer) -> None:
    def cycle(hours: int) -> None:
        monitor(root, now=NOW + timedelta(hours=hours))

    hook.default = Reply(503)
    alerts = hook_alerts(hook.url, attempts=1) | {"repeat_interval": "24h"}
    root = scenario(3, alerts=alerts).write(tmp_path / "ws")
    for hours in (0, 25, 50):  # down for two days and more, one cycle a day
        cycle(hours)
    assert states(root) == [("hook", "pending", 3)]  # one message waits: the firing, tried each cycle
    hook.default = Reply(200)
    cycle(51)
    assert [(b["event"], b["created_at"]) for b in hook.bodies()] == [("firing", "2026-04-14T19:00:00Z")]
    cycle(51 + 23)  # 23 hours after it arrived: no reminder yet
    assert len(hook.bodies()) == 1
    cycle(51 + 24)  # 24 hours after the cycle that delivered it: exactly one interval, not one cycle more
    assert [b["event"] for b in hook.bodies()] == ["firing", "repeat"]
