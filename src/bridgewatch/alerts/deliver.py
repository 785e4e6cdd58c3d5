"""Delivery: every due notification to its receiver, reliably, within a bounded time, every attempt recorded.

* Each receiver is served by its own thread, in the order its messages were queued; when one of its
  messages cannot be delivered for now (the receiver is down, the budget is spent), its later ones
  wait too (order is kept) and all of them go out on the next cycle. Other receivers are not held up.
* An attempt that fails with a timeout, a connection error, HTTP 408/425/429/5xx or an SMTP 4xx is
  retried (tenacity) with exponential backoff, or after the receiver's ``Retry-After``, up to
  ``attempts`` times, but never past the delivery ``budget``: a receiver that is down never slows a
  run by more than the budget. Other refusals (HTTP 4xx, SMTP 5xx, a missing secret) are not retried
  now and do not hold up the receiver's messages about other alerts (those about the same alert wait behind
  it, so they never arrive before it); the refused message is tried again next cycle and, refused
  ``refusals`` times, marked ``failed`` with the reason (then the later ones go out).
* Every attempt is a row of ``delivery_attempts`` (outcome, status, error text with secrets removed).
* Notifications are claimed before sending, under the workspace's lock in the store, so two processes
  never send the same one at once; a receiver may still see one twice (at-least-once), with the same
  ``Idempotency-Key``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential
from tenacity.stop import stop_base

from bridgewatch.alerts import journal
from bridgewatch.alerts.digest import make_digests
from bridgewatch.alerts.journal import Pending
from bridgewatch.alerts.receivers import DeliveryFailed, Receiver, build
from bridgewatch.alerts.redact import Redactor, redacting_logs, redactor
from bridgewatch.alerts.schedule import quiet_until
from bridgewatch.config import DeliverySettings, WorkspaceConfig
from bridgewatch.history import Store
from bridgewatch.history.database import guarded, writing

log = logging.getLogger("bridgewatch.alerts")
LEASE_EXTRA = timedelta(minutes=5)
"""How much longer than the budget a claim lasts (a process that dies leaves its claim to expire)."""
MIN_TIMEOUT = 0.05


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    delivered: list[int] = field(default_factory=list)
    waiting: dict[str, int] = field(default_factory=dict)
    """Receiver → notifications left pending (to go out on the next cycle)."""
    errors: dict[str, str] = field(default_factory=dict)
    """Receiver → the last error (secrets removed)."""
    failed: dict[int, str] = field(default_factory=dict)
    """Notification → why it was given up (refused ``refusals`` times; never tried again)."""
    partly: dict[str, str] = field(default_factory=dict)
    """Receiver → what it did not accept of messages it took (an email refused for one of its recipients)."""
    seconds: float = 0.0


@dataclass
class _Served:
    """What serving one receiver did."""

    done: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    error: str | None = None
    partly: str | None = None


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def deliver(store: Store, config: WorkspaceConfig, *, environ: Mapping[str, str], now: datetime | None = None,
            client: httpx.Client | None = None) -> DeliveryReport:
    """Deliver the workspace's due notifications (making due digests first)."""
    started, now = time.monotonic(), now or utcnow()
    policy = config.alerts.delivery
    make_digests(store, config, now)
    with guarded(store.url, "claim notifications"), writing(store.engine) as conn:
        claimed = journal.claim(conn, config.id, now, policy.budget + LEASE_EXTRA)
    groups = _by_receiver(store, config, claimed, now)
    specs = {r.name: r for r in config.alerts.receivers}
    with httpx.Client() if client is None else _borrowed(client) as http:
        receivers = {name: build(specs[name], environ, http) for name in groups}
        redact = redactor(s for r in receivers.values() for s in r.secrets())
        with redacting_logs(redact):
            report = _run(store, config.id, receivers, groups, policy, redact,
                          started + policy.budget.total_seconds())
    report.seconds = time.monotonic() - started
    return report


