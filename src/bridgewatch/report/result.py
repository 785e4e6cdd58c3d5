"""Result objects: what a card computed, engine-free, ready for any renderer.

A card's result comes in two parts. :class:`CardSummary` holds every count, sum and breakdown
(computed by the engine in SQL); the worklist (one row per counted customer) is streamed by a
handle in ``bridgewatch.results`` and never held whole. Each worklist row is a plain dict in the
documented JSON form (``docs/output.md``); :class:`CustomerRow` is its typed view.
:class:`CardResult` joins a summary to a materialised list of rows, for tests and small readouts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from typing import Any

from bridgewatch.model.money import text

ROLES = ("owner", "finance", "marketing", "operations")
ALERT_STATES = ("firing", "quiet", "unknown")
"""A card result's alert states (:attr:`Alert.state`)."""
FRESHNESS_STATES = ("fresh", "stale", "no_data")
"""A card result's freshness states (:attr:`Freshness.status`)."""


def check_state(kind: str, value: str, allowed: tuple[str, ...]) -> None:
    """Raise ``ValueError`` unless ``value`` is one of ``allowed`` (a result's states are a closed set)."""
    if value not in allowed:
        raise ValueError(f"{kind} {value!r} is not one of {', '.join(allowed)}")


@dataclass(frozen=True, slots=True)
class KeyTried:
    """One field-map key tried for a customer: its normalised value(s) and what it found."""

    key: str
    priority: int
    values: tuple[str, ...]
    result: str
    """``matched``, ``no match``, ``no value`` or ``not usable`` (hit only retired, holding or other-entity records, or
    records holding an id that names several accounts)."""
    erp_records: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "priority": self.priority, "values": list(self.values), "result": self.result,
                "erp_records": self.erp_records}


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """One counted (absent) customer, explaining itself: the typed view of a worklist row."""

    rank: int
    customer_id: str
    company_id: str | None
    account_kind: str
    name: str | None
    platform: str
    segment: str
    cause: str
    rejection_reason: str | None
    matched_key: str | None
    keys_tried: tuple[KeyTried, ...]
    expected_entity: str | None
    entity_ambiguous: bool
    entity_candidates: str | None
    entity_basis: str
    exists_in_other_entity: bool
    other_entity_records: str | None
    awaiting_sync: bool
    in_dataverse: bool
    active_orders: int
    blocked_value: Decimal | None
    currency: str
    blocked_value_reporting: Decimal | None
    vat_number: str | None
    vat_treatment: str
    next_action: str
    join_status: str
    created_at: datetime | None
    first_order_at: datetime | None
    last_attempt_at: datetime | None
    sync_attempts: int
    first_seen: datetime | None = None
    """When this absence was first seen (the as-of of the first stored run that counted it)."""
    days_absent: int | None = None
    """Whole days from ``first_seen`` to this run's as-of (``None`` when the run is not stored)."""

    @property
    def account_id(self) -> str:
        return self.company_id or self.customer_id

    @classmethod
    def from_dict(cls, row: Mapping[str, Any]) -> CustomerRow:
        """The typed view of a worklist row in its JSON form."""
        values = dict(row)
        values["keys_tried"] = tuple(KeyTried(k["key"], k["priority"], tuple(k["values"]), k["result"],
                                              k.get("erp_records")) for k in row["keys_tried"])
        for name in ("blocked_value", "blocked_value_reporting"):
            values[name] = None if row[name] is None else Decimal(row[name])
        for name in ("created_at", "first_order_at", "last_attempt_at", "first_seen"):
            values[name] = parse_iso(row.get(name))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass(frozen=True)
class Bucket:
    """A row of a breakdown (by cause, segment, entity or rejection-reason template)."""

    key: str
    customers: int
    active_orders: int
    blocked_value_reporting: Decimal
    label: str | None = None
    examples: tuple[str, ...] = ()
    """For rejection reasons: verbatim messages behind the template (at most three)."""
    consequence: str | None = None
    """For causes: what an absence for this cause does to the next invoice batch (the Sage seed drill's last
    column)."""

    def to_dict(self, name: str, currency: str | None = None) -> dict[str, Any]:
        """The JSON form; ``currency``: the reporting currency, whose decimals the value is written with."""
        out: dict[str, Any] = {name: self.key, "customers": self.customers, "active_orders": self.active_orders,
                               "blocked_value_reporting": money(self.blocked_value_reporting, currency)}
        if self.label:
            out["label"] = self.label
        if self.consequence:
            out["consequence"] = self.consequence
        if name == "reason":
            out["template"] = self.key
            out["examples"] = list(self.examples)
        return out


