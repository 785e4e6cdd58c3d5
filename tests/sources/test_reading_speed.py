"""What makes small workspaces load fast (issue 15) changes no result: sources read side by side fail as
one after the other would, small inputs are planned without DuckDB's optimizer on their own connection
only, and the key-uniqueness shortcut before merging source records never merges or skips a record."""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow as pa
import pytest

from bridgewatch.errors import InputError
from bridgewatch.ingest import canonical
from bridgewatch.ingest.accounting import FileAccount
from bridgewatch.ingest.canonical import local_connection, plan_lightly
from bridgewatch.model.tables import TABLES_BY_NAME
from bridgewatch.sources import in_order
from bridgewatch.sources.base import ReadResult
from bridgewatch.sources.combine import _keys_unique, combine


def test_results_come_back_in_task_order_whatever_finishes_first() -> None:
    second_done = threading.Event()

    def first() -> str:
        assert second_done.wait(5)  # the first task finishes last
        return "first"

    def second() -> str:
        second_done.set()
        return "second"

    assert in_order([first, second, lambda: "third"], workers=2) == ["first", "second", "third"]


def test_the_error_raised_is_the_first_failing_task_in_order_not_the_first_to_fail() -> None:
    later_failed = threading.Event()

    def earlier() -> str:
        assert later_failed.wait(5)
        raise InputError("sources.erp: bad file")

    def later() -> str:
        later_failed.set()
        raise InputError("sources.shop: bad file")

    with pytest.raises(InputError, match=r"^sources\.erp: bad file$"):
        in_order([earlier, later], workers=2)


def test_one_worker_runs_the_tasks_in_the_calling_thread() -> None:
    caller = threading.get_ident()
    assert in_order([threading.get_ident, threading.get_ident], workers=1) == [caller, caller]


def _optimizer(con: object) -> bool:
    return bool(con.execute("SELECT current_setting('enable_optimizer')").fetchone()[0])  # type: ignore[attr-defined]


def test_small_inputs_are_planned_without_the_optimizer_on_their_own_connection(tmp_path: Path) -> None:
    small = tmp_path / "orders.csv"
    small.write_text("order_id\nA-1\n", encoding="utf-8")
    con, other = local_connection(), local_connection()
    try:
        plan_lightly(con, [small])
        assert (_optimizer(con), _optimizer(other)) == (False, True)
    finally:
        con.close()
        other.close()


def test_inputs_above_the_limit_keep_the_optimizer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = [tmp_path / "a.csv", tmp_path / "b.csv"]
    for f in files:
        f.write_text("x\n" + "1\n" * 10, encoding="utf-8")  # 22 bytes each, 44 together
    monkeypatch.setattr(canonical, "LIGHT_BYTES", 43)
    con = local_connection()
    try:
        plan_lightly(con, files)
        assert _optimizer(con) is True
        monkeypatch.setattr(canonical, "LIGHT_BYTES", 44)
        plan_lightly(con, files)
        assert _optimizer(con) is False
    finally:
        con.close()


def test_keys_that_join_alike_are_not_taken_for_one_key() -> None:
    keys = pa.table({"a": ["x\x1fy", "x", None, None], "b": ["z", "y\x1fz", "k", None]})
    assert _keys_unique(keys, ["a", "b"]) is False  # the first two join alike: the exact merge decides
    assert _keys_unique(keys.slice(1), ["a", "b"]) is True
    assert _keys_unique(pa.table({"a": ["1", None, None]}), ["a"]) is False  # NULL equals NULL, as grouping


def test_records_whose_keys_only_join_alike_are_both_kept_and_counted_used() -> None:
    table = TABLES_BY_NAME["company_locations"]
    assert table.key == ("platform", "company_id", "location_id")
    keys = [("C\x1fL", "1"), ("C", "L\x1f1")]
    data = pa.Table.from_pylist([
        {"workspace_id": "ws", "source_file": "f.csv", "source_row": row, "platform": "shopify", "company_id": company,
         "location_id": location, "name": None, "vat_number": None, "account_ref": None, "country": None}
        for row, (company, location) in enumerate(keys, 1)])
    assert data.column_names[3:] == list(table.column_names)
    result = combine([ReadResult({"company_locations": data}, [FileAccount("company_locations", "f.csv", 2, 2)])])
    assert result.tables["company_locations"].column("company_id").to_pylist() == ["C\x1fL", "C"]
    account = result.accounts[0]
    assert (account.read, account.used, dict(account.excluded)) == (2, 2, {})
