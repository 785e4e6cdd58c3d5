"""Workspace configuration: ``workspace.toml`` → a frozen, validated :class:`WorkspaceConfig`.

This is the only module that reads settings files. Validation collects every problem (type
errors from pydantic and cross-field checks alike) and raises one :class:`ConfigError` that
lists each with its path in the file, e.g. ``legal_entities[1].currency``.
"""

from __future__ import annotations

import codecs
import difflib
import re
import tomllib
import typing
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, overload
from urllib.parse import parse_qsl, urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from bridgewatch.errors import ConfigError, did_you_mean
from bridgewatch.matching.normalise import KEY_SQL
from bridgewatch.model.tables import ERP_SYSTEMS

CONFIG_FILE = "workspace.toml"
RULE_KINDS = ("override", "tag", "country")
"""Entity rule kinds, in precedence order: a per-customer override beats a tag beats ship-to country."""

def _known_key(key: str) -> str:
    if key not in KEY_SQL:
        raise ValueError(str(did_you_mean("match key", key, KEY_SQL)))
    return key


MatchKey = Annotated[str, AfterValidator(_known_key)]
"""A key type a field map may name: one of ``bridgewatch.matching.normalise.KEY_SQL``."""
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


_NUMBERS = (int, float, int | None, float | None)

MAX_COUNT = 2**31 - 1
"""The largest threshold or count a setting may hold: the run store keeps them as 32-bit integers (PostgreSQL's
``integer``), and a larger one would stop the run at the store (or, past 64 bits, in the driver)."""
MAX_HOURS = 10 * 366 * 24
"""The longest look-back a setting may hold (ten years, in hours): a time that far before any as-of is a real date."""
MAX_DURATION = timedelta(days=100 * 366)
"""The longest duration (``repeat_interval``, ``--for``, ``--every``...) read: a century, far below the point where
adding it to now leaves the calendar."""
AS_OF_YEARS = (1900, 2999)
"""The years an as-of time may fall in: the window, the staleness limit and the week-earlier trend are counted back
from it, and a year such as 0001 or 9999 (a typo, or a placeholder) would leave the calendar there."""


def as_of_problem(ts: datetime) -> str | None:
    """Why ``ts`` cannot be an as-of time (outside :data:`AS_OF_YEARS`, in UTC), or None."""
    try:
        year = naive_utc(ts).year
    except OverflowError:  # 9999-12-31T23:59:59-01:00 is in year 10000 in UTC
        year = AS_OF_YEARS[1] + 1
    if AS_OF_YEARS[0] <= year <= AS_OF_YEARS[1]:
        return None
    return (f"{ts.isoformat()} is not a usable as-of time: the year must be {AS_OF_YEARS[0]} to {AS_OF_YEARS[1]} "
            f"(a typo in the year?)")


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_true_for_a_number(cls, v: object, info: ValidationInfo) -> object:
        """``alert_threshold = true`` is no threshold of 1 (pydantic would read a boolean as 0 or 1)."""
        if isinstance(v, bool) and info.field_name and cls.model_fields[info.field_name].annotation in _NUMBERS:
            raise ValueError(f"expected a number, got {str(v).lower()}")
        return v


class LegalEntity(_Frozen):
    """A company / entity whose customer master orders post against."""

    id: str = Field(min_length=1)
    name: str = ""
    currency: CurrencyCode
    countries: tuple[CountryCode, ...] = ()
    """Ship-to countries whose orders post to this entity (a `country` rule each)."""

    @field_validator("countries", mode="before")
    @classmethod
    def _upper(cls, v: object) -> object:
        return tuple(str(c).upper() for c in v) if isinstance(v, list | tuple) else v


class EntityRule(_Frozen):
    """Maps orders to an entity: `override` (customer/company id), `tag` (order or customer tag), `country`."""

    kind: Literal["override", "tag", "country"]
    value: str = Field(min_length=1)
    entity: str = Field(min_length=1)
    platform: str | None = None
    """For `override`: restrict to one platform's id space."""