@dataclass(frozen=True)
class Alert:
    """The card's alert line: ``fired`` when the count is above the threshold; ``state`` says whether to trust it."""

    threshold: int
    fired: bool
    sentiment: str
    state: str = "quiet"
    """``firing`` (above the line, fresh data), ``quiet`` (at or below, fresh data) or ``unknown`` (the data
    is stale or empty: the monitor is blind, whatever the count)."""

    def __post_init__(self) -> None:
        check_state("alert state", self.state, ALERT_STATES)


@dataclass(frozen=True)
class Freshness:
    """How current the inputs are at the as-of time; a stale or empty input is never an all-clear."""

    status: str
    """``fresh``, ``stale`` or ``no_data``."""
    newest_order_at: datetime | None
    newest_erp_record_at: datetime | None
    newest_sync_event_at: datetime | None
    max_age_hours: int
    reasons: tuple[str, ...] = ()
    """Why the result is not fresh, in plain words (empty when fresh)."""

    def __post_init__(self) -> None:
        check_state("freshness", self.status, FRESHNESS_STATES)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Freshness:
        return cls(d["status"], parse_iso(d["newest_order_at"]), parse_iso(d["newest_erp_record_at"]),
                   parse_iso(d["newest_sync_event_at"]), d["max_age_hours"], tuple(d.get("reasons", ())))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for name in ("newest_order_at", "newest_erp_record_at", "newest_sync_event_at"):
            out[name] = iso(out[name])
        out["reasons"] = list(self.reasons)
        return out


@dataclass(frozen=True)
class RunInfo:
    """Where a card result sits in the workspace's history (filled in when the run is stored)."""

    run_id: str | None = None
    previous_run_id: str | None = None
    new: int | None = None
    """Customers counted now that were not counted in the previous run."""
    cleared: int | None = None
    """Customers counted in the previous run that are no longer absent."""
    returned: int | None = None
    """Of ``new``, those that had been absent before and cleared (an absence that came back)."""
    still_absent: int | None = None


