"""Shared fixtures: build a scenario on disk, load it, compute its cards; one SparkSession for every Spark test."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from bridgewatch.report.result import CardResult
from bridgewatch.results import collect
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import load_workspace

Runner = Callable[..., list[CardResult]]


@pytest.fixture(autouse=True)
def _no_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output widths do not depend on the COLUMNS of the shell (or of pytest-xdist's workers) running the tests."""
    monkeypatch.delenv("COLUMNS", raising=False)


@pytest.fixture(autouse=True, scope="session")
def _own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tables kept between processes (``bridgewatch.ingest.diskcache``) go to the session's temporary folder,
    for this process and the commands it starts, never to the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BRIDGEWATCH_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(autouse=True)
def _no_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outputs are still written aside and renamed, but not synced to disk: a sync costs more than writing
    a demo workspace. Tests of the syncing (disk full at fsync) turn it back on; the kill -9 tests run
    subprocesses, which sync as in production."""
    from bridgewatch import atomic

    monkeypatch.setattr(atomic, "DURABLE", False)


@pytest.fixture
def run_cards(tmp_path: Path, request: pytest.FixtureRequest) -> Runner:
    """Write a scenario under tmp_path, load it and compute its cards on DuckDB.

    A card test's scenarios are recorded for the engine parity run (tests/cards/registry.py), so
    that run need not compute the card tests a second time.
    """
    from .cards.registry import card_test_name, record

    name = card_test_name(request.node.module.__name__, request.node.function) if request.node.module else None

    def go(scenario: Scenario, *, cards: Sequence[str] | None = None, **kwargs: object) -> list[CardResult]:
        if name is not None:
            record(name, scenario, cards=cards, as_of=kwargs.get("as_of"))  # type: ignore[arg-type]
        root = scenario.write(tmp_path / str(scenario.config["workspace"]["id"]))  # type: ignore[index]
        return collect([load_workspace(root)], cards=cards, **kwargs)  # type: ignore[arg-type]

    return go


@pytest.fixture
def run_card(run_cards: Runner) -> Callable[..., CardResult]:
    """Like run_cards, for a scenario with exactly one card."""

    def go(scenario: Scenario, **kwargs: object) -> CardResult:
        results = run_cards(scenario, **kwargs)
        assert len(results) == 1
        return results[0]

    return go


TEST_CONF = {
    "spark.sql.shuffle.partitions": "2",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "1g",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}
"""Settings for tiny data, chosen for speed only (the SQL and every assertion are unchanged).

Small shuffles: every extra partition is a task to schedule. No adaptive re-planning and no
generated Java code: each of the card pipeline's many small queries would otherwise spend longer
planning and compiling than running (interpreted evaluation is Spark's own fallback for the same
expressions); measured here, a pipeline's second run took 21 s instead of 56 s. The driver JVM
compiles with C1 only and collects with the serial collector: the suite's short, tiny-data JVM spent
much of its CPU in the C2 compiler's and the parallel collector's threads (the whole Spark pass, machine
otherwise idle, back to back: 488 s of CPU and 315 s of wall with the JVM's defaults, 376 s and 311 s
with these flags), CPU the non-Spark pass beside it needs. Production sessions keep
Spark's defaults (``bridgewatch.engine.spark.LOCAL_CONF``).
"""


@pytest.fixture(scope="session")
def spark_session() -> Iterator[Any]:
    """The one local[2] session of the test run, shared by all Spark tests; skipped without pyspark or Java."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'bridgewatch[spark]')")
    from bridgewatch.engine.spark import build_session, java_command

    if java_command() is None:
        pytest.skip("no Java runtime (JAVA_HOME unset or wrong, no java on PATH): Spark needs Java 17+")

    session = build_session("local[2]", TEST_CONF)
    yield session
    session.stop()


@pytest.fixture
def spark_engine(spark_session: Any) -> Iterator[Any]:
    """A SparkEngine on the shared session; its views are dropped afterwards."""
    from bridgewatch.engine.spark import SparkEngine

    engine = SparkEngine(session=spark_session)
    yield engine
    engine.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Spark tests need pyspark and a Java runtime; without either they are skipped, saying which. The card
    scenario tests (``tests/cards``) are marked ``cards``.

    ``make test`` runs the Spark tests in a pass of their own beside the rest (one process, one Spark session),
    and the card tests in that process too: the engine parity test compares every scenario they recorded there,
    and would run each card test again to record it in a process where they had not run (tests/cards/registry.py).
    """
    reason = _no_spark_reason()
    cards = Path(__file__).resolve().parent / "cards"
    for item in items:
        if item.path.is_relative_to(cards):
            item.add_marker(pytest.mark.cards)
        if not item.get_closest_marker("spark"):
            continue
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=reason))


def _no_spark_reason() -> str | None:
    try:
        from bridgewatch.engine.spark import java_command
    except ImportError:  # pragma: no cover - the engine module itself has no hard pyspark import
        return "bridgewatch.engine.spark cannot be imported"
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install 'bridgewatch[spark]')"
    if java_command() is None:
        return "no Java runtime (JAVA_HOME unset or wrong, no java on PATH): Spark needs Java 17+"
    return None
