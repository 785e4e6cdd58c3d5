"""Canonical files: typed loading, every bad cell named by file/row/field, duplicates counted, nothing dropped."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from bridgewatch.errors import InputError
from bridgewatch.ingest.accounting import OnBadRow
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, erp, sage


def _ws(tmp_path: Path) -> Path:
    s = sage()
    company(s, "A", vat="GB123456789")
    erp(s, "C1", vat_number="123456789")
    return s.write(tmp_path / "ws")


def _replace(path: Path, old: str, new: str) -> None:
    path.write_text(path.read_text().replace(old, new, 1))


def test_typed_values_and_lineage(tmp_path: Path) -> None:
    ws = load_workspace(_ws(tmp_path))
    order = ws.tables["orders"].to_pylist()[0]
    assert (order["workspace_id"], order["source_row"], order["customer_id"], order["total"], order["created_at"],
            order["cancelled"]) == ("sage-test", 1, "A-U", Decimal("100.0000"), datetime(2026, 4, 10, 10, 0), False)
    assert order["source_file"].endswith("data/orders.csv")


def test_ids_keep_leading_zeros_and_zones_convert_to_utc(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    orders = root / "data" / "orders.csv"
    _replace(orders, "A-0,A-U", "00042,A-U")
    _replace(orders, "2026-04-10T10:00:00Z", "2026-04-10T11:30:00+01:00")
    order = load_workspace(root).tables["orders"].to_pylist()[0]
    assert (order["order_id"], order["created_at"]) == ("00042", datetime(2026, 4, 10, 10, 30))


def test_naive_timestamps_use_the_workspace_zone(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    _replace(root / "workspace.toml", "[workspace]", '[workspace]\ntimezone = "Europe/London"')
    _replace(root / "data" / "orders.csv", "2026-04-10T10:00:00Z", "2026-04-10 10:00:00")
    order = load_workspace(root).tables["orders"].to_pylist()[0]
    assert order["created_at"] == datetime(2026, 4, 10, 9, 0)  # BST is UTC+1


def test_bad_cells_are_listed_with_file_row_and_field(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    orders = root / "data" / "orders.csv"
    _replace(orders, "2026-04-10T10:00:00Z", "10th April")
    with pytest.raises(InputError) as err:
        load_workspace(root)
    problems = [(Path(p.file).name, p.row, p.field, p.value) for p in err.value.problems]
    assert ("orders.csv", 1, "created_at", "10th April") in problems
    assert "expected an ISO-8601 timestamp such as 2026-04-10T09:30:00Z" in str(err.value)


def test_missing_column_and_unknown_column(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    orders = root / "data" / "orders.csv"
    header, *rest = orders.read_text().splitlines()
    orders.write_text("\n".join([header.replace("currency", "curency")] + rest) + "\n")
    with pytest.raises(InputError) as err:
        load_workspace(root)
    text = str(err.value)
    assert "orders.csv, field 'currency': required column is missing from the header" in text
    assert "orders.csv, field 'curency': unknown column for table 'orders'. Did you mean currency?" in text


def test_blank_header_cells_a_spreadsheet_leaves_are_ignored_unless_their_column_has_values(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    orders = root / "data" / "orders.csv"
    header, *rest = orders.read_text().splitlines()
    orders.write_text("\r\n".join([header + ",,"] + [line + ",," for line in rest]) + "\r\n")
    order = load_workspace(root).tables["orders"].to_pylist()[0]
    assert (order["source_row"], order["customer_id"], order["total"]) == (1, "A-U", Decimal("100.0000"))
    orders.write_text("\r\n".join([header + ",,"] + [line + ",,note" for line in rest]) + "\r\n")
    with pytest.raises(InputError) as err:
        load_workspace(root)
    width = len(header.split(","))
    assert [(Path(p.file).name, p.field, p.reason) for p in err.value.problems] == [
        ("orders.csv", f"column {width + 2}", "the column has values but no name in the header row")]


def test_missing_required_file(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    (root / "data" / "erp_customers.csv").unlink()
    with pytest.raises(InputError, match="erp_customers.csv: required file is missing"):
        load_workspace(root)


def test_unknown_entity_is_an_error(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    _replace(root / "data" / "erp_customers.csv", "sage_intacct,,C1", "sage_intacct,ZZ01,C1")
    with pytest.raises(InputError) as err:
        load_workspace(root)
    [p] = err.value.problems
    assert (Path(p.file).name, p.row, p.field, p.value) == ("erp_customers.csv", 1, "legal_entity", "ZZ01")
    assert "unknown legal entity; configured: UK01" in p.reason


def test_quarantine_keeps_the_rest_and_balances(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    orders = root / "data" / "orders.csv"
    lines = orders.read_text().splitlines()
    orders.write_text("\n".join(lines + [lines[1].replace("A-0", "A-1").replace("GBP", "pounds"),
                                         lines[1]]) + "\n")
    ws = load_workspace(root, on_bad_row=OnBadRow.QUARANTINE)
    [account] = [f for f in ws.accounting.files if f.table == "orders"]
    assert (account.read, account.used, dict(account.excluded), account.quarantined_rows) == (
        3, 1, {"duplicate key": 1}, 1)
    assert account.balanced
    assert [(p.row, p.field, p.value) for p in account.quarantined] == [(2, "currency", "pounds")]


def test_truncated_parquet_is_a_clear_error(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    (root / "data" / "fx_rates.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="fx_rates.parquet: cannot be read as Parquet"):
        load_workspace(root)


def test_a_line_with_too_many_fields_is_named_and_the_rest_numbered_right(tmp_path: Path) -> None:
    s = sage()
    for cid in ("A", "B", "C", "D"):
        company(s, cid)
    root = s.write(tmp_path / "ws")
    orders = root / "data" / "orders.csv"
    lines = orders.read_text().splitlines()
    lines[2] += ",extra"
    lines[3] = lines[3].replace("GBP", "pounds")
    orders.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        load_workspace(root)
    assert [(p.row, p.field) for p in err.value.problems] == [(2, None), (3, "currency")]
    assert "line 3: too many columns: Expected Number of Columns: 14 Found: 15" in str(err.value)
    ws = load_workspace(root, on_bad_row=OnBadRow.QUARANTINE)
    assert ws.tables["orders"].select(["source_row", "order_id"]).to_pylist() == [
        {"source_row": 1, "order_id": "A-0"}, {"source_row": 4, "order_id": "D-0"}]
    [account] = [f for f in ws.accounting.files if f.table == "orders"]
    assert (account.read, account.used, account.quarantined_rows, account.balanced) == (4, 2, 2, True)


def test_an_empty_line_is_a_row_and_the_rows_after_it_are_numbered_past_it(tmp_path: Path) -> None:
    s = sage()
    for cid in ("A", "B", "C"):
        company(s, cid)
    root = s.write(tmp_path / "ws")
    orders = root / "data" / "orders.csv"
    lines = orders.read_text().splitlines()
    lines[3] = lines[3].replace("GBP", "pounds")
    orders.write_text("\n".join([*lines[:2], "", *lines[2:], "", ""]))
    with pytest.raises(InputError) as err:
        load_workspace(root)
    assert [(p.row, p.field, p.value) for p in err.value.problems] == [(4, "currency", "pounds")]
    ws = load_workspace(root, on_bad_row=OnBadRow.QUARANTINE)
    assert ws.tables["orders"].select(["source_row", "order_id"]).to_pylist() == [
        {"source_row": 1, "order_id": "A-0"}, {"source_row": 3, "order_id": "B-0"}]


def test_semicolon_file_with_bom_reads(tmp_path: Path) -> None:
    root = _ws(tmp_path)
    orders = root / "data" / "orders.csv"
    orders.write_bytes(b"\xef\xbb\xbf" + orders.read_text().replace(",", ";").encode())
    assert load_workspace(root).tables["orders"].column("order_id").to_pylist() == ["A-0"]


def test_a_sync_event_repeated_with_its_id_is_one_event_and_events_without_an_id_are_all_kept(
        tmp_path: Path) -> None:
    from ..cards.builders import event

    s = sage()
    company(s, "A", vat="GB123456789")
    event(s, "A", "failed", "2026-04-13T09:00:00Z", "Required field Name is missing", event_id="EV-1")
    event(s, "A", "failed", "2026-04-13T09:00:00Z", "Required field Name is missing", event_id="EV-1")
    event(s, "A", "failed", "2026-04-13T10:00:00Z", "Timeout")
    event(s, "A", "failed", "2026-04-13T10:00:00Z", "Timeout")
    ws = load_workspace(s.write(tmp_path / "ws"))
    [account] = [f for f in ws.accounting.files if f.table == "sync_events"]
    assert (account.read, account.used, dict(account.excluded)) == (4, 3, {"duplicate key": 1})
    assert [(e["event_id"], e["rejection_reason"]) for e in ws.tables["sync_events"].to_pylist()] == [
        ("EV-1", "Required field Name is missing"), (None, "Timeout"), (None, "Timeout")]


@pytest.mark.parametrize("word", ["infinity", "-infinity", "epoch", "Infinity"])
def test_a_timestamp_word_is_not_a_time(tmp_path: Path, word: str) -> None:
    """DuckDB reads ``infinity`` / ``-infinity`` / ``epoch`` as timestamps (9999-12-31, 0001-01-01, 1970-01-01): an
    order so stamped was loaded and silently left out (after the as-of, before the window) instead of reported."""
    root = _ws(tmp_path)
    _replace(root / "data" / "orders.csv", "2026-04-10T10:00:00Z", word)
    with pytest.raises(InputError) as err:
        load_workspace(root)
    assert [(Path(p.file).name, p.row, p.field, p.value) for p in err.value.problems] == [
        ("orders.csv", 1, "created_at", word)]
