"""Email over real TLS: STARTTLS and implicit TLS to a local aiosmtpd with a certificate made for the test
(trusted through ``ca_file``), with SMTP authentication; and a certificate that is not trusted is refused."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from bridgewatch.alerts.status import send_test
from bridgewatch.config import parse_config

from .helpers import scenario
from .servers import SmtpServer, parts

PASSWORD = "smtp-secret-for-tls-test"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (needed to make the test certificate)")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True)
    return cert, key


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


def check_password(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and data.login == b"bw" and data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def mail_config(port: int, security: str, ca_file: Path | None) -> Any:
    settings = {"host": "127.0.0.1", "port": port, "security": security, "username": "bw",
                "password_env": "BW_SMTP_PASSWORD", "sender": "bridgewatch@example.test", "to": ["ops@example.test"]}
    if ca_file is not None:
        settings["ca_file"] = str(ca_file)
    return parse_config(scenario(1, alerts={"receivers": [{"name": "mail", "kind": "email", "settings": settings}]})
                        .config)


def test_starttls_with_authentication(certificate: tuple[Path, Path]) -> None:
    with SmtpServer(tls_context=server_context(certificate), require_starttls=True, authenticator=check_password,
                    auth_required=True) as smtp:
        failed = send_test(mail_config(smtp.port, "starttls", certificate[0]), "mail",
                           environ={"BW_SMTP_PASSWORD": PASSWORD})
        assert failed is None and len(smtp.messages) == 1
        text, html = parts(smtp.messages[0])
    assert smtp.messages[0]["Subject"] == "[TEST] UK Trade · Test message: 0 (alert line 2)"
    assert "A test message from bridgewatch for receiver 'mail': delivery works." in text and "<h2>" in html


def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    with SmtpServer(ssl_context=server_context(certificate), authenticator=check_password,
                    auth_require_tls=False) as smtp:
        assert send_test(mail_config(smtp.port, "tls", certificate[0]), "mail",
                         environ={"BW_SMTP_PASSWORD": PASSWORD}) is None
        assert len(smtp.messages) == 1


def test_an_untrusted_certificate_is_refused_and_not_retried(certificate: tuple[Path, Path]) -> None:
    with SmtpServer(tls_context=server_context(certificate), require_starttls=True) as smtp:
        failed = send_test(mail_config(smtp.port, "starttls", None), "mail", environ={"BW_SMTP_PASSWORD": PASSWORD})
    assert failed is not None and failed.startswith("TLS failed: CERTIFICATE_VERIFY_FAILED") and not smtp.messages
    assert PASSWORD not in failed
