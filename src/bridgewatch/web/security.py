"""Cookies, CSRF tokens and response headers: the parts of the dashboard that keep a browser safe.

* The session cookie holds a random token signed with the server's secret (``itsdangerous``); it is
  ``HttpOnly``, ``SameSite=Lax``, ``Secure`` when the request came over TLS, and scoped to ``/``.
* Every form that changes state carries a CSRF token: an HMAC of a random nonce the browser holds in
  its own signed ``HttpOnly``/``SameSite=Strict`` cookie. A request is accepted only when the token in
  the form matches the nonce in the cookie, so another site can neither read nor forge it.
* An error message shown on a page loses the secrets a URL in it can carry (:func:`redact`).
* Every response says what the page may load: the Content-Security-Policy allows scripts, styles and
  images from this server only (no inline script, no ``eval``), no framing, forms posting here only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "bw_session"
CSRF_COOKIE = "bw_csrf"
CSRF_FIELD = "csrf_token"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""Sent with every response."""
HSTS = "max-age=31536000"
"""``Strict-Transport-Security``, sent with every response to a browser that came over TLS (a year; no subdomains,
which may be other people's servers)."""


class Signer:
    """Signs and checks the dashboard's cookies with the server secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self._serializer = URLSafeTimedSerializer(secret, salt="bridgewatch-cookie")

    def sign(self, value: str) -> str:
        return self._serializer.dumps(value)

    def unsign(self, signed: str | None, max_age_s: int) -> str | None:
        """The value, or None when missing, tampered with or older than ``max_age_s``."""
        if not signed:
            return None
        try:
            value = self._serializer.loads(signed, max_age=max_age_s)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def csrf_token(self, nonce: str) -> str:
        """The token forms carry for the browser holding ``nonce``."""
        return hmac.new(self._secret, b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, nonce: str | None, token: str | None) -> bool:
        return bool(nonce and token) and hmac.compare_digest(self.csrf_token(nonce or ""), token or "")


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


_SECRET_PARAM = re.compile(r"(?i)([?&;]\s*[\w.-]*(?:pass|secret|token|api_?key)[\w.-]*=)"
                           r"[^&;\s'\"<>]+?(?=[:.,)]*(?:[&;\s'\"<>]|$))")
"""A query parameter named like a secret, its value up to the next parameter or space (punctuation that ends a
sentence, e.g. the colon after a URL in a message, stays)."""
_USERINFO = re.compile(r"(://[^:/@\s'\"<>]*:)[^@/\s'\"<>]+@")


def redact(text: str) -> str:
    """``text`` (an error message shown on a page) with the secrets a URL can carry hidden: a password in
    ``user:password@`` and the value of every query parameter named like a password, secret, token or API key
    (``?password=`` is how libpq takes a PostgreSQL password)."""
    return _USERINFO.sub(r"\1***@", _SECRET_PARAM.sub(r"\1***", text))
