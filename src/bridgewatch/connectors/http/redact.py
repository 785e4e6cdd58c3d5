"""Secret redaction for everything a pull writes: logs, error messages, saved pages.

A :class:`Redactor` knows every secret value of a pull (configured credentials and the tokens and
session ids obtained while pulling) and replaces each occurrence with ``***``; URLs additionally
lose the values of query parameters whose names look like credentials (a Shopify bulk download URL
carries a signature). :func:`redacting_logs` masks log records of every library while a pull runs.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit
from xml.sax.saxutils import escape as xml_escape

from bridgewatch.connectors.secrets import Secret

MASK = "***"
SENSITIVE_PARAM = re.compile(r"token|secret|password|passwd|signature|^sig$|key|session|code|credential", re.I)
MIN_SECRET = 4
"""Shorter values are not masked (masking every 'a' would make logs unreadable and protects nothing)."""
MIN_IN_RECORDS = 8
"""Shorter values are not masked inside pulled records: a 6-letter password would also cut customer names that
hold it (``Harbou`` in ``Harbour Tools``), changing what the cards match."""


def escaped_forms(value: str) -> set[str]:
    """``value`` as text, and as it appears escaped: in XML (Intacct's request body), JSON (a saved or echoed body),
    a ``repr`` (an exception or a debug log: ``Illegal header value b'...'``) and a URL or form (percent-encoded)."""
    return {value, xml_escape(value), xml_escape(value, {'"': "&quot;", "'": "&apos;"}),
            json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1], repr(value)[1:-1],
            repr(value.encode("utf-8", "surrogatepass"))[2:-1], quote(value, safe=""), quote_plus(value, safe="")}


class Redactor:
    """Masks known secret values and credential-looking URL parameters."""

    def __init__(self, secrets: Iterable[Secret | str] = ()) -> None:
        self._values: set[str] = set()
        for s in secrets:
            self.add(s)

    def add(self, secret: Secret | str) -> None:
        """Learn one more value to mask (e.g. an access token just obtained), in every form it may be shown in."""
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if len(value) >= MIN_SECRET:
            self._values |= {v for v in escaped_forms(value) if len(v) >= MIN_SECRET}

    def text(self, text: str) -> str:
        """``text`` with every known secret value replaced by ``***`` (longest first)."""
        return self._text(text, MIN_SECRET)

    def _text(self, text: str, shortest: int) -> str:
        for value in sorted(self._values, key=len, reverse=True):
            if len(value) >= shortest and value in text:
                text = text.replace(value, MASK)
        return text

    def found(self, text: str) -> bool:
        """True when ``text`` holds a known secret value (in any of its forms) long enough to mask in records."""
        return any(value in text for value in self._values if len(value) >= MIN_IN_RECORDS)

    def scrub(self, value: Any) -> Any:
        """``value`` (a record: dicts, lists, strings...) with every known secret of :data:`MIN_IN_RECORDS` or more
        characters masked in its strings and keys; numbers and the structure are left as they are, so the record
        stays one its reader reads."""
        if isinstance(value, str):
            return self._text(value, MIN_IN_RECORDS)
        if isinstance(value, dict):
            return {self._text(k, MIN_IN_RECORDS) if isinstance(k, str) else k: self.scrub(v)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        return value

    def url(self, url: str) -> str:
        """A URL safe to log: user info dropped, credential-like query values masked."""
        parts = urlsplit(url)
        query = [(k, MASK if SENSITIVE_PARAM.search(k) else v) for k, v in parse_qsl(parts.query, True)]
        netloc = parts.netloc.rsplit("@", 1)[-1]
        return self.text(urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="$:,'@()*/"), "")))


def masked_url(url: str) -> str:
    """``url`` with its password and credential-like query values masked, its user kept (it may choose what is
    read): ``https://user:***@host/path?key=***``, for what is kept about a pull (its settings in ``.pull.json``)."""
    parts = urlsplit(url)
    user, at, host = parts.netloc.rpartition("@")
    login = f"{user.split(':', 1)[0]}{':' + MASK if ':' in user else ''}{at}" if at else ""
    query = [(k, MASK if SENSITIVE_PARAM.search(k) else v) for k, v in parse_qsl(parts.query, True)]
    return urlunsplit((parts.scheme, login + host, parts.path, urlencode(query, safe="$:,'@()*/"), parts.fragment))


class _Filter(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redactor.text(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


@contextmanager
def redacting_logs(redactor: Redactor) -> Iterator[None]:
    """Mask secrets in every record reaching the root logger's handlers while the block runs."""
    handlers = list(logging.getLogger().handlers)
    flt = _Filter(redactor)
    for h in handlers:
        h.addFilter(flt)
    try:
        yield
    finally:
        for h in handlers:
            h.removeFilter(flt)
