"""Receiver kinds, one module each; importing them registers them in :data:`RECEIVERS`."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from bridgewatch.alerts.receivers import email, slack, teams, webhook  # noqa: F401  (importing registers them)
from bridgewatch.alerts.receivers.base import RECEIVERS, DeliveryFailed, Receiver
from bridgewatch.config import AlertReceiver

__all__ = ["RECEIVERS", "DeliveryFailed", "Receiver", "build"]


def build(spec: AlertReceiver, environ: Mapping[str, str], client: httpx.Client | None = None) -> Receiver:
    """The receiver configured by ``spec`` (its settings are validated when the configuration is loaded)."""
    return RECEIVERS[spec.kind](spec, environ, client)
