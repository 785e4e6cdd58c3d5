"""Secrets never leave in words: every error text that is logged, stored or shown passes through a Redactor.

The secrets are the values of the environment variables receivers name (webhook URLs with their
tokens, HMAC keys, SMTP passwords). Each is replaced by ``***``, and so are the path and query of a
secret URL (an error may quote only part of it, or quote it percent-encoded).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from urllib.parse import quote, urlsplit

HIDDEN = "***"
MIN_SECRET = 4
"""Shorter values are not treated as secrets (they would blank out ordinary words)."""


class Redactor:
    """Replaces every known secret (and the revealing parts of secret URLs) in a text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        variants: set[str] = set()
        for secret in secrets:
            variants |= _variants(secret)
        self._variants = sorted((v for v in variants if len(v) >= MIN_SECRET), key=len, reverse=True)

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        for variant in self._variants:
            text = text.replace(variant, HIDDEN)
        return text

    def add(self, secrets: Iterable[str]) -> Redactor:
        return Redactor([*self._variants, *secrets])


def _variants(secret: str) -> set[str]:
    out = {secret, quote(secret, safe="")}
    if "://" in secret:
        parts = urlsplit(secret)
        out |= {p for p in (parts.path, parts.query, parts.path.lstrip("/")) if p and p != "/"}
        if parts.password:
            out.add(parts.password)
    return out


TRANSPORT_LOGGERS = ("httpx", "httpcore")
"""Loggers of the HTTP stack: their records name request URLs, which may carry a token."""


class _Filter(logging.Filter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.redact(record.getMessage()), ()
        return True


@contextmanager
def redacting_logs(redact: Redactor) -> Iterator[None]:
    """While inside, records of the HTTP stack pass through ``redact``; httpcore's debug records (connection
    details) are not emitted at all."""
    noisy = logging.getLogger("httpcore")
    level, noisy.level = noisy.level, max(noisy.level, logging.INFO)
    loggers = [logging.getLogger(n) for n in TRANSPORT_LOGGERS]
    found = _Filter(redact)
    for logger in loggers:
        logger.addFilter(found)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(found)
        noisy.setLevel(level)
