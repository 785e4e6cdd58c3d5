"""Issue 13 item 4: encodings and shapes, uniformly for canonical and vendor files — Windows-1252 and
UTF-16 canonical CSVs, UTF-16 JSON, ragged CSV rows quarantined with their line, empty orders files
reported as "no orders" in the result."""

from __future__ import annotations

import json
from pathlib import Path

from bridgewatch.ingest import load_folder
from bridgewatch.ingest.accounting import OnBadRow
from bridgewatch.results import collect
from bridgewatch.sources.bigcommerce_csv import NO_REFUNDS
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, sage
from ..sources.helpers import accounts, problems, read, rows

ORDERS_HEADER = "platform,order_id,customer_id,created_at,currency,total\n"


def _orders(folder: Path, body: str, encoding: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "orders.csv").write_text(ORDERS_HEADER + body, encoding=encoding)


def test_canonical_csvs_in_windows_1252_and_utf16_are_transcoded(tmp_path: Path) -> None:
    for encoding in ("cp1252", "utf-16"):
        folder = tmp_path / encoding
        _orders(folder, "shopify,Pedido-Año-€1,C1,2026-06-18T10:00:00Z,EUR,10.00\n", encoding)
        tables, _ = load_folder(folder, workspace_id="ws", require=False)
        assert tables["orders"].column("order_id").to_pylist() == ["Pedido-Año-€1"], encoding


def test_a_ragged_canonical_row_is_quarantined_with_its_line(tmp_path: Path) -> None:
    _orders(tmp_path, "shopify,1,C1,2026-06-18T10:00:00Z,EUR,10.00,extra\nshopify,2,C1,2026-06-18T10:00:00Z,EUR,"
                      "5.00\n", "utf-8")
    tables, accounting = load_folder(tmp_path, workspace_id="ws", require=False, on_bad_row=OnBadRow.QUARANTINE)
    assert tables["orders"].column("order_id").to_pylist() == ["2"]
    assert [(p.row, p.value, p.reason) for p in accounting.problems] == [
        (1, "shopify,1,C1,2026-06-18T10:00:00Z,EUR,10.00,extra",
         "line 2: too many columns: Expected Number of Columns: 6 Found: 7")]


def test_utf16_json_is_read(tmp_path: Path) -> None:
    page = tmp_path / "customers.json"
    page.write_text(json.dumps({"value": [{"number": "10000", "displayName": "Añil Ltd", "blocked": " "}]},
                               ensure_ascii=False), encoding="utf-16")
    assert rows(read("business_central_api", [page], company="CRONUS"), "erp_customers", "customer_account",
                "name") == [("10000", "Añil Ltd")]


def test_a_ragged_vendor_row_is_quarantined_and_the_rest_of_the_file_read(tmp_path: Path) -> None:
    export = tmp_path / "customers_export.csv"
    export.write_text("Customer ID,First Name,Last Name,Email\n'1,Ana,Pérez,ana@x.example,surplus\n"
                      "'2,Tom,Baker,tom@x.example\n'3,Lee\n", encoding="utf-8")
    result = read("shopify_csv", [export])
    assert rows(result, "commerce_customers", "customer_id", "source_row") == [("2", 2)]
    assert problems(result) == [
        ("customers_export.csv", 1, None, "'1,Ana,Pérez,ana@x.example,surplus",
         "line 2: too many columns: Expected Number of Columns: 4 Found: 5"),
        ("customers_export.csv", 3, None, "'3,Lee", "line 4: missing columns: Expected Number of Columns: 4 Found: 2")]
    assert accounts(result)[("commerce_customers", "customers_export.csv")] == {
        "read": 3, "used": 1, "excluded": {}, "quarantined": 2}


def test_header_only_and_empty_orders_files_say_no_orders_in_the_result(tmp_path: Path) -> None:
    s = sage()
    company(s, "A")
    root = s.write(tmp_path / "canonical")
    (root / "data" / "orders.csv").write_text(ORDERS_HEADER, encoding="utf-8")
    [card] = collect([load_workspace(root)])
    [entry] = [f for f in card.ingest if f["table"] == "orders"]
    assert (entry["read"], entry["notes"]) == (0, ["no orders: the file has a header and no rows"])
    (root / "data" / "orders.csv").write_bytes(b"")
    [card] = collect([load_workspace(root)])
    [entry] = [f for f in card.ingest if f["table"] == "orders"]
    assert (entry["read"], entry["notes"]) == (0, ["no orders: the file is empty"])
    assert card.count == 0


def test_empty_vendor_orders_exports_say_no_orders(tmp_path: Path) -> None:
    header_only = tmp_path / "orders_export.csv"
    header_only.write_text("Name,Email,Financial Status,Currency,Total,Created at,Lineitem quantity,Id\n")
    blank = tmp_path / "orders_2.csv"
    blank.write_bytes(b"")
    result = read("shopify_csv", [header_only, blank])
    assert accounts(result) == {
        ("orders", "orders_export.csv"): {"read": 0, "used": 0, "excluded": {}, "quarantined": 0,
                                          "notes": ["no orders: the file has a header and no rows"]},
        ("orders", "orders_2.csv"): {"read": 0, "used": 0, "excluded": {}, "quarantined": 0,
                                     "notes": ["no orders: the file is empty"]}}


