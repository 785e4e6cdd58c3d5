"""`bridgewatch alerts test` reports every failure as an error message with the secrets masked (exit 5): a URL that
is not one, a password SMTP cannot send, a receiver that quotes a signature back; never an internal error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from bridgewatch.cli import app

from .helpers import scenario
from .servers import Reply, SmtpServer, WebhookServer


def _test(tmp_path: Path, receiver: dict[str, Any], env: dict[str, str]) -> Any:
    root = scenario(3, alerts={"receivers": [receiver]}).write(tmp_path / "ws")
    return CliRunner().invoke(app, ["alerts", "test", "-w", str(root), "--receiver", receiver["name"]], env=env)


def _line(result: Any) -> str:
    return " ".join(result.stderr.split())


def test_a_url_that_is_not_one_is_an_error_with_its_secret_masked(tmp_path: Path) -> None:
    env = {"BW_HOOK_URL": "http://bw:S3cretT0ken@127.0.0.1:80x/hooks/Sekr1tPath"}
    done = _test(tmp_path, {"name": "hook", "kind": "webhook", "settings": {"url_env": "BW_HOOK_URL"}}, env)
    assert done.exception is None or isinstance(done.exception, SystemExit)
    assert done.exit_code == 5
    assert _line(done) == ("error: the test message to 'hook' was not delivered: the receiver's URL (environment "
                           "variable BW_HOOK_URL) is not a valid URL: Invalid port: '80x'; correct the variable")


def test_a_signature_quoted_back_alone_is_masked(tmp_path: Path) -> None:
    with WebhookServer() as teams:
        teams.default = Reply(401, body="the sig TeamsSig123456 is not valid for sp /triggers/manual/run")
        env = {"BW_TEAMS_URL": f"{teams.url}/workflows/abc?sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=TeamsSig123456"}
        done = _test(tmp_path, {"name": "teams", "kind": "teams", "settings": {"url_env": "BW_TEAMS_URL"}}, env)
    assert done.exit_code == 5
    assert _line(done) == ("error: the test message to 'teams' was not delivered: HTTP 401 Unauthorized: the sig "
                           "*** is not valid for sp /triggers/manual/run")


def test_an_smtp_password_smtp_cannot_send_is_an_error_without_it(tmp_path: Path) -> None:
    from aiosmtpd.smtp import AuthResult

    with SmtpServer(authenticator=lambda *a: AuthResult(success=True), auth_require_tls=False) as smtp:
        receiver = {"name": "mail", "kind": "email", "settings": {
            "host": "127.0.0.1", "port": smtp.port, "security": "none", "username": "bw",
            "password_env": "BW_SMTP_PASSWORD", "sender": "bw@example.test", "to": ["ops@example.test"]}}
        done, port = _test(tmp_path, receiver, {"BW_SMTP_PASSWORD": "pässwörd-S3cret"}), smtp.port
    assert done.exit_code == 5, done.exception
    assert "S3cret" not in done.stderr and "S3cret" not in done.stdout
    assert _line(done) == (f"error: the test message to 'mail' was not delivered: SMTP 127.0.0.1:{port}: the "
                           "username or password (environment variable BW_SMTP_PASSWORD) has characters other than "
                           "ASCII, which SMTP AUTH cannot send; use an ASCII password")
