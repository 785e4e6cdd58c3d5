"""The Jinja2 environment: autoescaping on for every template, undefined names an error, locale-aware filters.

Every value from the data reaches a page through ``{{ ... }}`` and is escaped there, having lost its
control characters and bidirectional controls (``finalize``); no template marks data ``|safe``.
Filters that format numbers, money and dates read the page's ``locale``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.templating import Jinja2Templates

from bridgewatch.report.safe import page_text
from bridgewatch.report.words import DEFAULT_LOCALE, old_rate_words
from bridgewatch.web import formats
from bridgewatch.web.security import redact

TEMPLATES = Path(__file__).parent / "templates"
LOCALE_AWARE = ("money", "number", "when", "stored_money")


def _localised(fn: Callable[..., str]) -> Callable[..., str]:
    @pass_context
    def apply(ctx: Context, value: Any, *args: Any, locale: str | None = None) -> str:
        return fn(value, *args, locale=locale or ctx.get("locale") or DEFAULT_LOCALE)

    return apply


@pass_context
def _evidence(ctx: Context, name: str, value: Any, row: Any) -> str:
    return formats.evidence_value(name, value, row, locale=ctx.get("locale") or DEFAULT_LOCALE)


def query(base: dict[str, Any] | None = None, **changes: Any) -> str:
    """A query string from ``base`` with ``changes`` (None or empty values dropped), for links."""
    merged = {**(base or {}), **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "", False)})


def _finalize(value: Any) -> Any:
    """Every printed value: text from the data loses control characters and bidirectional controls (our own markup
    is left alone)."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return page_text(value)
    return value


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True, finalize=_finalize)
    for name, fn in formats.FILTERS.items():
        env.filters[name] = _localised(fn) if name in LOCALE_AWARE else fn
    env.filters["redact"] = redact
    env.globals.update(formats.WORDS, evidence=_evidence, query=query, page_kind=None,
                       cause_words=formats.cause_words, card_name=formats.card_name, old_rate_words=old_rate_words,
                       quote=lambda value: quote(str(value), safe=""))
    return env


def templates() -> Jinja2Templates:
    return Jinja2Templates(env=environment())