class HoldingCustomer(_Frozen):
    """A generic ERP customer (cash sale, web trade) that stranded orders are parked on."""

    account: str = Field(min_length=1)
    entity: str | None = None
    """Only in this entity; empty = in every entity."""


class CardSettings(_Frozen):
    """Per-card overrides inside a workspace."""

    field_map: tuple[MatchKey, ...] | None = None
    """Match keys in precedence order."""
    alert_threshold: int | None = Field(default=None, ge=0, le=MAX_COUNT)


class ApiSettings(_Frozen):
    """How ``bridgewatch pull`` fetches a source from its vendor's API (docs/connectors.md).

    Secrets are never written here: ``secrets`` names, per role (``token``, ``client_secret``...),
    the environment variable (or key of ``secrets_file``) that holds the value.
    """

    base_url: str | None = None
    """Shop / store / environment URL (vendors with one global host have a default)."""
    api_version: str | None = None
    store: str | None = None
    """BigCommerce store hash."""
    tenant: str | None = None
    """Microsoft Entra tenant id (Dynamics 365, Business Central, Dataverse, Power Automate)."""
    client_id: str | None = None
    """Entra application (client) id; not a secret."""
    auth_url: str | None = None
    """Entra authority host (default https://login.microsoftonline.com)."""
    environment: str | None = None
    """Business Central environment name (e.g. production)."""
    company_id: str | None = None
    """Sage Intacct company id."""
    user: str | None = None
    """Sage Intacct Web Services user id / sender id owner."""
    sender_id: str | None = None
    """Sage Intacct Web Services sender id."""
    entities: tuple[str, ...] = ()
    """Sage Intacct entities to pull one by one (empty: top level, every entity's shared records)."""
    companies: tuple[str, ...] = ()
    """Business Central company ids or names to pull (empty: every company)."""
    flows: tuple[str, ...] = ()
    """Power Automate flow names (workflowname) to pull (empty: every flow)."""
    b2b: bool = False
    """Also pull the B2B objects (BigCommerce B2B Edition, Adobe Commerce companies and negotiable quotes)."""
    b2b_url: str | None = None
    bulk: bool = False
    """Shopify: use bulk operations (JSONL) for customers and orders (large stores)."""
    metafields: dict[str, str] = Field(default_factory=dict)
    """Shopify: customer metafields to request, alias → ``namespace.key`` (e.g. vat = "custom.vat")."""
    auth: Literal["token", "oauth1"] = "token"
    """Adobe Commerce: bearer token or OAuth 1.0a signed integration."""
    resources: tuple[str, ...] | None = None
    """Resources to pull (default: every resource the connector knows)."""
    secrets: dict[str, str] = Field(default_factory=dict)
    """Secret role → environment variable (or ``secrets_file`` key) holding it."""
    secrets_file: str | None = None
    """TOML file of ``NAME = "value"`` lines consulted after the environment (relative to the workspace)."""
    ca_bundle: str | None = None
    """PEM file of extra certificate authorities to trust (a TLS-inspecting proxy; the demo's local fakes)."""
    page_size: int | None = Field(default=None, ge=1, le=20000)
    lookback_minutes: int = Field(default=60, ge=0, le=MAX_HOURS * 60)
    """Overlap re-read before the cursor on each refresh, for late writes."""
    full_every_hours: float = Field(default=168.0, ge=0, le=MAX_HOURS, allow_inf_nan=False)
    """A resource last read in full longer ago than this is read in full again: refreshes see no deletions."""
    timeout_seconds: float = Field(default=60.0, gt=0, le=24 * 3600, allow_inf_nan=False)
    max_attempts: int = Field(default=5, ge=1, le=20)
    max_wait_seconds: float = Field(default=300.0, ge=0, le=24 * 3600, allow_inf_nan=False)
    """Longest single rate-limit wait honoured before the pull gives up."""

    @field_validator("entities", "companies", "flows", mode="before")
    @classmethod
    def _listed(cls, v: object) -> object:
        return (v,) if isinstance(v, str) else v

    @field_validator("base_url", "b2b_url", "auth_url")
    @classmethod
    def _web_address(cls, v: str | None, info: ValidationInfo) -> str | None:
        problem = address_problem(v) if v else None  # "" is unset, as before (required / the vendor default)
        if problem is not None:
            why, fixed = problem
            raise ValueError(f"{why}; write {info.field_name} = \"{fixed}\" (the vendor's address: "
                             f"docs/connectors.md)")
        return v


