"""Every card scenario by name, so engine tests can run them all on every engine (tests/engines).

``SCENARIOS`` maps a unique name to a zero-argument function returning a fresh :class:`Scenario`
with its own workspace id; ``register`` adds one. On top of the explicit entries come the
scenarios the card tests in this package build inline: every scenario handed to ``run_card`` /
``run_cards`` is recorded (``record``) while the card test runs under pytest (tests/conftest.py),
and ``harvest`` runs any card test not yet run in this session with a recording stand-in
(computing on DuckDB, so the test proceeds exactly as under pytest). A new card test therefore
joins the engine parity run without being registered by hand.

Nothing here runs at import or at collection: ``card_test_names`` only lists the tests, so
collecting the parity tests costs no card computation.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import pkgutil
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from bridgewatch.demo import scenarios as demo_scenarios
from bridgewatch.scenario import Scenario

from . import builders

Factory = Callable[[], Scenario]
SCENARIOS: dict[str, Factory] = {}
"""Scenario name → factory; names double as workspace ids in the parity batch."""

RUNNER_FIXTURES = frozenset({"run_card", "run_cards", "tmp_path"})
"""Card tests taking only these fixtures can be harvested (others need pytest's machinery)."""


def register(name: str) -> Callable[[Factory], Factory]:
    """Decorator: add a scenario factory under ``name`` (its workspace id is set to ``name``)."""

    def add(factory: Factory) -> Factory:
        if name in SCENARIOS:
            raise ValueError(f"scenario {name!r} is registered twice")
        SCENARIOS[name] = lambda: with_id(factory(), name)
        return factory

    return add


def with_id(scenario: Scenario, workspace_id: str, *, cards: Sequence[str] | None = None,
            as_of: datetime | None = None) -> Scenario:
    """A copy of ``scenario`` under another workspace id, with per-run options folded into its config."""
    out = copy.deepcopy(scenario)
    section = out.config["workspace"]
    section["id"] = workspace_id
    if cards:
        section["cards"] = list(cards)
    if as_of is not None:
        section["as_of"] = as_of
    return out


# -- explicit entries --------------------------------------------------------------------------

for _name in demo_scenarios():
    SCENARIOS[f"demo-{_name}"] = (lambda n=_name: with_id(demo_scenarios()[n], f"demo-{n}"))  # type: ignore[misc]


@register("mixed-currency-and-fx")
def _mixed_currency() -> Scenario:
    """Orders in three currencies for one company, FX on different days; a DTC buyer in CAD."""
    s = builders.d365()
    builders.company(s, "MULTI", country="US", currency="USD", total="100.10",
                     orders=("2026-04-08T10:00:00Z", "2026-04-09T10:00:00Z"))
    s.add("orders", platform="bigcommerce", order_id="MULTI-CAD", customer_id="MULTI-U", company_id="MULTI",
          created_at="2026-04-10T10:00:00Z", currency="CAD", total="333.3333", ship_to_country="CA")
    builders.shopper(s, "CADBUYER", country="CA", currency="CAD", total="19.99")
    for day, rate in (("2026-04-01", "0.73125001"), ("2026-04-09", "0.72999999")):
        s.add("fx_rates", currency="CAD", rate_date=day, rate=rate)
    return s


@register("entity-rules-disagree")
def _entity_rules() -> Scenario:
    """Tag and country rules that point at different entities, an override, and a record in the wrong one."""
    s = builders.d365()
    s.config["entity_rules"] = [
        {"kind": "tag", "value": "Canada", "entity": "CATU"},
        {"kind": "override", "value": "PINNED", "entity": "USTI"},
    ]
    builders.company(s, "TAGGED", country="US", currency="USD", tags="canada, wholesale")
    builders.company(s, "PINNED", country="CA", currency="USD")
    builders.shopper(s, "BOTH", country="US", ship_to="CA")
    s.add("orders", platform="shopify", order_id="BOTH-US", customer_id="BOTH", created_at="2026-04-11T10:00:00Z",
          currency="USD", total="10.00", ship_to_country="US")
    builders.erp(s, "C-TAG", system="d365_fo", entity="USTI", email="ap@tagged.test")
    for day in ("2026-04-01",):
        s.add("fx_rates", currency="CAD", rate_date=day, rate="0.73")
    return s


@register("vat-spellings")
def _vat_spellings() -> Scenario:
    """VAT numbers written with spaces, dots, lower case, a GR prefix and none at all."""
    s = builders.sage()
    builders.company(s, "SPACED", vat="gb 123 4567 89")
    builders.company(s, "GREEK", vat="GR-094259216", country="GR")
    builders.company(s, "BARE", vat="123.456.789", country="DE")
    builders.company(s, "DOTS", vat="..--", email="  Mixed.Case@Example.COM ")
    builders.erp(s, "C1", vat_number="GB123456789")
    builders.erp(s, "C2", vat_number="EL094259216", country="GR")
    builders.erp(s, "C3", email="mixed.case@example.com", status="inactive")
    return s


# -- recording and harvesting the card tests ------------------------------------------------------

PACKAGE = __package__ or "tests.cards"
RECORDED: dict[str, list[tuple[str, Scenario]]] = {}
"""Card test name → (workspace id, scenario) for each scenario it computed, in order."""


def card_test_names(package: str = PACKAGE) -> list[str]:
    """The card tests whose scenarios join the parity run (``module.test``), without running any."""
    return [name for name, _ in _card_tests(package)]


def card_test_name(module: str, function: Callable[..., Any]) -> str | None:
    """The registry name of a card test (None for any other test)."""
    package, _, base = module.rpartition(".")
    if package != PACKAGE or not base.startswith("test_") or not _harvestable(function):
        return None
    return f"{base.removeprefix('test_')}.{function.__name__.removeprefix('test_')}"


def record(name: str, scenario: Scenario, *, cards: Sequence[str] | None = None,
           as_of: datetime | None = None) -> str:
    """Keep a copy of ``scenario`` as card test ``name`` computes it; returns its parity workspace id."""
    recorded = RECORDED.setdefault(name, [])
    workspace_id = f"{re.sub(r'[^A-Za-z0-9_.-]', '-', name)}.{len(recorded) + 1}"
    recorded.append((workspace_id, with_id(scenario, workspace_id, cards=cards, as_of=as_of)))
    return workspace_id


def harvest(package: str = PACKAGE) -> dict[str, dict[str, Factory]]:
    """Per card test, its scenarios under unique workspace ids; tests not run in this session are run now.

    Failures inside a test (an assertion that no longer holds) are ignored here: the card tests
    report those themselves, and the scenarios recorded before the failure are still kept.
    """
    for name, test in _card_tests(package):
        if name in RECORDED:
            continue
        RECORDED[name] = []
        try:
            test(**_Recorder(name).fixtures(inspect.signature(test).parameters))
        except Exception:  # noqa: BLE001, S110 - see docstring
            pass
    return {name: {ws: _factory(s) for ws, s in RECORDED[name]} for name in card_test_names(package)}


def _factory(scenario: Scenario) -> Factory:
    return lambda: copy.deepcopy(scenario)


def all_scenarios() -> dict[str, Factory]:
    """The registered scenarios plus the card tests' ones."""
    return {**SCENARIOS, **{ws: f for found in harvest().values() for ws, f in found.items()}}


def _card_tests(package: str) -> Iterator[tuple[str, Callable[..., Any]]]:
    root = importlib.import_module(package)
    for info in pkgutil.iter_modules(root.__path__):
        if not info.name.startswith("test_"):
            continue
        module = importlib.import_module(f"{package}.{info.name}")
        for attr, fn in list(vars(module).items()):  # a harvested test may add to its module (a lazy import)
            if attr.startswith("test_") and callable(fn) and _harvestable(fn):
                yield f"{info.name.removeprefix('test_')}.{attr.removeprefix('test_')}", fn


def _harvestable(fn: Callable[..., Any]) -> bool:
    params = set(inspect.signature(fn).parameters)
    return bool(params & {"run_card", "run_cards"}) and params <= RUNNER_FIXTURES


class _Recorder:
    """Stands in for the run_card/run_cards fixtures: records each scenario, then computes it on DuckDB."""

    def __init__(self, test_name: str) -> None:
        self.name = test_name
        self.tmp = Path(tempfile.mkdtemp(prefix="bw-harvest-"))

    def fixtures(self, wanted: Any) -> dict[str, Any]:
        given = {"run_cards": self.run_cards, "run_card": self.run_card, "tmp_path": self.tmp / "t"}
        return {k: v for k, v in given.items() if k in wanted}

    def run_cards(self, scenario: Scenario, *, cards: Sequence[str] | None = None,
                  as_of: datetime | None = None) -> list[Any]:
        from bridgewatch.results import collect
        from bridgewatch.workspace import load_workspace

        workspace_id = record(self.name, scenario, cards=cards, as_of=as_of)
        root = scenario.write(self.tmp / workspace_id)
        return collect([load_workspace(root)], cards=cards, as_of=as_of)

    def run_card(self, scenario: Scenario, **kwargs: Any) -> Any:
        results = self.run_cards(scenario, **kwargs)
        assert len(results) == 1
        return results[0]
