"""Cross-checks of ``[alerts]`` made when workspace.toml is loaded, so a bad receiver or route is a
configuration error at once, not a silent gap at 3 a.m.
"""

from __future__ import annotations

from pydantic import ValidationError

from bridgewatch.config import AlertRoute, WorkspaceConfig


def config_problems(config: WorkspaceConfig) -> list[str]:
    """Every problem of ``[alerts]``, each with its path in the file."""
    alerts = config.alerts
    problems: list[str] = []
    names = [r.name for r in alerts.receivers]
    for i, receiver in enumerate(alerts.receivers):
        where = f"alerts.receivers[{i}]"
        if receiver.name in names[:i]:
            problems.append(f"{where}.name: duplicate receiver name {receiver.name!r}")
        problems += _settings_problems(where, receiver.kind, receiver.settings)
        problems += _zone_problem(where, receiver.timezone)
        quiet = receiver.quiet_hours
        if quiet is not None and quiet.start == quiet.end:
            problems.append(f"{where}.quiet_hours: start and end are the same time ({quiet.start})")
    problems += _route_problems(config, alerts.routes, "alerts.routes", set(names))
    return problems


def _settings_problems(where: str, kind: str, settings: dict[str, object]) -> list[str]:
    from bridgewatch.alerts.receivers import RECEIVERS

    try:
        RECEIVERS[kind].settings_model.model_validate(settings)
    except ValidationError as exc:
        return [f"{where}.settings{_loc(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
    return []


def _loc(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)


def _zone_problem(where: str, zone: str) -> list[str]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return [f"{where}.timezone: unknown time zone {zone!r} (use an IANA name such as 'Europe/London')"]
    return []


def _route_problems(config: WorkspaceConfig, routes: tuple[AlertRoute, ...], where: str,
                    receivers: set[str]) -> list[str]:
    from bridgewatch.cards import CARDS

    problems: list[str] = []
    causes = {c for card in config.cards if card in CARDS for c in CARDS[card].cause_ids}
    entities = {e.id for e in config.legal_entities} | {"*", "ambiguous"}
    for i, route in enumerate(routes):
        here = f"{where}[{i}]"
        problems += [f"{here}.receivers: unknown receiver {n!r}; receivers: {', '.join(sorted(receivers)) or 'none'}"
                     for n in route.receivers if n not in receivers]
        problems += [f"{here}.match.card: card {c!r} is not one of this workspace's cards ({', '.join(config.cards)})"
                     for c in route.match.card if c not in config.cards]
        problems += [f"{here}.match.cause: unknown cause {c!r}; causes: {', '.join(sorted(causes))}"
                     for c in route.match.cause if c not in causes]
        problems += [f"{here}.match.entity: unknown entity {e!r}; entities: {', '.join(sorted(entities))}"
                     for e in route.match.entity if e not in entities]
        if not route.receivers and not route.routes:
            problems.append(f"{here}: a route needs receivers or child routes")
        problems += _route_problems(config, route.routes, f"{here}.routes", receivers)
    return problems