@dataclass(frozen=True)
class CardSummary:
    """Everything one card says about one workspace at one as-of time, except the worklist rows."""

    card: str
    title: str
    workspace: str
    as_of: datetime
    window_start: datetime
    window_days: int
    count: int
    active_orders: int
    alert: Alert
    reporting_currency: str
    blocked_value_reporting: Decimal
    by_cause: tuple[Bucket, ...]
    by_segment: tuple[Bucket, ...]
    by_entity: tuple[Bucket, ...]
    by_rejection_reason: tuple[Bucket, ...]
    dataverse_not_promoted: int
    awaiting_sync: int
    freshness: Freshness
    ambiguous_matches: int = 0
    """Present customers whose match is ambiguous: several ERP records at the winning key, or an ERP
    record that is also the match of another customer."""
    scope: dict[str, int] = field(default_factory=dict)
    """Accounts seen, by why they are in or out of the card's population."""
    orders: dict[str, int] = field(default_factory=dict)
    """Orders read, by whether they counted or why they were excluded."""
    roles: tuple[str, ...] = ROLES
    ingest: tuple[dict[str, Any], ...] = ()
    """Per input file: read, used, excluded (by reason) and quarantined rows (read = the sum)."""
    ingest_warnings: tuple[dict[str, Any], ...] = ()
    """What the readers found incomplete in an export (source, files, text): the count may miss customers or
    orders for it."""
    fx_warnings: tuple[dict[str, Any], ...] = ()
    """Counted orders converted at an old rate (dated more than ``fx_max_age_days`` before the order's date), per
    currency pair and rate date: still valued, but the blocked value in reporting currency uses that rate."""
    run: RunInfo = field(default_factory=RunInfo)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CardSummary:
        """The summary :meth:`to_dict` wrote (as kept in the run store)."""
        return cls(
            card=d["card"], title=d["title"], workspace=d["workspace"], as_of=_ts(d["as_of"]),
            window_start=_ts(d["window_start"]), window_days=d["window_days"], count=d["count"],
            active_orders=d["active_orders"], alert=Alert(**d["alert"]), reporting_currency=d["reporting_currency"],
            blocked_value_reporting=Decimal(d["blocked_value_reporting"]),
            by_cause=_buckets(d["by_cause"], "cause"), by_segment=_buckets(d["by_segment"], "segment"),
            by_entity=_buckets(d["by_entity"], "entity"),
            by_rejection_reason=_buckets(d["by_rejection_reason"], "reason"),
            dataverse_not_promoted=d["dataverse_not_promoted"], awaiting_sync=d["awaiting_sync"],
            freshness=Freshness.from_dict(d["freshness"]), ambiguous_matches=d["ambiguous_matches"],
            scope=dict(d["scope"]), orders=dict(d["orders"]), roles=tuple(d["roles"]), ingest=tuple(d["ingest"]),
            ingest_warnings=tuple(d.get("ingest_warnings", ())), fx_warnings=tuple(d.get("fx_warnings", ())),
            run=RunInfo(d.get("run_id"), d.get("previous_run_id"), d.get("new"), d.get("cleared"), d.get("returned"),
                        d.get("still_absent")))

    def to_dict(self) -> dict[str, Any]:
        """The JSON form without ``customers`` (see docs/output.md)."""
        return {
            "card": self.card, "title": self.title, "workspace": self.workspace,
            "run_id": self.run.run_id, "previous_run_id": self.run.previous_run_id,
            "as_of": iso(self.as_of), "window_start": iso(self.window_start), "window_days": self.window_days,
            "count": self.count, "active_orders": self.active_orders,
            "new": self.run.new, "cleared": self.run.cleared, "returned": self.run.returned,
            "still_absent": self.run.still_absent,
            "alert": asdict(self.alert), "freshness": self.freshness.to_dict(), "roles": list(self.roles),
            "reporting_currency": self.reporting_currency,
            "blocked_value_reporting": money(self.blocked_value_reporting, self.reporting_currency),
            "by_cause": [b.to_dict("cause", self.reporting_currency) for b in self.by_cause],
            "by_segment": [b.to_dict("segment", self.reporting_currency) for b in self.by_segment],
            "by_entity": [b.to_dict("entity", self.reporting_currency) for b in self.by_entity],
            "by_rejection_reason": [b.to_dict("reason", self.reporting_currency) for b in self.by_rejection_reason],
            "dataverse_not_promoted": self.dataverse_not_promoted,
            "awaiting_sync": self.awaiting_sync, "ambiguous_matches": self.ambiguous_matches,
            "scope": dict(self.scope), "orders": dict(self.orders), "ingest": list(self.ingest),
            "ingest_warnings": list(self.ingest_warnings), "fx_warnings": list(self.fx_warnings),
        }


@dataclass(frozen=True)
class CardResult:
    """A summary with its worklist rows held in memory: for tests and small readouts, never for big runs."""

    summary: CardSummary
    customers: tuple[CustomerRow, ...]
    rows: tuple[dict[str, Any], ...] = ()
    """The same rows in their JSON form."""

    def __getattr__(self, name: str) -> Any:
        if name in ("summary", "customers", "rows"):
            raise AttributeError(name)
        return getattr(self.summary, name)

    def customer(self, customer_id: str) -> CustomerRow | None:
        return next((c for c in self.customers if customer_id in (c.customer_id, c.company_id)), None)

    def to_dict(self) -> dict[str, Any]:
        return self.summary.to_dict() | {"customers": list(self.rows)}


def iso(ts: datetime | None) -> str | None:
    """A naive UTC timestamp as ISO 8601 with ``Z``."""
    return None if ts is None else ts.isoformat(timespec="seconds") + "Z"


def parse_iso(text: str | None) -> datetime | None:
    """The inverse of :func:`iso`."""
    return None if not text else datetime.fromisoformat(text.removesuffix("Z"))


def money(value: Decimal | None, currency: str | None = None) -> str | None:
    """Money in JSON: exact decimal text (never a float) with the decimals of ``currency`` (two, or three for a
    three-decimal currency such as KWD; see :func:`bridgewatch.model.money.text`)."""
    return None if value is None else text(value, currency)


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text.removesuffix("Z"))


def _buckets(items: list[dict[str, Any]], name: str) -> tuple[Bucket, ...]:
    return tuple(Bucket(b[name], b["customers"], b["active_orders"], Decimal(b["blocked_value_reporting"]),
                        b.get("label"), tuple(b.get("examples", ())), b.get("consequence")) for b in items)