def address_problem(value: str) -> tuple[str, str] | None:
    """What makes ``value`` no http(s) address with a host, and the address to write instead (None: fine)."""
    shown = repr(re.sub(r"//[^/@]*@", "//***@", value))  # never echo a user:password@
    scheme, sep, rest = value.partition("://")
    if any(c.isspace() for c in value):
        why = "it contains a space"
    elif not sep:
        why, rest = "no http:// or https:// in front", value
    elif scheme.lower() not in ("http", "https"):
        why = f"the scheme is '{scheme}', not http or https"
    else:
        found = _host_problem(value)
        if found is None:
            return None
        why = found
    fixed = f"https://{rest}" if sep == "" or why.startswith("the scheme") else ""
    usable = fixed and "@" not in fixed and address_problem(fixed) is None
    return f"{shown} is not a web address ({why})", fixed if usable else "https://<host>"


def _host_problem(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (reading it checks the port)
    except ValueError as exc:
        return f"it cannot be read: {exc}"
    return None if parts.hostname else "it has no host"


class SourceSpec(_Frozen):
    """Where a table's data comes from (vendor readers add more kinds in `bridgewatch.sources`)."""

    reader: str = "canonical"
    path: str = Field(min_length=1)
    options: dict[str, object] = Field(default_factory=dict)
    api: ApiSettings | None = None
    """Pull this source from the vendor's API into ``path`` (``bridgewatch pull``)."""


RESERVED_IDS = (".", "..", "batch")
"""Workspace ids refused: folder names (``<tables_root>/<id>``) and the batch summary's name (``OUT/batch.json``)."""


class WorkspaceSection(_Frozen):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = ""
    erp: str
    """One of the ERP systems the model knows (``bridgewatch.model.tables.ERP_SYSTEMS``)."""

    @field_validator("id")
    @classmethod
    def _usable_id(cls, v: str) -> str:
        if v in RESERVED_IDS:
            raise ValueError(f"'{v}' cannot be a workspace id: it names a folder ('.', '..') or batch's own "
                             f"summary (OUT/batch.json); choose another id")
        return v

    @field_validator("erp")
    @classmethod
    def _known_erp(cls, v: str) -> str:
        if v not in ERP_SYSTEMS:
            raise ValueError(str(did_you_mean("ERP", v, ERP_SYSTEMS)))
        return v

    @field_validator("as_of")
    @classmethod
    def _usable_as_of(cls, v: datetime | None) -> datetime | None:
        if v is not None and (problem := as_of_problem(v)):
            raise ValueError(problem)
        return v

    home_country: CountryCode
    reporting_currency: CurrencyCode
    as_of: datetime | None = None
    window_days: int = Field(default=7, ge=1, le=366)
    grace_minutes: int = Field(default=15, ge=0, le=7 * 24 * 60)
    alert_threshold: int = Field(default=10, ge=0, le=MAX_COUNT)
    max_age_hours: int = Field(default=48, ge=1, le=MAX_HOURS)
    """A result is stale when the newest order is older than this before the as-of time."""
    platform_max_age_hours: int | None = Field(default=None, ge=1)
    """Optional: a result is also stale when one platform's newest order is older than this before the as-of time
    while another platform's is not (that storefront's export looks out of date). Off by default: a storefront
    that is merely quiet for a few days would make every result stale."""
    fx_max_age_days: int = Field(default=35, ge=1, le=366)
    """An order converted at a rate dated more than this many days before the order's date is still valued, and the
    card warns of it (``fx_warnings``): the blocked value uses an old rate. The default suits a monthly rate table
    (a rate on each month's first day, entered a few days late at worst); a daily feed that stops is caught sooner
    with a lower value."""
    vat_supply: Literal["goods", "services"] = "goods"
    default_entity: str | None = None
    timezone: str = "UTC"
    """Zone of naive timestamps in the inputs."""
    locale: str | None = None
    """Locale for numbers, money and dates shown to people (default ``en_<home_country>``, e.g. en_GB)."""
    cards: tuple[str, ...] | None = None


class HistorySection(_Frozen):
    """Where runs are stored (``[history]``): SQLite in the workspace by default, PostgreSQL by URL."""

    url: str | None = None
    """SQLAlchemy URL, e.g. ``postgresql+psycopg://bw@db.example/bridgewatch``; keep the password out of it."""
    password_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """Environment variable holding the database password (never written in workspace.toml)."""

    @field_validator("url")
    @classmethod
    def _no_password(cls, v: str | None) -> str | None:
        """A password in the file would travel wherever the file goes (a repository, a support ticket)."""
        if v is None:
            return v
        try:
            parts = urlsplit(v)
            written = parts.password is not None or any(
                k.lower() in ("password", "sslpassword") for k, _ in parse_qsl(parts.query))
        except ValueError:
            written = False  # not a URL: the store says so when it is opened, without echoing it
        if written:
            raise ValueError("holds a password; remove it and name the environment variable that holds it in "
                             "[history] password_env (the value is not shown here)")
        return v


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: object) -> timedelta:
    """``"15m"``, ``"4h"``, ``"1h30m"``, ``"24h"``, ``"1d"``, ``"0.5s"``, ``"250ms"`` (or seconds as a number)."""
    if isinstance(text, timedelta):
        seconds = text.total_seconds()
    elif isinstance(text, int | float) and not isinstance(text, bool):
        seconds = float(text)
    else:
        raw = str(text).strip().lower()
        parts = _DURATION.findall(raw)
        if not raw or _DURATION.sub("", raw).strip() or not parts:
            raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 15m, 4h, 1d, 1h30m)")
        seconds = sum(float(n) * _UNITS[unit] for n, unit in parts)
    if not 0 <= seconds <= MAX_DURATION.total_seconds():  # NaN fails both
        raise ValueError(f"not a usable duration: {text!r} (from 0 to {MAX_DURATION.days}d; use e.g. 30s, 15m, 4h, "
                         f"1d, 1h30m)")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Role = Literal["owner", "finance", "marketing", "operations"]
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class QuietHours(_Frozen):
    """A daily window in which a receiver's messages wait (nothing is dropped): ``start``–``end`` local time."""

    start: time
    end: time


