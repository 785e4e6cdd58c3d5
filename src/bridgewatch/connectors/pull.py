"""``bridgewatch pull``: every API source of a workspace, pulled into its pages, one source at a time.

:func:`pull_workspace` validates every pulled source first (connector, settings, secrets, path)
and raises one ConfigError listing every problem; then pulls each source, incrementally from its
cursors (minus the look-back overlap) or in full. A source that fails keeps its previous pages and
cursors, its error is recorded for freshness, and the other sources still pull.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx

from bridgewatch.config import SourceSpec, WorkspaceConfig, load_config
from bridgewatch.connectors.base import Connector, Context, Resource, get_connector
from bridgewatch.connectors.http.client import Events
from bridgewatch.connectors.http.redact import Redactor, masked_url, redacting_logs
from bridgewatch.connectors.secrets import Secret, resolve_secrets
from bridgewatch.connectors.state import pull_lock, record_attempt
from bridgewatch.connectors.store import Draft, Manifest, PageStore
from bridgewatch.errors import BridgewatchError, ConfigError, did_you_mean, environment_problem, translate
from bridgewatch.sources.base import get_reader, resolve_options

SELECTION_SETTINGS = ("base_url", "store", "tenant", "environment", "company_id", "b2b", "b2b_url", "bulk",
                      "entities", "companies", "flows", "metafields", "resources")
"""``[sources.<name>.api]`` settings that choose what is pulled: a change makes the next pull full."""
URL_SETTINGS = ("base_url", "b2b_url")
"""Selection settings that are addresses: kept with their password and key-like query values masked (a log
server's ``https://user:password@host/log?key=...``), never as written."""
SELECTION_OPTIONS = ("vat_field", "external_id_field")
"""Reader options that add fields to what a connector requests (Sage Intacct)."""


class Progress(Protocol):
    """What a display learns while a pull runs."""

    def start(self, source: str, resources: list[str]) -> None: ...
    def page(self, source: str, resource: str, records: int) -> None: ...
    def waited(self, source: str, seconds: float, reason: str) -> None: ...
    def done(self, outcome: SourcePull) -> None: ...


class Silent:
    """A progress display that shows nothing."""

    def start(self, source: str, resources: list[str]) -> None: ...
    def page(self, source: str, resource: str, records: int) -> None: ...
    def waited(self, source: str, seconds: float, reason: str) -> None: ...
    def done(self, outcome: SourcePull) -> None: ...


@dataclass
class SourcePull:
    """How one source's pull went."""

    source: str
    platform: str
    ok: bool = False
    error: str | None = None
    fetched: dict[str, int] = field(default_factory=dict)
    """Records received in this pull, per resource."""
    totals: dict[str, int] = field(default_factory=dict)
    """Records on disk after it (the previous pull's when it failed)."""
    modes: dict[str, str] = field(default_factory=dict)
    pages: int = 0
    waits: int = 0
    waited_seconds: float = 0.0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    reset: str | None = None
    """Why every resource was pulled in full although ``--full`` was not given (the selection changed)."""
    notes: list[str] = field(default_factory=list)
    """Resources read in full because their last full read is older than ``full_every_hours``."""
    pulled_at: str | None = None
    """When the data on disk was pulled (this pull, or the previous one when this failed)."""


@dataclass
class PullReport:
    sources: list[SourcePull]

    @property
    def failed(self) -> list[SourcePull]:
        return [s for s in self.sources if not s.ok]


@dataclass(frozen=True)
class _Plan:
    name: str
    spec: SourceSpec
    connector: type[Connector]
    secrets: dict[str, Secret]
    options: dict[str, Any]


def pull_workspace(root: Path | str, *, source: str | None = None, full: bool = False,
                   environ: Mapping[str, str] | None = None, transport: httpx.BaseTransport | None = None,
                   sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                   progress: Progress | None = None, now: Callable[[], datetime] | None = None) -> PullReport:
    """Pull every API source of the workspace (or only ``source``).

    Args:
        environ: where secrets are looked up (the CLI passes ``os.environ``).
        transport: the HTTP transport (tests pass ``httpx.MockTransport``); the network by default.
        sleep, clock: how waits are spent and measured (tests pass a fake clock).
        full: refetch everything instead of what changed since each resource's cursor.

    Raises:
        ConfigError: a pulled source is misconfigured (every problem listed); nothing was pulled.
        ConnectorError: another pull of this workspace is running.
    """
    config = load_config(root)
    wall = now or (lambda: datetime.now(UTC))
    display = progress or Silent()
    outcomes = []
    with pull_lock(config.root):
        plans = _plans(config, source, environ if environ is not None else {}, wall)
        for plan in plans:
            outcome = _pull_source(config, plan, full=full, transport=transport, sleep=sleep, clock=clock,
                                   progress=display, now=wall)
            display.done(outcome)
            outcomes.append(outcome)
    return PullReport(outcomes)


def _plans(config: WorkspaceConfig, only: str | None, environ: Mapping[str, str],
           now: Callable[[], datetime]) -> list[_Plan]:
    pulled = {n: s for n, s in config.sources.items() if s.api is not None}
    if not pulled:
        raise ConfigError(f"Workspace '{config.id}' has no source to pull: add [sources.<name>.api] settings to "
                          f"workspace.toml (see docs/connectors.md).")
    if only is not None and only not in pulled:
        raise did_you_mean("pulled source", only, pulled)
    problems: dict[str, str] = {}
    plans = []
    for name, spec in pulled.items():
        if only is not None and name != only:
            continue
        try:
            plans.append(_plan(config, name, spec, environ))
        except BridgewatchError as exc:
            problems[name] = str(exc)
    if problems:
        _record_not_pulled(config.root, problems, [p.name for p in plans], now().isoformat())
        raise ConfigError(f"{config.root / 'workspace.toml'}: cannot pull:\n" + "\n".join(problems.values()))
    return plans


def _record_not_pulled(root: Path, problems: Mapping[str, str], others: list[str], when: str) -> None:
    """A pull stopped by settings is a failed attempt of every source it was to pull (none is fresh from it)."""
    for name, problem in problems.items():
        error = problem if problem.startswith(f"source '{name}'") else f"source '{name}': {problem}"
        record_attempt(root, name, started=when, finished=when, error=error)
    blocking = ", ".join(f"'{n}'" for n in problems)
    for name in others:
        record_attempt(root, name, started=when, finished=when,
                       error=f"source '{name}': not pulled: the pull stopped at the settings of source {blocking}; "
                             f"fix them and pull again")


def _plan(config: WorkspaceConfig, name: str, spec: SourceSpec, environ: Mapping[str, str]) -> _Plan:
    assert spec.api is not None
    connector = get_connector(spec.reader, name)
    problems = connector.problems(spec.api, name)
    if problems:
        raise ConfigError("\n".join(problems))
    PageStore(config.root, name, spec.path).check_link()
    options = resolve_options(get_reader(spec.reader), spec.options, name)
    secrets = resolve_secrets(spec.api, source=name, root=config.root, environ=environ,
                              roles=connector.secret_roles(spec.api))
    return _Plan(name, spec, connector, secrets, options)


def _pull_source(config: WorkspaceConfig, plan: _Plan, *, full: bool, transport: httpx.BaseTransport | None,
                 sleep: Callable[[float], None], clock: Callable[[], float], progress: Progress,
                 now: Callable[[], datetime]) -> SourcePull:
    outcome = SourcePull(plan.name, plan.connector.platform)
    started = time.monotonic()
    record_attempt(config.root, plan.name, started=now().isoformat(), finished=None, error=None)
    redactor = Redactor(plan.secrets.values())

    def waited(seconds: float, reason: str) -> None:
        outcome.waits += 1
        outcome.waited_seconds += seconds
        progress.waited(plan.name, seconds, reason)

    assert plan.spec.api is not None
    zone = str(plan.options.get("timezone") or config.workspace.timezone)
    skew = VendorClock(now)
    ctx = Context(plan.name, plan.spec.api, plan.secrets, plan.options, redactor, zone, transport=transport,
                  sleep=sleep, clock=clock, events=Events(waited=waited, answered=skew.seen))
    store = PageStore(config.root, plan.name, plan.spec.path)
    try:
        with redacting_logs(redactor):
            manifest = _fetch(plan, ctx, store, full=full, outcome=outcome, progress=progress, now=now, skew=skew)
        outcome.ok, outcome.totals, outcome.pulled_at = True, manifest.totals(), manifest.pulled_at
        record_attempt(config.root, plan.name, finished=now().isoformat(), error=None)
    except Exception as exc:  # one source's failure, whatever it is, never stops the others
        message = _failure(plan.name, exc, redactor)
        outcome.error = message + _kept(store)
        previous = store.current()
        outcome.totals = previous.totals() if previous else {}
        outcome.pulled_at = previous.pulled_at if previous else None
        record_attempt(config.root, plan.name, finished=now().isoformat(), error=message)
    outcome.warnings = list(ctx.warnings)
    outcome.seconds = time.monotonic() - started
    return outcome


def _failure(source: str, exc: Exception, redactor: Redactor) -> str:
    """One redacted line for a failed source: our errors as they are, the machine's in its words, else a bug."""
    error = translate(exc, "pulling") if not isinstance(exc, OSError) else environment_problem(exc, "cannot pull")
    text = str(error)
    return redactor.text(text if text.startswith(f"source '{source}'") else f"source '{source}': {text}")


def _kept(store: PageStore) -> str:
    previous = store.current()
    if previous is None:
        return " (nothing pulled yet for this source)"
    return f" (previous data from {previous.pulled_at} kept)"


def _fetch(plan: _Plan, ctx: Context, store: PageStore, *, full: bool, outcome: SourcePull, progress: Progress,
           now: Callable[[], datetime], skew: VendorClock) -> Manifest:
    base = store.recover()
    chosen = selection(plan.spec, plan.options)
    outcome.reset = None if full else _reset(base, chosen)
    connector = plan.connector(ctx)
    draft = store.begin(base, connector.resources, ctx.redactor)
    try:
        resources = connector.selected()
        progress.start(plan.name, resources)
        connector.check()
        started = now()
        cursors = {name: _pull_resource(connector, draft, name, base, full=full or outcome.reset is not None,
                                        outcome=outcome, progress=progress, started=started, skew=skew)
                   for name in resources}
        full_at = {name: started.isoformat() if draft.modes.get(name) == "full" else base.last_full(name)
                   for name in resources} if base is not None else {name: started.isoformat() for name in resources}
        return draft.commit(cursors, now().isoformat(), chosen, {k: v for k, v in full_at.items() if v})
    except BaseException:
        draft.abort()
        raise
    finally:
        connector.close()


def selection(spec: SourceSpec, options: Mapping[str, Any]) -> dict[str, Any]:
    """The settings that choose what a pull fetches (filters, extra fields, the store itself), as JSON values.

    Cursors describe the data pulled under these settings: when one changes, a refresh from the old
    cursors would miss the older records the new settings select (a newly added entity) or keep the
    ones they no longer select, so the next pull is full.
    """
    assert spec.api is not None
    picked: dict[str, Any] = {f"api.{name}": getattr(spec.api, name) for name in SELECTION_SETTINGS}
    picked |= {f"api.{name}": masked_url(picked[f"api.{name}"]) for name in URL_SETTINGS if picked[f"api.{name}"]}
    picked |= {f"options.{name}": options.get(name) for name in SELECTION_OPTIONS}
    return dict(json.loads(json.dumps(picked, sort_keys=True, default=str)))


def _reset(base: Manifest | None, chosen: Mapping[str, Any]) -> str | None:
    """Why this pull must be full although ``--full`` was not given, or None."""
    if base is None:
        return None
    if base.selection is None:
        return "the previous pull did not record its settings: every resource pulled in full"
    changed = [name for name in chosen if base.selection.get(name) != chosen[name]]
    if not changed:
        return None
    return f"{', '.join(changed)} changed since the previous pull: every resource pulled in full"


def _pull_resource(connector: Connector, draft: Draft, name: str, base: Manifest | None, *, full: bool,
                   outcome: SourcePull, progress: Progress, started: datetime, skew: VendorClock) -> str | None:
    resource = connector.resources[name]
    cursor = None if full or base is None or resource.updated is None else base.cursors.get(name)
    if cursor and base is not None and (due := _full_due(base, name, started, connector.settings.full_every_hours)):
        outcome.notes.append(due)
        cursor = None
    lookback = timedelta(minutes=connector.settings.lookback_minutes)
    since = _utc(datetime.fromisoformat(cursor)) - lookback if cursor else None
    draft.start(name, full=since is None)
    if base is not None:
        connector.pulled_scopes[name] = {f.scope for f in base.files.values() if f.resource == name}
    outcome.modes[name] = "full" if since is None else "incremental"
    newest = datetime.fromisoformat(cursor) if cursor else None
    outcome.fetched[name] = 0
    for page in connector.pages(name, since):
        draft.add(page)
        outcome.pages += 1
        outcome.fetched[name] += len(page.records)
        progress.page(connector.ctx.source, name, len(page.records))
        newest = _newest(resource, page.records, newest)
    return _cursor(connector, name, newest, skew.at(started))


def _full_due(base: Manifest, resource: str, started: datetime, hours: float) -> str | None:
    """Why ``resource`` is read in full now although it has a cursor (its last full read is too old), or None.

    No vendor lists deletions among the changes a refresh reads, so a record deleted (or merged into another)
    at the vendor stays on disk until a full read: an ERP customer deleted since would still count as there.
    """
    last = base.last_full(resource)
    if last is not None and started - _utc(datetime.fromisoformat(last)) <= timedelta(hours=hours):
        return None
    when = f"last read in full {last}" if last else "not read in full since bridgewatch began keeping when"
    return (f"{resource} {when}, more than full_every_hours ({hours:g}) before this pull: read in full, so records "
            f"deleted or merged away at the vendor go")


class VendorClock:
    """How far behind ours the vendor's clock runs (the ``Date`` of its answers), so that a cursor is never later
    than the vendor's own time at the pull's start.

    Change times are the vendor's; the pull's start is ours. With our clock ahead, a record changed during a long
    pull (on a page already read) could be older than the cursor taken from one changed later (read on a later
    page), yet still before our start: the next refresh asked from after it, and it was never read again.
    """

    def __init__(self, now: Callable[[], datetime]) -> None:
        self.now = now
        self.behind = timedelta(0)
        """The most the vendor's clock was seen behind ours (never negative: a vendor ahead changes nothing)."""

    def seen(self, response: httpx.Response) -> None:
        from email.utils import parsedate_to_datetime

        try:
            said = parsedate_to_datetime(response.headers.get("date", ""))
        except (TypeError, ValueError):
            return
        said = said if said.tzinfo else said.replace(tzinfo=UTC)
        self.behind = max(self.behind, self.now() - said)

    def at(self, started: datetime) -> datetime:
        """The vendor's time when the pull started (``started`` is ours)."""
        return started - self.behind


def _cursor(connector: Connector, resource: str, newest: datetime | None, started: datetime) -> str | None:
    """The resource's next cursor: its newest change time, but never after the pull started.

    A change time in the future (a sentinel such as 9999-12-31, a wrong clock or time zone) would
    otherwise make every later refresh ask only for changes after it, and skip all the real ones.
    Records changed while the pull ran are later than its start too: the cursor is the start then
    (the look-back reads them again), and only a time beyond the look-back is warned about.
    """
    if newest is None:
        return None
    if newest <= started:
        return newest.isoformat()
    if newest > started + timedelta(minutes=connector.settings.lookback_minutes):
        connector.ctx.warn(f"{resource} holds a change time after the pull started ({newest.isoformat()}); the next "
                           f"refresh reads from the pull's own time ({started.isoformat()}) instead, so later changes "
                           f"are not skipped")
    return started.isoformat()


def _utc(when: datetime) -> datetime:
    """A cursor in UTC: connectors write ``since`` as UTC (``...Z``), whatever offset the vendor's field had."""
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _newest(resource: Resource, records: list[Any], newest: datetime | None) -> datetime | None:
    if resource.updated is None:
        return None
    for record in records:
        when = resource.updated(record)
        if when is not None and (newest is None or when > newest):
            newest = when
    return newest
