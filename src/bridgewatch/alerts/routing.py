"""The routing tree: which receivers get an alert, and which part of it (Alertmanager's routes, with ``continue``).

Routes are tried in order; the first that matches wins unless it says ``continue = true``, in which case
the next ones are tried too. A matching route with child ``routes`` hands the alert to its children;
when none of them matches, the route's own receivers get it. With no routes at all, every receiver
gets every card-wide alert.

A route without an ``entity`` matcher matches card-wide alerts only; one with ``entity`` matches the
per-entity alerts of those entities (``*``: all), so a receiver is never told the same thing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bridgewatch.config import AlertRoute, AlertsSection, RouteMatch


@dataclass(frozen=True)
class Labels:
    """What routes match an alert on."""

    card: str
    entity: str | None
    causes: frozenset[str]
    """Causes with at least one customer in the alert's facts."""
    roles: frozenset[str]
    """Roles whose part of the alert has something to say."""


@dataclass(frozen=True)
class Target:
    """A receiver and the role whose part of the alert it gets (None: the receiver's own role)."""

    receiver: str
    role: str | None


def route(alerts: AlertsSection, labels: Labels) -> list[Target]:
    """The receivers an alert with ``labels`` goes to, each once (the first route that named it decides its role)."""
    if not alerts.routes:
        found = [] if labels.entity is not None else [Target(r.name, None) for r in alerts.receivers]
    else:
        found, _ = _walk(alerts.routes, labels, None)
    seen: dict[str, Target] = {}
    for target in found:
        seen.setdefault(target.receiver, target)
    return list(seen.values())


def _walk(routes: Iterable[AlertRoute], labels: Labels, role: str | None) -> tuple[list[Target], bool]:
    out: list[Target] = []
    matched = False
    for node in routes:
        if not matches(node.match, labels):
            continue
        matched = True
        node_role = node.match.role or role
        below, child_matched = _walk(node.routes, labels, node_role)
        out += below if child_matched else [Target(name, node_role) for name in node.receivers]
        if not node.continue_matching:
            break
    return out, matched


def matches(match: RouteMatch, labels: Labels) -> bool:
    """Whether every matcher of ``match`` holds for ``labels``."""
    if match.card and labels.card not in match.card:
        return False
    if match.entity:
        if labels.entity is None or ("*" not in match.entity and labels.entity not in match.entity):
            return False
    elif labels.entity is not None:
        return False
    if match.cause and not labels.causes & set(match.cause):
        return False
    return match.role is None or match.role in labels.roles
