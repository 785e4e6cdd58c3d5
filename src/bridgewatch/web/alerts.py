"""The alerts page's data, read through the alerts package (docs/alerts.md): each alert's state, the
messages sent (with every delivery attempt) and the silences in force.

The alert state in every stored run is shown whatever happens here; this adds what alert routing
knows once a workspace has ``[alerts]`` receivers. Nothing here evaluates or sends an alert.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bridgewatch.alerts.notify import configured
from bridgewatch.alerts.status import alert_list, alert_log, silence_dict
from bridgewatch.config import WorkspaceConfig
from bridgewatch.history import Store

LOG_LIMIT = 50
"""Newest messages shown."""


@dataclass(frozen=True)
class AlertFeed:
    """What alert routing reports for one workspace."""

    configured: bool
    """``[alerts]`` is enabled with at least one receiver."""
    states: Sequence[Mapping[str, Any]]
    """Each alert (card-wide and per entity): state, since, count, threshold, why unknown."""
    messages: Sequence[Mapping[str, Any]]
    """The newest messages, each with its delivery attempts."""
    silences: Sequence[Mapping[str, Any]]
    """The silences in force."""
    waiting: int
    """Messages held (quiet hours, digests) or not yet delivered."""


def alert_feed(store: Store, config: WorkspaceConfig | None) -> AlertFeed:
    """The workspace's alerts as the alerts package records them (empty when alerting is not configured)."""
    if config is None or not configured(config):
        return AlertFeed(False, (), (), (), 0)
    listed = alert_list(store, config)
    return AlertFeed(True, listed.states, alert_log(store, config, limit=LOG_LIMIT),
                     [silence_dict(s) for s in listed.silences], listed.waiting)