class AlertReceiver(_Frozen):
    """Where alert messages go (``[[alerts.receivers]]``); ``settings`` depend on ``kind`` (docs/alerts.md).

    Secrets (webhook URLs that carry a token, HMAC keys, SMTP passwords) are never written here:
    settings ending in ``_env`` name the environment variable that holds them.
    """

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: Literal["webhook", "slack", "teams", "email"]
    settings: dict[str, object] = Field(default_factory=dict)
    role: Role = "owner"
    """The part of an alert this receiver gets when a route does not say (owner = all of it)."""
    timezone: str = "UTC"
    """Zone of ``quiet_hours`` and ``digest_at``."""
    quiet_hours: QuietHours | None = None
    digest: Literal["daily"] | None = None
    """``daily``: hold this receiver's messages and send one digest a day at ``digest_at``."""
    digest_at: time = time(8, 0)


class RouteMatch(_Frozen):
    """What a route matches; every given field must match (an empty field matches anything)."""

    card: tuple[str, ...] = ()
    entity: tuple[str, ...] = ()
    """Entity ids (``*`` = every entity): the route gets per-entity alerts instead of the card-wide one."""
    cause: tuple[str, ...] = ()
    role: Role | None = None
    """The part of the alert the route's receivers get; the route matches only when that part has content."""

    @field_validator("card", "entity", "cause", mode="before")
    @classmethod
    def _listed(cls, v: object) -> object:
        return (v,) if isinstance(v, str) else v


