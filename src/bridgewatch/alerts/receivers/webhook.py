"""``kind = "webhook"``: the message itself, POSTed as JSON, signed when a secret is set.

Headers: ``Idempotency-Key`` (the same on every retry: receivers deduplicate on it),
``X-Bridgewatch-Event`` (``<status>/<event>``) and, when ``secret_env`` names a key,
``X-Bridgewatch-Timestamp`` (Unix seconds) and ``X-Bridgewatch-Signature``:
``sha256=`` + hex HMAC-SHA256 of ``<timestamp>.<body>`` with the key. A receiver recomputes it over the raw
body and rejects a mismatch or an old timestamp (docs/alerts.md shows how).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

from pydantic import Field, model_validator

from bridgewatch.alerts.receivers.base import HttpReceiver, Settings
from bridgewatch.config import EnvName

SIGNATURE_HEADER = "X-Bridgewatch-Signature"
TIMESTAMP_HEADER = "X-Bridgewatch-Timestamp"


class WebhookSettings(Settings):
    url: str | None = Field(default=None, pattern=r"^https?://")
    """The endpoint, when its address is not a secret."""
    url_env: EnvName | None = None
    """Environment variable holding the endpoint (when the URL carries a token)."""
    secret_env: EnvName | None = None
    """Environment variable holding the HMAC-SHA256 key; without it messages are not signed."""

    @model_validator(mode="after")
    def _one_url(self) -> WebhookSettings:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url (a plain address) or url_env (a variable holding it)")
        return self


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


class WebhookReceiver(HttpReceiver):
    kind = "webhook"
    settings_model = WebhookSettings

    def url(self) -> str:
        return str(self.settings.url) if self.settings.url else self.secret("url_env")

    def payload(self, message: dict[str, Any]) -> dict[str, Any]:
        return message

    def headers(self, message: dict[str, Any], body: bytes) -> dict[str, str]:
        out = super().headers(message, body) | {"X-Bridgewatch-Event": f"{message['status']}/{message['event']}"}
        if self.settings.secret_env:
            stamp = str(int(time.time()))
            out |= {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(self.secret("secret_env"), stamp, body)}
        return out