class _borrowed:
    """A caller's client, used without closing it."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def __enter__(self) -> httpx.Client:
        return self.client

    def __exit__(self, *exc: object) -> None:
        return None


def _by_receiver(store: Store, config: WorkspaceConfig, claimed: list[Pending], now: datetime
                 ) -> dict[str, list[Pending]]:
    """The claimed notifications per receiver; those of removed receivers are cancelled, and those of a receiver
    in its quiet hours (a message made before they began that could not be delivered then) wait for their end."""
    specs = {r.name: r for r in config.alerts.receivers}
    groups: dict[str, list[Pending]] = {}
    for item in claimed:
        groups.setdefault(item.receiver, []).append(item)
    gone = [i.id for name, items in groups.items() if name not in specs for i in items]
    quiet = {name: until for name in groups if name in specs and (until := quiet_until(specs[name], now))}
    if gone or quiet:
        with guarded(store.url, "cancel or defer notifications"), writing(store.engine) as conn:
            journal.cancel(conn, gone, "its receiver is no longer in [alerts] receivers")
            for name, until in quiet.items():
                journal.defer(conn, [i.id for i in groups[name]], until)
    return {name: items for name, items in groups.items() if name in specs and name not in quiet}


def _run(store: Store, workspace_id: str, receivers: dict[str, Receiver], groups: dict[str, list[Pending]],
         policy: DeliverySettings, redact: Redactor, deadline: float) -> DeliveryReport:
    report = DeliveryReport()
    if not groups:
        return report
    with ThreadPoolExecutor(max_workers=len(groups), thread_name_prefix="bw-deliver") as pool:
        futures = {name: pool.submit(_serve, store, workspace_id, receivers[name], items, policy, redact, deadline)
                   for name, items in groups.items()}
        results = {name: f.result() for name, f in futures.items()}
    for name, served in results.items():
        report.delivered += served.done
        report.failed |= served.failed
        if served.partly:
            report.partly[name] = served.partly
        left = [i.id for i in groups[name] if i.id not in served.done and i.id not in served.failed]
        error = served.error
        if left:
            report.waiting[name], report.errors[name] = len(left), error or "out of time"
            log.warning("alerts: receiver '%s': %d message(s) not delivered (%s); they go out on the next cycle",
                        name, len(left), error or "out of time")
    with guarded(store.url, "release notifications"), writing(store.engine) as conn:
        journal.release(conn, [i.id for items in groups.values() for i in items if i.id not in report.delivered])
    return report


def _serve(store: Store, workspace_id: str, receiver: Receiver, items: list[Pending], policy: DeliverySettings,
           redact: Redactor, deadline: float) -> _Served:
    """Deliver ``items`` in order. A failure for now (down, out of time) stops it: the rest wait, in order. A
    refusal does not: the refused message waits for the next cycle, or is marked failed once refused enough; while
    it waits, the later messages about the same alert wait behind it (a ``resolved`` never arrives before the
    ``firing`` it ends), those about other alerts go on."""
    served = _Served()
    refused: set[str] = set()
    """Alerts with a message refused this cycle: their later messages wait behind it (never overtake it)."""
    for item in items:
        if time.monotonic() >= deadline:
            served.error = "the delivery budget was spent"
            return served
        if item.dedup_key in refused:
            continue
        failure = _send(store, workspace_id, receiver, item, policy, redact, deadline)
        if failure is None:
            served.done.append(item.id)
            log.info("alerts: delivered %s to '%s'", item.dedup_key, receiver.name)
            if receiver.partly:
                served.partly = redact.text(receiver.partly)
                log.warning("alerts: receiver '%s' took %s but %s", receiver.name, item.dedup_key, served.partly)
            continue
        served.error = failure.error
        if failure.retryable:
            return served
        with guarded(store.url, "record a refusal"), writing(store.engine) as conn:
            reason = journal.refused(conn, item, failure.error, policy.refusals)
        if reason is not None:
            served.failed[item.id] = reason
            log.warning("alerts: receiver '%s' refused %s for good (%s)", receiver.name, item.dedup_key, reason)
        else:
            refused.add(item.dedup_key)
    return served


def _send(store: Store, workspace_id: str, receiver: Receiver, item: Pending, policy: DeliverySettings,
          redact: Redactor, deadline: float) -> DeliveryFailed | None:
    """One message, with retries; returns None when delivered, else the last failure (its text redacted)."""
    attempt = [item.attempts]
    record = _recorder(store, workspace_id, item, attempt)

    def once() -> None:
        attempt[0] += 1
        timeout = max(MIN_TIMEOUT, min(policy.timeout.total_seconds(), deadline - time.monotonic()))
        started, clock = utcnow(), time.monotonic()
        try:
            status = receiver.send(item.message, timeout)
        except DeliveryFailed as exc:
            record(started, clock, "retry" if exc.retryable else "failed", exc.status, redact.text(exc.error))
            raise
        except Exception as exc:  # noqa: BLE001 - a receiver bug must not stop the run; recorded as a refusal
            record(started, clock, "failed", None, redact.text(f"{type(exc).__name__}: {exc}"))
            raise DeliveryFailed(f"{type(exc).__name__}", retryable=False) from None
        record(started, clock, "delivered", status, redact.text(receiver.partly) if receiver.partly else None)

    try:
        _retrying(policy, deadline)(once)
    except DeliveryFailed as exc:
        return DeliveryFailed(redact.text(exc.error), status=exc.status, retryable=exc.retryable)
    return None


def _recorder(store: Store, workspace_id: str, item: Pending, attempt: list[int]) -> Callable[..., None]:
    def record(started: datetime, clock: float, outcome: str, status: int | None, error: str | None) -> None:
        with guarded(store.url, "record a delivery attempt"), writing(store.engine) as conn:
            journal.record_attempt(conn, item, workspace_id, attempt=attempt[0], started_at=started,
                                   duration_ms=int((time.monotonic() - clock) * 1000), outcome=outcome,
                                   status_code=status, error=error)
    return record


def _retrying(policy: DeliverySettings, deadline: float) -> Retrying:
    backoff = wait_exponential(multiplier=policy.backoff.total_seconds(), max=policy.max_backoff.total_seconds())

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        later = getattr(exc, "retry_after", None)
        return float(later) if later is not None else float(backoff(state))

    return Retrying(retry=retry_if_exception(lambda e: isinstance(e, DeliveryFailed) and e.retryable),
                    stop=stop_after_attempt(policy.attempts) | _PastDeadline(deadline), wait=wait, reraise=True)


class _PastDeadline(stop_base):
    """Stop when the next wait would end past the delivery budget."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline

    def __call__(self, state: RetryCallState) -> bool:
        return time.monotonic() + (state.upcoming_sleep or 0.0) >= self.deadline