class AlertRoute(_Frozen):
    """A node of the routing tree: first matching route wins unless it says ``continue = true``."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    match: RouteMatch = Field(default_factory=RouteMatch)
    receivers: tuple[str, ...] = ()
    continue_matching: bool = Field(default=False, alias="continue")
    routes: tuple[AlertRoute, ...] = ()
    """Child routes, tried when this one matches; when none of them matches, this route's receivers get it."""


class DeliverySettings(_Frozen):
    """How hard delivery tries within one run or watch cycle (undelivered messages wait for the next)."""

    timeout: Duration = timedelta(seconds=10)
    """Per request (HTTP) or connection (SMTP)."""
    attempts: int = Field(default=4, ge=1, le=20)
    backoff: Duration = timedelta(seconds=1)
    """First wait between attempts; doubles each time, up to ``max_backoff`` (a ``Retry-After`` wins)."""
    max_backoff: Duration = timedelta(seconds=30)
    budget: Duration = timedelta(seconds=60)
    """Most time delivery may take in one run, over all receivers (they are tried in parallel)."""
    refusals: int = Field(default=3, ge=1, le=100)
    """A message refused this many times (HTTP 4xx, SMTP 5xx, a missing secret: one per run) is marked failed."""


class AlertsSection(_Frozen):
    """``[alerts]``: who is told what, and when (docs/alerts.md)."""

    enabled: bool = True
    receivers: tuple[AlertReceiver, ...] = ()
    routes: tuple[AlertRoute, ...] = ()
    repeat_interval: Duration = timedelta(hours=24)
    notify_on_increase: int = Field(default=3, ge=1, le=MAX_COUNT)
    """Re-notify while firing when the count has risen by at least this much since the last message."""
    for_runs: int = Field(default=1, ge=1, le=MAX_COUNT)
    """Fire only after this many consecutive breaching runs (damps flapping)."""
    entity_threshold: int | None = Field(default=None, ge=0, le=MAX_COUNT)
    """Threshold of per-entity alerts (default: the card's threshold)."""
    top: int = Field(default=5, ge=0, le=50)
    """Worklist rows in each message."""
    base_url: str | None = None
    """The dashboard's address; messages link to the card's page there."""
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)

    @field_validator("base_url")
    @classmethod
    def _dashboard_address(cls, v: str | None) -> str | None:
        problem = address_problem(v) if v is not None else None
        if problem is not None:
            why, fixed = problem
            raise ValueError(f"{why}; write base_url = \"{fixed}\" (the dashboard's address: docs/alerts.md)")
        return v


class WorkspaceConfig(_Frozen):
    """Everything a run needs to know about one workspace."""

    workspace: WorkspaceSection
    legal_entities: tuple[LegalEntity, ...] = Field(min_length=1)
    entity_rules: tuple[EntityRule, ...] = ()
    holding_customers: tuple[HoldingCustomer, ...] = ()
    field_map: dict[str, tuple[MatchKey, ...]] = Field(default_factory=dict)
    card: dict[str, CardSettings] = Field(default_factory=dict)
    sources: dict[str, SourceSpec] = Field(default_factory=dict)
    history: HistorySection = Field(default_factory=HistorySection)
    alerts: AlertsSection = Field(default_factory=AlertsSection)
    data_dir: str = "data"
    """Folder (relative to the workspace) holding canonical table files."""

    root: Path = Path(".")

    @property
    def id(self) -> str:
        return self.workspace.id

    @property
    def cards(self) -> tuple[str, ...]:
        if self.workspace.cards:
            return self.workspace.cards
        from bridgewatch.cards import CARDS  # local: cards import config types

        return tuple(card.id for card in CARDS.values() if self.workspace.erp in card.erps)

    def keys_for(self, card: str) -> tuple[str, ...]:
        """The match-key precedence for a card: card setting > [field_map] > card default."""
        settings = self.card.get(card)
        if settings and settings.field_map:
            return settings.field_map
        if card in self.field_map:
            return self.field_map[card]
        from bridgewatch.cards import CARDS

        return CARDS[card].field_map

    def threshold_for(self, card: str) -> int:
        settings = self.card.get(card)
        if settings and settings.alert_threshold is not None:
            return settings.alert_threshold
        return self.workspace.alert_threshold

    def as_of_utc(self) -> datetime | None:
        return naive_utc(self.workspace.as_of)


