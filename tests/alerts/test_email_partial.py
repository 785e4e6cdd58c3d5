"""An email refused for some of its recipients (and accepted for the others) is delivered, but the refusal is
recorded and shown: nobody is left thinking the refused address got it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from typer.testing import CliRunner

from bridgewatch.cli import app

from .helpers import monitor, scenario
from .servers import free_port
from .test_delivery import attempts, states


class _RefusesOne:
    """Accepts every recipient but one, records what it accepts."""

    def __init__(self) -> None:
        self.accepted: list[list[str]] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: Any) -> str:
        if address == "finance@example.test":
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.accepted.append(list(envelope.rcpt_tos))
        return "250 OK"


def test_a_recipient_refused_while_others_accept_is_recorded_and_shown(tmp_path: Path) -> None:
    handler = _RefusesOne()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        mail = {"name": "mail", "kind": "email", "settings": {
            "host": "127.0.0.1", "port": controller.port, "security": "none", "sender": "bw@example.test",
            "to": ["ops@example.test", "finance@example.test"]}}
        root = scenario(3, alerts={"receivers": [mail]}).write(tmp_path / "ws")
        _, report = monitor(root)
        tested = CliRunner().invoke(app, ["alerts", "test", "-w", str(root), "--receiver", "mail"])
    finally:
        controller.stop()
    assert handler.accepted == [["ops@example.test"], ["ops@example.test"]]
    assert states(root) == [("mail", "delivered", 1)]  # delivered: sending it again would repeat it to ops@
    refused = "not accepted for finance@example.test (550 5.1.1 no such mailbox here)"
    assert [a[3:] for a in attempts(root)] == [("delivered", None, refused)]
    assert report.line() == f"alerts: 1 queued, 1 delivered (mail: {refused})"
    assert tested.exit_code == 5
    assert " ".join(tested.stderr.split()) == f"error: the test message to 'mail' was not delivered: {refused}"
