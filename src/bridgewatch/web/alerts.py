"""The alerts page's seam: notifications sent and silences, from ``bridgewatch.alerts`` when it is there.

The alert *state* of each card (firing, quiet, unknown) is part of every stored run and is always
shown. Notifications and silences belong to the alerts package: when it is installed and offers
``web_feed(store, workspace_id)`` returning an object with ``notifications`` and ``silences`` (lists
of mappings), the page lists them; otherwise the page says alerts are not configured. This module
is the only place the dashboard touches the alerts package.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bridgewatch.history import Store

FEED_FUNCTION = "web_feed"


@dataclass(frozen=True)
class AlertFeed:
    """What the alerts package reports for one workspace."""

    notifications: Sequence[Mapping[str, Any]]
    silences: Sequence[Mapping[str, Any]]


def alert_feed(store: Store, workspace_id: str) -> AlertFeed | None:
    """The workspace's notifications and silences, or None when alerts are not configured."""
    if importlib.util.find_spec("bridgewatch.alerts") is None:
        return None
    feed = getattr(importlib.import_module("bridgewatch.alerts"), FEED_FUNCTION, None)
    if feed is None:
        return None
    found = feed(store, workspace_id)
    return AlertFeed(list(getattr(found, "notifications", ())), list(getattr(found, "silences", ())))