@overload
def naive_utc(ts: datetime) -> datetime: ...
@overload
def naive_utc(ts: None) -> None: ...
def naive_utc(ts: datetime | None) -> datetime | None:
    """``ts`` as a naive UTC time, the form every stored and compared time takes (a naive ``ts`` is UTC already)."""
    if ts is None or ts.tzinfo is None:
        return ts
    return ts.astimezone(UTC).replace(tzinfo=None)


AS_OF_TOLERANCE = timedelta(minutes=5)
"""How far an as-of may be later than the clock (hosts sharing exports and a store disagree by seconds)."""


def future_as_of_problem(as_of: datetime | None, where: str, now: datetime | None = None) -> str | None:
    """Why ``as_of`` cannot be a run's as-of (it is later than the clock by more than :data:`AS_OF_TOLERANCE`),
    else None. ``now`` is the clock (naive UTC; default the host's).

    The cards count orders in ``[as-of - window_days, as-of)``: an as-of in the future reaches into time no export
    describes, while the orders at the start of the real window drop out, so the count reads low and the newest
    order still looks recent (fresh): an all-clear the data does not support, which would then be stored.
    """
    at = naive_utc(as_of)
    clock = now or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    if at is None or at <= clock + AS_OF_TOLERANCE:
        return None
    return (f"{where}: {at.isoformat()}Z is later than now ({clock.isoformat()}Z): the window would reach "
            f"into time no export describes and the count could read low; give the moment the exports were "
            f"taken (at or before now, UTC unless the time has a zone)")


def load_config(root: Path | str) -> WorkspaceConfig:
    """Read and validate ``<root>/workspace.toml``.

    Raises:
        ConfigError: the file is missing, not TOML, or invalid; every problem is listed.
    """
    root = Path(root)
    path = root / CONFIG_FILE if root.is_dir() else root
    if path.is_dir():
        raise ConfigError(f"{path} is a folder, not a file: a workspace's settings are the file {CONFIG_FILE}. Move "
                          f"the folder aside and write the file (see docs/configuration.md), or point --workspace at "
                          f"a workspace folder.")
    if not path.is_file():
        raise ConfigError(f"No {CONFIG_FILE} at {path}. Create one (see docs/configuration.md) or point "
                          f"--workspace at a workspace folder.")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:  # TOML is UTF-8 only; Notepad's "Unicode" and "ANSI" are not
        saved_as = "UTF-16" if exc.object[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else \
            "Windows-1252 or another encoding"
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at position {exc.start}: saved "
                          f"as {saved_as}?). A TOML file must be UTF-8: save it again choosing the UTF-8 encoding, "
                          f"then run again.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}. Fix the syntax and run again.") from exc
    return parse_config(raw, source=str(path), root=path.parent)


def parse_config(raw: dict[str, object], *, source: str = CONFIG_FILE, root: Path | None = None) -> WorkspaceConfig:
    """Validate a parsed TOML document; all problems are reported in one ConfigError."""
    try:
        config = WorkspaceConfig.model_validate({**raw, "root": root or Path(".")})
    except ValidationError as exc:
        raise ConfigError(format_problems(source, [_pydantic_problem(e) for e in _meaningful(exc.errors())])) from exc
    problems = _cross_checks(config)
    if problems:
        raise ConfigError(format_problems(source, problems))
    return config


