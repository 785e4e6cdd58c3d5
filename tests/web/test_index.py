"""The in-memory worklist index answers exactly what the store answers: pages, totals, ranks, evidence."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from bench.web_bench import CARD, fabricate
from bridgewatch.config import load_config
from bridgewatch.history import Store, StoredCardRun
from bridgewatch.history.location import default_url
from bridgewatch.model.money import from_stored
from bridgewatch.web import reads
from bridgewatch.web.index import SORTS, WorklistIndex, load_rows

from .conftest import D365, D365_CARD, SAGE, SAGE_CARD, Demo

FILTERS = [{}, {"cause": "never_synced"}, {"segment": "dtc"}, {"entity": "ambiguous"}, {"entity": "CATU"},
           {"platform": "shopify", "cause": "create_failed"}, {"cause": "no-such-cause"}]


@pytest.fixture(scope="module")
def widened(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, StoredCardRun]]:
    folder = fabricate(tmp_path_factory.mktemp("index"), 260)
    with Store(default_url(load_config(folder))) as store:
        yield store, store.history(D365, card=CARD, limit=1)[0]


@pytest.mark.parametrize(("sort", "reverse"), list(itertools.product(SORTS, (False, True))))
def test_pages_match_the_stores_own_paging(widened: tuple[Store, StoredCardRun], sort: str, reverse: bool) -> None:
    store, stored = widened
    index = WorklistIndex()
    for filters, offset in itertools.product(FILTERS, (0, 45, 250)):
        expected, total = store.page(stored, filters=filters, sort=sort, reverse=reverse, limit=45, offset=offset)
        entries, count = index.page(store, stored, filters=filters, sort=sort, reverse=reverse, limit=45,
                                    offset=offset)
        assert count == total, (filters, offset)
        assert reads.rows(store, stored, entries) == expected, (filters, offset)


def test_downloads_walk_every_row_in_page_order(widened: tuple[Store, StoredCardRun]) -> None:
    store, stored = widened
    index = WorklistIndex()
    batches = list(index.ordered(store, stored, batch=100))
    assert [len(b) for b in batches] == [100, 100, 60]
    assert [row for b in batches for row in reads.rows(store, stored, b)] == list(store.rows(stored))


def test_drills_of_the_stored_rows_equal_the_stored_summary(demo: Demo) -> None:
    for ws, card in ((SAGE, SAGE_CARD), (D365, D365_CARD)):
        with Store(demo.settings().workspace(ws).store_url) as store:  # type: ignore[union-attr]
            stored = store.history(ws, card=card, limit=1)[0]
            drills = WorklistIndex().drills(store, stored)
        s = stored.summary
        assert (drills.total.customers, drills.total.active_orders) == (s["count"], s["active_orders"])
        assert f"{from_stored(drills.total.blocked_e4):.2f}" == s["blocked_value_reporting"]
        for key, groups in (("by_cause", drills.by_cause), ("by_segment", drills.by_segment),
                            ("by_entity", drills.by_entity)):
            name = key.removeprefix("by_")
            want = {b[name]: (b["customers"], b["active_orders"], b["blocked_value_reporting"])
                    for b in s[key] if b["customers"]}
            assert {g.key: (g.customers, g.active_orders, f"{from_stored(g.blocked_e4):.2f}") for g in groups} == want
        assert [(g.key, g.customers, g.examples) for g in drills.by_reason] == [
            (b["template"], b["customers"], tuple(b["examples"])) for b in s["by_rejection_reason"]]
        assert (drills.awaiting_sync, drills.in_dataverse) == (s["awaiting_sync"], s["dataverse_not_promoted"])


def test_evidence_by_id_is_what_the_store_explains(widened: tuple[Store, StoredCardRun], demo: Demo) -> None:
    store, stored = widened
    index = WorklistIndex()
    for customer in ("B-1001", "10031", "7301000009", "BENCH-0000100"):
        [entry] = index.locate(store, stored, customer)
        assert reads.explanation(store, stored, entry) == store.explain(D365, customer, card=CARD)[0], customer
    assert index.locate(store, stored, "nobody") == []


def test_runs_are_dropped_least_recently_used_and_come_back(widened: tuple[Store, StoredCardRun],
                                                             demo: Demo) -> None:
    store, stored = widened
    with Store(demo.settings().workspace(SAGE).store_url) as sage:  # type: ignore[union-attr]
        small = sage.history(SAGE, card=SAGE_CARD, limit=1)[0]
        index = WorklistIndex(max_rows=270)
        first = index.table(store, stored)
        index.table(sage, small)
        assert index.table(store, stored) != first  # dropped to make room, loaded again
        assert index.page(store, stored, limit=1)[1] == 260


def test_a_run_is_read_into_arrow_a_batch_at_a_time(widened: tuple[Store, StoredCardRun]) -> None:
    store, stored = widened
    whole, batched = load_rows(store, stored), load_rows(store, stored, batch=100)
    assert [len(c) for c in batched.column("vid").chunks] == [100, 100, 60]
    assert batched.num_rows == 260 and batched.equals(whole)
    assert batched.column("awaiting_sync").type == pa.bool_()


def test_a_run_larger_than_the_budget_is_held_alone(widened: tuple[Store, StoredCardRun], demo: Demo) -> None:
    store, stored = widened
    with Store(demo.settings().workspace(SAGE).store_url) as sage:  # type: ignore[union-attr]
        small = sage.history(SAGE, card=SAGE_CARD, limit=1)[0]
        index = WorklistIndex(max_rows=100)
        kept = index.table(sage, small)
        big = index.table(store, stored)
        assert index.page(store, stored, limit=1)[1] == 260 and index.table(store, stored) == big
        assert index.table(sage, small) != kept  # dropped when the big run came, loaded again


def test_the_fabricated_run_is_a_real_stored_run(widened: tuple[Store, StoredCardRun], tmp_path: Path) -> None:
    store, stored = widened
    assert stored.count == 260 and sum(1 for _ in store.rows(stored)) == 260


def test_drills_of_a_filter_that_matches_nothing_are_zero(widened: tuple[Store, StoredCardRun]) -> None:
    store, stored = widened
    drills = WorklistIndex().drills(store, stored, {"cause": "no-such-cause"})
    assert (drills.total.customers, drills.total.blocked_e4, drills.awaiting_sync) == (0, 0, 0)
    assert drills.by_cause == drills.by_entity == drills.by_reason == ()
