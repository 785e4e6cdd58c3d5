"""What every receiver kind has: settings validated from ``[[alerts.receivers]]``, secrets read from the
environment by name, and ``send(message, timeout)`` that delivers one message or raises :class:`DeliveryFailed`.

A new kind is one module with a :class:`Receiver` subclass naming its ``kind``; it registers itself.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, model_validator

from bridgewatch.config import AlertReceiver, EnvName
from bridgewatch.connectors.http.retry import retry_after

RECEIVERS: dict[str, type[Receiver]] = {}
"""Receiver classes by ``kind``."""
RETRYABLE_STATUS = (408, 425, 429)
"""HTTP statuses worth retrying besides 5xx (timeouts, too early, rate limited)."""
BODY_SHOWN = 200
"""Characters of a refusing receiver's response body kept in the error text."""


class DeliveryFailed(Exception):
    """One attempt failed; ``retryable`` says whether trying again soon may succeed."""

    def __init__(self, error: str, *, status: int | None = None, retry_after: float | None = None,
                 retryable: bool = True) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.retry_after = retry_after
        self.retryable = retryable


class Settings(BaseModel):
    """Base of each kind's settings: unknown keys are errors (a typo never silently falls back)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class SecretUrlSettings(Settings):
    """Settings of a receiver whose URL carries its credential: only the variable holding it is configured."""

    url_env: EnvName
    url_name: ClassVar[str] = "webhook URL"

    @model_validator(mode="before")
    @classmethod
    def _no_literal_url(cls, data: Any) -> Any:
        if isinstance(data, dict) and "url" in data:
            raise ValueError(f"the {cls.url_name} is a secret: put it in an environment variable and name that "
                             f"variable in url_env")
        return data


class Receiver(ABC):
    """A configured receiver, ready to send."""

    kind: ClassVar[str]
    settings_model: ClassVar[type[Settings]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            RECEIVERS[cls.kind] = cls

    def __init__(self, spec: AlertReceiver, environ: Mapping[str, str], client: httpx.Client | None = None) -> None:
        self.spec = spec
        self.settings: Any = self.settings_model.model_validate(spec.settings)
        self.environ = environ
        self.client = client
        self.partly: str | None = None
        """Set by ``send`` when the message was accepted but not for everyone (an email refused for one of its
        recipients): what was refused. Sending it again would repeat it to the others, so it counts as delivered."""

    @property
    def name(self) -> str:
        return self.spec.name

    def secret(self, field: str) -> str:
        """The value of the environment variable named by setting ``field``.

        Raises:
            DeliveryFailed: the variable is not set (not retryable until it is).
        """
        name = getattr(self.settings, field)
        value = self.environ.get(name)
        if not value:
            raise DeliveryFailed(f"environment variable {name} (named by settings.{field} of receiver "
                                 f"'{self.name}') is not set; export it where bridgewatch runs", retryable=False)
        return value

    def secrets(self) -> list[str]:
        """Every secret this receiver reads (for redaction)."""
        names = [getattr(self.settings, f) for f in type(self.settings).model_fields if f.endswith("_env")]
        return [self.environ[n] for n in names if n and self.environ.get(n)]

    @abstractmethod
    def send(self, message: dict[str, Any], timeout: float) -> int | None:
        """Deliver ``message``; returns the HTTP status (None for SMTP).

        Raises:
            DeliveryFailed: the attempt failed.
        """


class HttpReceiver(Receiver):
    """A receiver that POSTs one JSON body per message."""

    @abstractmethod
    def url(self) -> str: ...

    @abstractmethod
    def payload(self, message: dict[str, Any]) -> dict[str, Any]: ...

    def url_source(self) -> str:
        """Where the URL is configured, for error messages (never the URL itself: it may carry a token)."""
        name = getattr(self.settings, "url_env", None)
        return f"environment variable {name}" if name else f"settings.url of receiver '{self.name}'"

    def headers(self, message: dict[str, Any], body: bytes) -> dict[str, str]:
        return {"Content-Type": "application/json; charset=utf-8", "User-Agent": user_agent(),
                "Idempotency-Key": message["idempotency_key"]}

    def send(self, message: dict[str, Any], timeout: float) -> int | None:
        body = json.dumps(self.payload(message), ensure_ascii=False, separators=(",", ":")).encode()
        client = self.client or httpx.Client()
        try:
            response = client.post(self.url(), content=body, headers=self.headers(message, body), timeout=timeout)
        except httpx.TimeoutException:
            raise DeliveryFailed(f"no answer within {timeout:.1f} s (timed out)") from None
        except (httpx.InvalidURL, UnicodeError) as exc:  # e.g. a bad port, a host name IDNA cannot encode
            raise DeliveryFailed(f"the receiver's URL ({self.url_source()}) is not a valid URL: {exc}; correct "
                                 f"{'the variable' if self.url_source().startswith('environment') else 'it'}",
                                 retryable=False) from None
        except httpx.TransportError as exc:
            raise DeliveryFailed(f"could not connect: {type(exc).__name__}: {exc}") from None
        finally:
            if self.client is None:
                client.close()
        return check(response)


def check(response: httpx.Response) -> int:
    """The status of a 2xx response; otherwise :class:`DeliveryFailed` saying whether to retry and when."""
    status = response.status_code
    if 200 <= status < 300:
        return status
    shown = " ".join(response.text[:BODY_SHOWN].split())
    raise DeliveryFailed(f"HTTP {status} {response.reason_phrase}" + (f": {shown}" if shown else ""),
                         status=status, retry_after=retry_after(response.headers),
                         retryable=status in RETRYABLE_STATUS or status >= 500)


def user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"bridgewatch/{version('bridgewatch')}"
    except PackageNotFoundError:
        return "bridgewatch"