def _meaningful(errors: list[Any]) -> list[Any]:
    """Drop pydantic's echo "should have at least 1 item ... not 0" for a list whose items failed on their own."""
    def echo(e: Any) -> bool:
        loc = tuple(e["loc"])
        return e["type"] == "too_short" and bool(e.get("input")) and any(
            len(o["loc"]) > len(loc) and tuple(o["loc"][:len(loc)]) == loc for o in errors)

    return [e for e in errors if not echo(e)]


def _pydantic_problem(err: object) -> str:
    e = dict(err)  # type: ignore[call-overload]
    if e.get("type") == "extra_forbidden":
        return unknown_key_problem(tuple(e.get("loc", ())))
    loc = _dotted(e.get("loc", ()))
    got = e.get("input")
    shown = "" if isinstance(got, dict) or got is None else f" (got {got!r})"
    message = str(e.get("msg")).removeprefix("Value error, ")
    if e.get("type") == "value_error":
        shown = ""
    return f"{loc}: {message}{shown}"


INTERNAL_FIELDS = frozenset({"root"})
"""Fields set by bridgewatch, not written in workspace.toml (never suggested)."""


def unknown_key_problem(loc: tuple[Any, ...]) -> str:
    """``unknown key 'alert_treshold' in [workspace]. Did you mean alert_threshold?`` (with the known keys)."""
    *section, key = loc or ("?",)
    model = _model_at(WorkspaceConfig, section)
    known = sorted(set(model.model_fields) - INTERNAL_FIELDS) if model else []
    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]}?" if close else (f" Known keys: {', '.join(known)}." if known else "")
    return f"unknown key '{key}' {_section_name(section)}.{hint}"


def _section_name(section: list[Any]) -> str:
    if not section:
        return "at the top level"
    if isinstance(section[-1], int):
        return f"in [[{_dotted(section[:-1])}]] (entry {section[-1] + 1})"
    return f"in [{_dotted(section)}]"


def _model_at(model: type[BaseModel], path: list[Any]) -> type[BaseModel] | None:
    """The model validating the table at ``path`` (field names, list indexes, dict keys) below ``model``."""
    annotation: Any = model
    for part in path:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(part, str):
            field = annotation.model_fields.get(part)
            annotation = field.annotation if field else None
        else:
            annotation = _item_type(annotation)
    annotation = _item_type(annotation) if typing.get_origin(annotation) in (typing.Union, type(None)) else annotation
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _item_type(annotation: Any) -> Any:
    """The element type of ``tuple[X, ...]`` / ``dict[str, X]`` / ``X | None``."""
    args = [a for a in typing.get_args(annotation) if a is not type(None) and a is not Ellipsis]
    return args[-1] if args else None


def _dotted(loc: object) -> str:
    out = ""
    for part in loc:  # type: ignore[attr-defined]
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _cross_checks(config: WorkspaceConfig) -> list[str]:
    from bridgewatch.cards import CARDS  # local: cards import config types

    problems: list[str] = []
    entity_ids = [e.id for e in config.legal_entities]
    for i, dup in enumerate(entity_ids):
        if dup in entity_ids[:i]:
            problems.append(f"legal_entities[{i}].id: duplicate entity id {dup!r}")
    known = set(entity_ids)
    for i, rule in enumerate(config.entity_rules):
        if rule.entity not in known:
            problems.append(f"entity_rules[{i}].entity: unknown entity {rule.entity!r}; known: "
                            f"{', '.join(entity_ids)}")
    default = config.workspace.default_entity
    if default is not None and default not in known:
        problems.append(f"workspace.default_entity: unknown entity {default!r}; known: {', '.join(entity_ids)}")
    for i, h in enumerate(config.holding_customers):
        if h.entity and h.entity not in known:
            problems.append(f"holding_customers[{i}].entity: unknown entity {h.entity!r}")
    for name in [*config.field_map, *config.card, *(config.workspace.cards or ())]:
        if name not in CARDS:
            problems.append(f"card {name!r} is not a card bridgewatch knows; known: {', '.join(sorted(CARDS))}")
    for where, keys in _field_maps(config):
        if len(set(keys)) != len(keys) or not keys:
            problems.append(f"{where}: list each key once, at least one key (got {list(keys)})")

    problems += _timezone_problem(config.workspace.timezone)
    problems += [p for p in [future_as_of_problem(config.workspace.as_of, "workspace.as_of")] if p]
    problems += _locale_problem(config.workspace.locale)
    problems += _code_problems(config)
    problems += _alerts_problems(config)
    return problems


