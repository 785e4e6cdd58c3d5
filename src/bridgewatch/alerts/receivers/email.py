"""``kind = "email"``: one email per message over SMTP (STARTTLS, implicit TLS, or plain on a local relay),
plain text plus HTML.

``password_env`` names the variable holding the SMTP password; a password is never sent over a
connection without TLS except to a relay on this machine. ``ca_file`` trusts a private certificate
authority (an internal relay). The ``Message-ID`` is made from the idempotency key, so a retried
message is the same message to the mail system.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Literal

from pydantic import Field, model_validator

from bridgewatch.alerts import render
from bridgewatch.alerts.receivers.base import DeliveryFailed, Receiver, Settings
from bridgewatch.config import EnvName

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
Address = Field(pattern=r"^[^@\s<>]+@[^@\s<>]+$")


class EmailSettings(Settings):
    host: str = Field(min_length=1)
    port: int | None = Field(default=None, ge=1, le=65535)
    """Default: 587 for STARTTLS, 465 for TLS, 25 without."""
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password_env: EnvName | None = None
    ca_file: str | None = None
    sender: str = Address
    to: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _safe(self) -> EmailSettings:
        if self.security == "none" and self.password_env and self.host not in LOCAL_HOSTS:
            raise ValueError("a password would cross the network in clear text: use security = \"starttls\" or "
                             "\"tls\" (\"none\" is for a relay on this machine)")
        if (self.username is None) != (self.password_env is None):
            raise ValueError("give username and password_env together (or neither)")
        if any("@" not in a for a in self.to):
            raise ValueError("every address in `to` needs an @")
        return self

    @property
    def smtp_port(self) -> int:
        return self.port or {"starttls": 587, "tls": 465, "none": 25}[self.security]


class EmailReceiver(Receiver):
    kind = "email"
    settings_model = EmailSettings

    def email(self, message: dict[str, Any]) -> EmailMessage:
        out = EmailMessage()
        out["Subject"] = render.title(message)
        out["From"] = self.settings.sender
        out["To"] = ", ".join(self.settings.to)
        out["Date"] = formatdate(usegmt=True)
        out["Message-ID"] = f"<{message['idempotency_key']}@bridgewatch>"
        out["X-Bridgewatch-Dedup-Key"] = message["dedup_key"]
        out.set_content(render.text(message))
        out.add_alternative(render.html(message), subtype="html")
        return out

    def send(self, message: dict[str, Any], timeout: float) -> int | None:
        settings = self.settings
        self.partly = None
        password = self.secret("password_env") if settings.password_env else None
        try:
            with self._connect(timeout) as smtp:
                if settings.security == "starttls":
                    smtp.starttls(context=self._tls())
                if password is not None:
                    _login(smtp, settings, password)
                refused = smtp.send_message(self.email(message))
        except smtplib.SMTPResponseException as exc:
            raise _refused(exc.smtp_code, exc.smtp_error) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryFailed(f"every recipient was refused ({', '.join(map(str, codes))})",
                                 retryable=all(400 <= c < 500 for c in codes)) from None
        except ssl.SSLError as exc:
            raise DeliveryFailed(f"TLS failed: {exc.reason or exc}", retryable=False) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP {settings.host}:{settings.smtp_port}: {type(exc).__name__}: {exc}") from None
        if refused:  # accepted for the other recipients: recorded, not sent again (they would get it twice)
            self.partly = "; ".join(f"not accepted for {address} ({code} {_words(text)})"
                                    for address, (code, text) in sorted(refused.items()))
        return None

    def _connect(self, timeout: float) -> smtplib.SMTP:
        s = self.settings
        if s.security == "tls":
            return smtplib.SMTP_SSL(s.host, s.smtp_port, timeout=timeout, context=self._tls())
        return smtplib.SMTP(s.host, s.smtp_port, timeout=timeout)

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.ca_file)


def _login(smtp: smtplib.SMTP, settings: EmailSettings, password: str) -> None:
    try:
        smtp.login(settings.username or "", password)
    except UnicodeError:  # SMTP AUTH sends ASCII only; the exception would quote the password
        raise DeliveryFailed(f"SMTP {settings.host}:{settings.smtp_port}: the username or password (environment "
                             f"variable {settings.password_env}) has characters other than ASCII, which SMTP AUTH "
                             f"cannot send; use an ASCII password", retryable=False) from None


def _words(error: bytes | str) -> str:
    text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
    return " ".join(text.split())


def _refused(code: int, error: bytes | str) -> DeliveryFailed:
    return DeliveryFailed(f"SMTP {code}: {_words(error)}", retryable=400 <= code < 500)
