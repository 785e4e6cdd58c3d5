"""Secrets never leave in words: every error text that is logged, stored or shown passes through a Redactor.

The secrets are the values of the environment variables receivers name (webhook URLs with their
tokens, HMAC keys, SMTP passwords). The Redactor is the connectors' one (one redactor for pulls and
alerts); it is taught each value, its percent-encoded form and, for a secret URL, its path, query and
password (as written and percent-decoded) and the value of each credential-like query parameter (``sig``,
``token``, ...), since an error may quote only part of a URL, or quote it percent-encoded.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from bridgewatch.connectors.http.redact import SENSITIVE_PARAM, Redactor, redacting_logs

__all__ = ["Redactor", "redacting_logs", "redactor"]


def redactor(secrets: Iterable[str]) -> Redactor:
    """A Redactor masking ``secrets`` in every form an error may quote them."""
    return Redactor(v for secret in secrets for v in _variants(secret))


def _variants(secret: str) -> set[str]:
    out = {secret, quote(secret, safe="")}
    if "://" in secret:
        parts = urlsplit(secret)
        out |= {p for p in (parts.path, parts.query, parts.path.lstrip("/")) if p and p != "/"}
        out |= {unquote(p) for p in (parts.path, parts.query) if p and p != "/"}
        if parts.password:
            out |= {parts.password, unquote(parts.password)}
        # a credential in a query parameter (Teams' sig, a token) may be quoted back on its own
        out |= {v for k, v in parse_qsl(parts.query, keep_blank_values=False) if SENSITIVE_PARAM.search(k)}
    return out