def _alerts_problems(config: WorkspaceConfig) -> list[str]:
    from bridgewatch.alerts.checks import config_problems  # local: alerts read config types

    return config_problems(config)


def _locale_problem(name: str | None) -> list[str]:
    if name is None:
        return []
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return [f"workspace.locale: unknown locale {name!r} (use a name such as 'en_GB', 'en_US' or 'de_DE')"]
    return []


NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ"})
"""Two-letter CLDR territories that are regions or placeholders, not countries."""
COUNTRY_MIXUPS = {"UK": "GB", "EL": "GR"}
"""Codes people write for a country (the VAT prefixes of the UK and Greece) and its ISO 3166 code."""


def _code_problems(config: WorkspaceConfig) -> list[str]:
    """Currency and country codes that fit the pattern but name nothing (``XXQ``, ``UK``): caught here, by name
    and key, instead of as an FX or VAT problem on every order."""
    from babel import Locale
    from babel.numbers import list_currencies

    currencies = list_currencies()
    countries = {t for t in map(str, Locale("en").territories) if len(t) == 2 and t.isalpha()} - NOT_COUNTRIES
    found = [("workspace.reporting_currency", config.workspace.reporting_currency, "currency")]
    found.append(("workspace.home_country", config.workspace.home_country, "country"))
    for i, e in enumerate(config.legal_entities):
        found.append((f"legal_entities[{i}].currency", e.currency, "currency"))
        found += [(f"legal_entities[{i}].countries[{j}]", c, "country") for j, c in enumerate(e.countries)]
    problems = []
    for where, code, kind in found:
        if kind == "currency" and code not in currencies:
            problems.append(f"{where}: {code!r} is not an ISO 4217 currency code (e.g. 'GBP', 'EUR', 'USD')")
        elif kind == "country" and code not in countries:
            hint = f"; write {COUNTRY_MIXUPS[code]!r}" if code in COUNTRY_MIXUPS else " (e.g. 'GB', 'DE', 'US')"
            problems.append(f"{where}: {code!r} is not an ISO 3166 country code{hint}")
    return problems


def _field_maps(config: WorkspaceConfig) -> list[tuple[str, tuple[str, ...]]]:
    maps = [(f"field_map.{card}", keys) for card, keys in config.field_map.items()]
    return maps + [(f"card.{card}.field_map", s.field_map) for card, s in config.card.items() if s.field_map]


def _timezone_problem(name: str) -> list[str]:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return [f"workspace.timezone: unknown time zone {name!r} (use an IANA name such as 'Europe/London')"]
    return []


def card_fit_warning(config: WorkspaceConfig, card: str) -> str | None:
    """A warning when ``card`` is made for another ERP than the workspace's (the Sage card on d365_fo, say)."""
    from bridgewatch.cards import CARDS  # local: cards import config types

    erp = config.workspace.erp
    if card not in CARDS or erp in CARDS[card].erps:
        return None
    fitting = [c.id for c in CARDS.values() if erp in c.erps]
    return (f"card {card} is made for {' / '.join(CARDS[card].erps)} workspaces, but workspace '{config.id}' has "
            f"erp = \"{erp}\": it will look for that ERP's customer records and count every customer absent. "
            f"The card for {erp} is {', '.join(fitting) or 'not written yet'}.")


def format_problems(source: str, problems: list[str]) -> str:
    """``source: N problem(s) in the workspace configuration:`` and the problems, one a line."""
    lines = "\n".join(f"  - {p}" for p in problems)
    return f"{source}: {len(problems)} problem(s) in the workspace configuration:\n{lines}"