def test_all_blank_canonical_rows_are_excluded_as_blank_rows_and_the_rest_keep_their_numbers(tmp_path: Path) -> None:
    _orders(tmp_path, "shopify,1,C1,2026-06-18T10:00:00Z,EUR,10.00\n,,,,,\nshopify,2,C1,2026-06-18T10:00:00Z,EUR,"
                      "5.00\n , ,,,,\n,,,,,\n", "utf-8")
    tables, accounting = load_folder(tmp_path, workspace_id="ws", require=False)  # the strict policy: no error
    assert list(zip(tables["orders"].column("order_id").to_pylist(), tables["orders"].column("source_row")
                    .to_pylist(), strict=True)) == [("1", 1), ("2", 3)]
    [orders] = [a.as_dict() for a in accounting.files if a.table == "orders"]
    assert (orders["read"], orders["used"], orders["excluded"], orders["quarantined"]) == (5, 2, {"blank row": 3}, 0)


def test_all_blank_vendor_rows_are_excluded_as_blank_rows_in_every_csv_reader(tmp_path: Path) -> None:
    bigcommerce = tmp_path / "orders.csv"
    bigcommerce.write_text("Order ID,Customer ID,Order Date,Order Status,Order Total (inc tax),Order Currency Code\n"
                           "1,0,06/16/2026 09:12:44,Shipped,£10.00,GBP\n,,,,,\n"
                           "2,0,06/16/2026 09:12:44,Shipped,£10.00,GBP\n,  ,,,,\n,,,,,\n")
    result = read("bigcommerce_csv", [bigcommerce])
    assert rows(result, "orders", "order_id", "source_row") == [("1", 1), ("2", 3)]
    assert problems(result) == []
    assert accounts(result) == {("orders", "orders.csv"): {"read": 5, "used": 2, "excluded": {"blank row": 3},
                                                           "quarantined": 0, "notes": [NO_REFUNDS]}}
    intacct = tmp_path / "customer_list.csv"
    intacct.write_text("Customer ID;Name;Status\n;;\nC-1;Ana Ltd;Active\n;;\n")
    result = read("sage_intacct_csv", [intacct])
    assert rows(result, "erp_customers", "customer_account", "source_row") == [("C-1", 2)]
    assert accounts(result) == {("erp_customers", "customer_list.csv"): {
        "read": 3, "used": 1, "excluded": {"blank row": 2}, "quarantined": 0}}
    only_blank = tmp_path / "customers_export.csv"
    only_blank.write_text("Customer ID,First Name,Last Name,Email\n,,,\n")
    assert accounts(read("shopify_csv", [only_blank])) == {("commerce_customers", "customers_export.csv"): {
        "read": 1, "used": 0, "excluded": {"blank row": 1}, "quarantined": 0}}


def test_utf16_without_a_byte_order_mark_is_read_in_either_byte_order(tmp_path: Path) -> None:
    """A UTF-16 file saved without its BOM (a .NET or Java writer told "UTF-16LE", a tool that strips the
    mark) was taken for UTF-8: its header read as one name strewn with NULs, and the message said every
    required column was missing. The NULs' positions give the byte order: the file is read, same rows."""
    export = tmp_path / "customers_export.csv"
    export.write_bytes("Customer ID,First Name,Last Name,Email\n'7001,Añil,Öz,anil@x.example\n"
                       "'7002,Tom,Baker,tom@x.example\n".encode("utf-16-le"))
    assert rows(read("shopify_csv", [export]), "commerce_customers", "customer_id", "email", "source_row") == [
        ("7001", "anil@x.example", 1), ("7002", "tom@x.example", 2)]
    folder = tmp_path / "canonical"
    folder.mkdir()
    (folder / "orders.csv").write_bytes(
        (ORDERS_HEADER + "shopify,Pedido-Año-€1,C1,2026-06-18T10:00:00Z,EUR,10.00\n").encode("utf-16-be"))
    tables, _ = load_folder(folder, workspace_id="ws", require=False)
    assert tables["orders"].column("order_id").to_pylist() == ["Pedido-Año-€1"]
    page = tmp_path / "customers.json"
    page.write_bytes(json.dumps({"value": [{"number": "10000", "displayName": "Añil Ltd", "blocked": " "}]},
                                ensure_ascii=False).encode("utf-16-le"))
    assert rows(read("business_central_api", [page], company="CRONUS"), "erp_customers", "customer_account",
                "name") == [("10000", "Añil Ltd")]


def test_a_utf8_file_with_a_stray_nul_is_not_taken_for_utf16(tmp_path: Path) -> None:
    from bridgewatch.ingest.csvfile import detect_encoding

    export = tmp_path / "customers_export.csv"
    export.write_bytes("Customer ID,First Name,Last Name,Email\n'7001,Ana\x00,Öz,anil@x.example\n".encode())
    assert detect_encoding(export) == "utf-8"
    export.write_bytes(b"\x00\x00\x00\x00")  # too short and no text either way: not UTF-16 text
    assert detect_encoding(export) == "utf-8"
