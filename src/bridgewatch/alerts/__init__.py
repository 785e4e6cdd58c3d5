"""Alerts: evaluated from the run store, routed, silenced, delivered once per real change (docs/alerts.md).

The layers, bottom up: :mod:`evaluate` (alert states from stored runs), :mod:`facts` (what an alert
reports), :mod:`routing` and :mod:`roles` (who gets which part), :mod:`decide` (is it news?),
:mod:`queue` (the notification log), :mod:`deliver` with :mod:`receivers` (webhook, Slack, Teams,
email), :mod:`silences`, :mod:`digest`, and :mod:`notify`, one pass of all of it. Names are imported
on first use so reading ``workspace.toml`` does not load HTTP or SMTP code.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bridgewatch.alerts.deliver import DeliveryReport, deliver
    from bridgewatch.alerts.evaluate import AlertInstance, evaluate
    from bridgewatch.alerts.notify import AlertReport, configured, notify
    from bridgewatch.alerts.silences import Silence, active_silences, add_silence, end_silence
    from bridgewatch.alerts.status import alert_list, send_test

_LAZY = {
    "AlertInstance": "evaluate", "AlertReport": "notify", "DeliveryReport": "deliver", "Silence": "silences",
    "active_silences": "silences", "add_silence": "silences", "alert_list": "status", "configured": "notify",
    "deliver": "deliver", "end_silence": "silences", "evaluate": "evaluate", "notify": "notify",
    "send_test": "status",
}

__all__ = ["AlertInstance", "AlertReport", "DeliveryReport", "Silence", "active_silences", "add_silence", "alert_list",
           "configured", "deliver", "end_silence", "evaluate", "notify", "send_test"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"bridgewatch.alerts.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'bridgewatch.alerts' has no attribute {name!r}")
