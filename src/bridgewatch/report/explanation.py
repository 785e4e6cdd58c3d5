"""Why one customer is counted (or not) on one card: the evidence, as plain data.

An :class:`Explanation` is produced by per-account queries on an engine (``compute.evidence``) or
read back from the run store exactly as it was stored; both render the same way.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from bridgewatch.report.result import check_state, iso

VERDICTS = ("counted", "present", "out of scope", "not counted in this run", "not kept by this run")
"""What an :class:`Explanation` concludes of an account on a card."""


@dataclass(frozen=True)
class Explanation:
    """The evidence for one account on one card."""

    card: str
    workspace: str
    platform: str
    account_kind: str
    account_id: str
    name: str | None
    verdict: str
    """One of :data:`VERDICTS`."""
    reason: str
    cause: str | None = None
    cause_label: str | None = None
    cause_definition: str | None = None
    customer: dict[str, Any] | None = None
    """The worklist row (JSON form) when the account is counted."""
    keys: list[dict[str, Any]] = field(default_factory=list)
    """Every normalised key of the account and where it came from."""
    erp_matches: list[dict[str, Any]] = field(default_factory=list)
    """ERP records those keys hit, in every entity, with why each is (not) usable."""
    orders: list[dict[str, Any]] = field(default_factory=list)
    """Every order of the account: counted, or excluded with the reason."""
    entity_rules: list[dict[str, Any]] = field(default_factory=list)
    sync_events: list[dict[str, Any]] = field(default_factory=list)
    staging: list[dict[str, Any]] = field(default_factory=list)
    run_id: str | None = None
    as_of: datetime | None = None
    episodes: list[dict[str, Any]] = field(default_factory=list)
    """From the run store: each absence of this account (first seen, last seen, cleared)."""

    def __post_init__(self) -> None:
        check_state("verdict", self.verdict, VERDICTS)

    def to_dict(self) -> dict[str, Any]:
        return dict(jsonable(asdict(self)))

    def evidence(self) -> dict[str, Any]:
        """What the run store keeps per counted customer (everything but run-specific fields)."""
        out = self.to_dict()
        for name in ("run_id", "as_of", "episodes"):
            out.pop(name)
        return out


def jsonable(value: Any) -> Any:
    """Plain JSON values: timestamps as ISO ``Z``, dates as ISO, decimals as exact strings (money to the cent)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value.normalize())
    return value
