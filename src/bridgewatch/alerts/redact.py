"""Secrets never leave in words: every error text that is logged, stored or shown passes through a Redactor.

The secrets are the values of the environment variables receivers name (webhook URLs with their
tokens, HMAC keys, SMTP passwords). Each is replaced by ``***``, and so are the path and query of a
secret URL (an error may quote only part of it, or quote it percent-encoded).
"""

from __future__ import annotations

from collections.abc import Iterable
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
