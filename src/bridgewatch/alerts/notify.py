"""One alerting pass for a workspace: evaluate from the store, queue what is news, deliver what is due.

``bridgewatch run`` and ``bridgewatch watch`` call :func:`notify` after each stored run; it never
raises for a receiver's failure (those are recorded and retried next time), only for a store that
cannot be read or written.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import httpx

from bridgewatch.alerts.deliver import DeliveryReport, deliver, utcnow
from bridgewatch.alerts.evaluate import AlertInstance
from bridgewatch.alerts.queue import Queued, queue
from bridgewatch.config import WorkspaceConfig
from bridgewatch.history import Store

log = logging.getLogger("bridgewatch.alerts")


@dataclass
class AlertReport:
    """What one alerting pass found, queued and delivered."""

    instances: list[AlertInstance] = field(default_factory=list)
    queued: list[Queued] = field(default_factory=list)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    @property
    def sent(self) -> int:
        return len(self.delivery.delivered)

    @property
    def suppressed(self) -> int:
        return sum(1 for q in self.queued if q.state == "suppressed")

    def line(self) -> str:
        """One line for logs: what was queued, delivered and left waiting."""
        waiting = sum(self.delivery.waiting.values())
        text = f"alerts: {len(self.queued)} queued, {self.sent} delivered"
        if self.delivery.partly:
            text += " (" + "; ".join(f"{name}: {what}" for name, what in self.delivery.partly.items()) + ")"
        if self.suppressed:
            text += f", {self.suppressed} suppressed by silences"
        if self.delivery.failed:
            text += f", {len(self.delivery.failed)} failed for good ({'; '.join(self.delivery.failed.values())})"
        return text + (f", {waiting} waiting ({'; '.join(self.delivery.errors.values())})" if waiting else "")


def configured(config: WorkspaceConfig) -> bool:
    """Whether the workspace has alerting to do (enabled, with at least one receiver)."""
    return config.alerts.enabled and bool(config.alerts.receivers)


def notify(store: Store, config: WorkspaceConfig, *, environ: Mapping[str, str], now: datetime | None = None,
           client: httpx.Client | None = None, send: bool = True) -> AlertReport:
    """Evaluate, queue and (unless ``send`` is False) deliver the workspace's alerts as of ``now``.

    Raises:
        StoreError: the store cannot be read or written.
    """
    now = now or utcnow()
    report = AlertReport()
    if not configured(config):
        return report
    report.instances, report.queued = queue(store, config, now=now)
    if send:
        report.delivery = deliver(store, config, environ=environ, now=now, client=client)
    log.info("%s", report.line())
    return report
