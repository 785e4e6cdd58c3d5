"""Result objects: what a card computed, engine-free, ready for any renderer.

``CardResult.to_dict()`` is the documented JSON schema (docs/output.md); the terminal, CSV and
web renderers read the same objects.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

ROLES = ("owner", "finance", "marketing", "operations")


@dataclass(frozen=True, slots=True)
class KeyTried:
    """One field-map key tried for a customer: its normalised value(s) and what it found."""

    key: str
    priority: int
    values: tuple[str, ...]
    result: str
    """``matched``, ``no match``, ``no value`` or ``not usable`` (hit only retired, holding or other-entity records)."""
    erp_records: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """One counted (absent) customer, explaining itself."""

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


@dataclass(frozen=True)
class Bucket:
    """A row of a breakdown (by cause, segment, entity or rejection reason)."""

    key: str
    customers: int
    active_orders: int
    blocked_value_reporting: Decimal
    label: str | None = None


@dataclass(frozen=True)
class Alert:
    threshold: int
    fired: bool
    sentiment: str


@dataclass(frozen=True)
class CardResult:
    """Everything one card says about one workspace at one as-of time."""

    card: str
    title: str
    workspace: str
    as_of: datetime
    window_start: datetime
    window_days: int
    count: int
    alert: Alert
    reporting_currency: str
    blocked_value_reporting: Decimal
    by_cause: tuple[Bucket, ...]
    by_segment: tuple[Bucket, ...]
    by_entity: tuple[Bucket, ...]
    by_rejection_reason: tuple[Bucket, ...]
    dataverse_not_promoted: int
    awaiting_sync: int
    customers: tuple[CustomerRow, ...]
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

    @property
    def active_orders(self) -> int:
        return sum(b.active_orders for b in self.by_cause)

    def customer(self, customer_id: str) -> CustomerRow | None:
        return next((c for c in self.customers if customer_id in (c.customer_id, c.company_id)), None)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (see docs/output.md)."""
        return {
            "card": self.card, "title": self.title, "workspace": self.workspace, "as_of": _iso(self.as_of),
            "window_start": _iso(self.window_start), "window_days": self.window_days, "count": self.count,
            "active_orders": self.active_orders,
            "alert": asdict(self.alert), "roles": list(self.roles),
            "reporting_currency": self.reporting_currency,
            "blocked_value_reporting": _money(self.blocked_value_reporting),
            "by_cause": [_bucket(b, "cause") for b in self.by_cause],
            "by_segment": [_bucket(b, "segment") for b in self.by_segment],
            "by_entity": [_bucket(b, "entity") for b in self.by_entity],
            "by_rejection_reason": [_bucket(b, "reason") for b in self.by_rejection_reason],
            "dataverse_not_promoted": self.dataverse_not_promoted,
            "awaiting_sync": self.awaiting_sync, "ambiguous_matches": self.ambiguous_matches,
            "scope": dict(self.scope), "orders": dict(self.orders), "ingest": list(self.ingest),
            "customers": [_customer(c) for c in self.customers],
        }


def _iso(ts: datetime | None) -> str | None:
    return None if ts is None else ts.isoformat(timespec="seconds") + "Z"


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _bucket(b: Bucket, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {name: b.key, "customers": b.customers, "active_orders": b.active_orders,
                           "blocked_value_reporting": _money(b.blocked_value_reporting)}
    if b.label:
        out["label"] = b.label
    return out


def _customer(c: CustomerRow) -> dict[str, Any]:
    out = asdict(c)
    out["keys_tried"] = [asdict(k) | {"values": list(k.values)} for k in c.keys_tried]
    for name in ("blocked_value", "blocked_value_reporting"):
        out[name] = _money(out[name])
    for name in ("created_at", "first_order_at", "last_attempt_at"):
        out[name] = _iso(out[name])
    return out
