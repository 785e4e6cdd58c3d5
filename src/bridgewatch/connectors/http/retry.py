"""Retries with backoff for idempotent reads, honouring the vendor's own wait hints (tenacity).

A request that may be repeated safely raises :class:`Retry` (with the wait the vendor asked for,
if any: ``Retry-After`` in seconds or as an HTTP date, BigCommerce's reset window, Shopify's cost
refill); :class:`RetryPolicy` turns that into a ``tenacity.Retrying`` whose wait is the hint, or
exponential backoff when there is none. Non-idempotent calls never raise :class:`Retry`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import tenacity

THROTTLED, SERVER, TIMEOUT, NETWORK = "throttled", "server", "timeout", "network"


class Retry(Exception):
    """The request failed in a way that repeating it may fix."""

    def __init__(self, kind: str, reason: str, wait: float | None = None, status: int | None = None) -> None:
        super().__init__(reason)
        self.kind = kind
        """throttled, server, timeout or network."""
        self.reason = reason
        self.wait = wait
        """Seconds the vendor asked us to wait, when it said."""
        self.status = status


def retry_after(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: a number, or an HTTP date (RFC 9110 §10.2.3)."""
    value = headers.get("retry-after") or headers.get("x-retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:  # nan or inf is no wait anyone can sleep: the backoff applies
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry one request."""

    max_attempts: int = 5
    backoff: float = 1.0
    """First exponential wait in seconds (doubling: 1, 2, 4, ...)."""
    max_backoff: float = 60.0
    max_wait: float = 300.0
    """A vendor-requested wait longer than this fails the pull instead of sleeping."""

    def retrying(self, sleep: Callable[[float], None],
                 on_wait: Callable[[float, Retry], None]) -> tenacity.Retrying:
        """A tenacity loop that retries :class:`Retry` only, sleeping with ``sleep``."""
        backoff = tenacity.wait_exponential(multiplier=self.backoff, max=self.max_backoff)

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            hint = exc.wait if isinstance(exc, Retry) else None
            return hint if hint is not None else float(backoff(state))

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, Retry) and state.next_action is not None:
                on_wait(state.next_action.sleep, exc)

        return tenacity.Retrying(stop=tenacity.stop_after_attempt(self.max_attempts), wait=wait,
                                 retry=tenacity.retry_if_exception_type(Retry), sleep=sleep,
                                 before_sleep=before_sleep, reraise=True)
