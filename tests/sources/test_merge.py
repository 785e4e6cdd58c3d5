"""Issue 13 items 1-2: the same customer from two sources is merged field by field in source precedence;
a conflicting value is recorded in the accounting, never silent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from bridgewatch.config import parse_config
from bridgewatch.ingest.accounting import FileAccount, OnBadRow
from bridgewatch.model.tables import COMMERCE_CUSTOMERS, LINEAGE_COLUMNS
from bridgewatch.sources import load_sources
from bridgewatch.sources.base import ReadResult
from bridgewatch.sources.combine import CONFLICTING, SUPERSEDED, combine

from .helpers import read

CUSTOMERS_CSV = """Customer ID,First Name,Last Name,Email,Default Address Company,Default Address Country Code,Tags
'7210448301122,Ana,Pérez,ana@ferreteria.example,,ES,wholesale
'7210448301123,Tom,Baker,tom@baker.example,,GB,
"""


def _graphql_page(path: Path) -> None:
    path.write_text(json.dumps({"data": {"customers": {"nodes": [
        {"id": "gid://shopify/Customer/7210448301122", "displayName": "Ana Pérez López",
         "defaultEmailAddress": {"emailAddress": "ANA@ferreteria.example"},
         "defaultAddress": {"countryCodeV2": "ES", "company": "Ferretería López SL"},
         "createdAt": "2026-03-02T09:15:11Z", "tags": ["wholesale"],
         "companyContactProfiles": [{"company": {"id": "gid://shopify/Company/426793626"}}]},
        {"id": "gid://shopify/Customer/7210448301123", "displayName": "Tom Baker",
         "defaultEmailAddress": {"emailAddress": "tom@bakery.example"}, "defaultAddress": {"countryCodeV2": "IE"},
         "tags": []}]}}}))


def _load(tmp_path: Path, sources: dict[str, Any]) -> tuple[dict[str, Any], list[FileAccount]]:
    config = parse_config({"workspace": {"id": "ws", "erp": "sage_intacct", "home_country": "GB",
                                         "reporting_currency": "GBP"},
                           "legal_entities": [{"id": "UK01", "currency": "GBP"}], "sources": sources}, root=tmp_path)
    return load_sources(config, on_bad_row=OnBadRow.QUARANTINE)


def test_a_customer_from_a_csv_and_a_graphql_page_is_merged_field_by_field(tmp_path: Path) -> None:
    (tmp_path / "customers_export.csv").write_text(CUSTOMERS_CSV, encoding="utf-8")
    _graphql_page(tmp_path / "customers.json")
    tables, accounts = _load(tmp_path, {"csv": {"reader": "shopify_csv", "path": "customers_export.csv"},
                                        "api": {"reader": "shopify_api", "path": "customers.json"}})
    merged = [{k: r[k] for k in ("customer_id", "email", "name", "is_b2b", "company_id", "company_name", "country",
                                 "tags", "created_at", "source_file", "source_row")}
              for r in tables["commerce_customers"].to_pylist()]
    assert [(m["customer_id"], m["email"], m["name"], m["is_b2b"], m["company_id"], m["company_name"], m["country"],
             m["tags"], str(m["created_at"]), Path(m["source_file"]).name, m["source_row"]) for m in merged] == [
        # the CSV (first source) wins where it has a value; the GraphQL page fills the rest
        ("7210448301122", "ana@ferreteria.example", "Ana Pérez", True, "426793626", "Ferretería López SL", "ES",
         "wholesale", "2026-03-02 09:15:11", "customers_export.csv", 1),
        ("7210448301123", "tom@baker.example", "Tom Baker", False, None, None, "GB", None, "None",
         "customers_export.csv", 2),
    ]
    by_file = {(a.table, Path(a.file).name): a.as_dict() for a in accounts}
    assert by_file[("commerce_customers", "customers.json")] == {
        "table": "commerce_customers", "file": str(tmp_path / "customers.json"), "read": 2, "used": 0,
        "excluded": {"duplicate, conflicting: email, country": 1, "duplicate, conflicting: name": 1},
        "quarantined": 0}
    assert by_file[("commerce_customers", "customers_export.csv")]["used"] == 2


def test_precedence_follows_the_order_of_the_sources(tmp_path: Path) -> None:
    (tmp_path / "customers_export.csv").write_text(CUSTOMERS_CSV, encoding="utf-8")
    _graphql_page(tmp_path / "customers.json")
    tables, accounts = _load(tmp_path, {"api": {"reader": "shopify_api", "path": "customers.json"},
                                        "csv": {"reader": "shopify_csv", "path": "customers_export.csv"}})
    assert [(r["customer_id"], r["email"], r["name"], r["country"], r["tags"])
            for r in tables["commerce_customers"].to_pylist()] == [
        ("7210448301122", "ANA@ferreteria.example", "Ana Pérez López", "ES", "wholesale"),
        ("7210448301123", "tom@bakery.example", "Tom Baker", "IE", None)]
    assert {(Path(a.file).name, k): n for a in accounts for k, n in a.excluded.items()} == {
        ("customers_export.csv", "duplicate, conflicting: email, country"): 1,
        ("customers_export.csv", "duplicate, conflicting: name"): 1}


def _table(records: list[dict[str, Any]], file: str) -> pa.Table:
    names = [c.name for c in (*LINEAGE_COLUMNS, *COMMERCE_CUSTOMERS.columns)]
    full = [{n: r.get(n) for n in names} | {"workspace_id": "ws", "source_file": file, "platform": "shopify",
                                            "is_b2b": r.get("is_b2b", False)} for r in records]
    schema = pa.schema([(n, pa.bool_() if n == "is_b2b" else pa.int64() if n == "source_row" else
                         pa.timestamp("us") if n == "created_at" else pa.date32() if n == "created_on" else
                         pa.string()) for n in names])
    return pa.Table.from_pylist(full, schema=schema)


def test_identical_repeats_are_plain_duplicates_and_vat_numbers_compare_as_keys() -> None:
    first = _table([{"customer_id": "1", "vat_number": "GB 123 4567 89", "source_row": 1}], "a.json")
    again = _table([{"customer_id": "1", "vat_number": "gb123456789", "source_row": 1},
                    {"customer_id": "1", "vat_number": "GB000000000", "source_row": 2}], "b.json")
    result = combine([ReadResult({"commerce_customers": first}, [FileAccount("commerce_customers", "a.json", 1, 1)]),
                      ReadResult({"commerce_customers": again}, [FileAccount("commerce_customers", "b.json", 2, 2)])])
    assert result.tables["commerce_customers"].column("vat_number").to_pylist() == ["GB 123 4567 89"]
    assert [(a.file, a.used, dict(a.excluded)) for a in result.accounts] == [
        ("a.json", 1, {}), ("b.json", 0, {"duplicate": 1, "duplicate, conflicting: vat_number": 1})]


# -- two exports of one source from different weeks: the newer one's values win where the files say which is newer --

def _accounts(result: ReadResult, table: str) -> dict[str, dict[str, int]]:
    return {Path(a.file).name: dict(a.excluded) for a in result.accounts if a.table == table}


def _two_intacct_exports(tmp_path: Path, status_and_tax_id: str) -> ReadResult:
    """Customer list exports of 7 and 14 June in one source (the older sorts first by path): C-10422 unchanged,
    C-10423 changed on 13 June to ``status_and_tax_id`` (``Inactive,IE9825613N``)."""
    header = "Customer ID,Name,Status,Tax ID,Entity,Date created,Date modified\n"
    (tmp_path / "customers_2026-06-07.csv").write_text(
        header + "C-10423,Celtic Fixings,Active,IE6388047V,UK01,01/20/2026 15:45:00,05/20/2026 08:30:00\n"
                 "C-10422,Harbour Tools,Active,GB980780684,UK01,03/12/2026 09:14:02,03/12/2026 09:14:02\n",
        encoding="utf-8")
    (tmp_path / "customers_2026-06-14.csv").write_text(
        header + "C-10422,Harbour Tools,Active,GB980780684,UK01,03/12/2026 09:14:02,03/12/2026 09:14:02\n"
                 f"C-10423,Celtic Fixings,{status_and_tax_id},UK01,01/20/2026 15:45:00,06/13/2026 16:20:00\n",
        encoding="utf-8")
    return read("sage_intacct_csv", sorted(tmp_path.glob("*.csv")))


def test_an_intacct_record_changed_since_an_older_export_takes_the_newer_values(tmp_path: Path) -> None:
    """Two customer list exports from different weeks in one source; the older sorts first by path. C-10423 was made
    inactive and given a new tax id in between (its Date modified says so): the newer copy wins, not the first by
    path, and the older copy is counted as superseded in its own file. An unchanged record stays a plain duplicate."""
    result = _two_intacct_exports(tmp_path, "Inactive,IE9825613N")
    got = [(r["customer_account"], r["status"], r["vat_number"], str(r["modified_at"]), Path(r["source_file"]).name)
           for r in result.tables["erp_customers"].to_pylist()]
    assert got == [("C-10423", "inactive", "IE9825613N", "2026-06-13 16:20:00", "customers_2026-06-14.csv"),
                   ("C-10422", "active", "GB980780684", "2026-03-12 09:14:02", "customers_2026-06-07.csv")]
    assert _accounts(result, "erp_customers") == {
        "customers_2026-06-07.csv": {SUPERSEDED + "vat_number, status, modified_at": 1},
        "customers_2026-06-14.csv": {"duplicate": 1}}


ORDERS_HEADER = ("Order ID,Customer ID,Customer Email,Order Date,Order Status,Order Total (inc tax),"
                 "Order Currency Code\n")


def test_an_order_cancelled_since_an_older_export_is_read_cancelled(tmp_path: Path) -> None:
    """Orders carry no change time: the newer export is the one whose newest order is later (as the freshness check
    dates an export). Order 1 was cancelled between the two weekly exports; the older export sorts first by path."""
    (tmp_path / "orders_week25.csv").write_text(
        ORDERS_HEADER + "1,1042,jane@acme.example,06/16/2026 09:12:44,Awaiting Fulfillment,£120.00,GBP\n"
                        "2,1042,jane@acme.example,06/19/2026 10:00:00,Awaiting Fulfillment,£30.00,GBP\n",
        encoding="utf-8")
    (tmp_path / "orders_week26.csv").write_text(
        ORDERS_HEADER + "1,1042,jane@acme.example,06/16/2026 09:12:44,Cancelled,£120.00,GBP\n"
                        "3,1042,jane@acme.example,06/26/2026 11:00:00,Awaiting Fulfillment,£45.00,GBP\n",
        encoding="utf-8")
    result = read("bigcommerce_csv", sorted(tmp_path.glob("*.csv")))
    got = [(r["order_id"], r["status"], r["cancelled"], Path(r["source_file"]).name)
           for r in result.tables["orders"].to_pylist()]
    assert got == [("1", "Cancelled", True, "orders_week26.csv"), ("2", "Awaiting Fulfillment", False,
                                                                     "orders_week25.csv"),
                   ("3", "Awaiting Fulfillment", False, "orders_week26.csv")]
    assert _accounts(result, "orders") == {"orders_week25.csv": {SUPERSEDED + "status, cancelled": 1},
                                           "orders_week26.csv": {}}


def test_copies_that_cannot_be_ordered_keep_the_first_file_and_are_flagged(tmp_path: Path) -> None:
    """Two exports whose newest orders are equally old say nothing of which is newer: the first by path keeps its
    values and the other copy is flagged as conflicting, as before; so are two sources (workspace.toml order)."""
    (tmp_path / "orders_a.csv").write_text(
        ORDERS_HEADER + "5,1042,jane@acme.example,06/16/2026 09:12:44,Awaiting Fulfillment,£120.00,GBP\n",
        encoding="utf-8")
    (tmp_path / "orders_b.csv").write_text(
        ORDERS_HEADER + "5,1042,jane@acme.example,06/16/2026 09:12:44,Cancelled,£120.00,GBP\n", encoding="utf-8")
    result = read("bigcommerce_csv", sorted(tmp_path.glob("*.csv")))
    assert [(r["order_id"], r["status"], r["cancelled"]) for r in result.tables["orders"].to_pylist()] == [
        ("5", "Awaiting Fulfillment", False)]
    assert _accounts(result, "orders") == {"orders_a.csv": {}, "orders_b.csv": {CONFLICTING + "status, cancelled": 1}}


def test_a_field_the_newer_export_leaves_empty_is_empty(tmp_path: Path) -> None:
    """A tax id removed from C-10423 since the older export (its Date modified says so): the newer export's empty
    cell wins, not the older value — filled from the older copy, the record would still match a storefront customer
    on a VAT number the master no longer holds (a false all-clear). The newer export carries the column (C-10422's
    tax id is there), so its empty cell says 'none'."""
    result = _two_intacct_exports(tmp_path, "Active,")
    got = [(r["customer_account"], r["vat_number"], str(r["modified_at"]), Path(r["source_file"]).name)
           for r in result.tables["erp_customers"].to_pylist()]
    assert got == [("C-10423", None, "2026-06-13 16:20:00", "customers_2026-06-14.csv"),
                   ("C-10422", "GB980780684", "2026-03-12 09:14:02", "customers_2026-06-07.csv")]
    assert _accounts(result, "erp_customers") == {
        "customers_2026-06-07.csv": {SUPERSEDED + "vat_number, modified_at": 1},
        "customers_2026-06-14.csv": {"duplicate": 1}}


def test_a_newer_export_without_a_column_leaves_the_older_value(tmp_path: Path) -> None:
    """The newer export of the same list has no e-mail column (another saved view of the list): C-10423, changed
    since (its Date modified), takes the newer export's values for the columns it has — its tax id removed — and
    keeps the older export's e-mail, which the newer one says nothing of."""
    (tmp_path / "customers_2026-06-07.csv").write_text(
        "Customer ID,Name,Status,Tax ID,Email,Entity,Date created,Date modified\n"
        "C-10423,Celtic Fixings,Active,IE6388047V,buy@celtic.example,UK01,01/20/2026 15:45:00,05/20/2026 08:30:00\n",
        encoding="utf-8")
    (tmp_path / "customers_2026-06-14.csv").write_text(
        "Customer ID,Name,Status,Tax ID,Entity,Date created,Date modified\n"
        "C-10422,Harbour Tools,Active,GB980780684,UK01,03/12/2026 09:14:02,03/12/2026 09:14:02\n"
        "C-10423,Celtic Fixings,Active,,UK01,01/20/2026 15:45:00,06/13/2026 16:20:00\n", encoding="utf-8")
    result = read("sage_intacct_csv", sorted(tmp_path.glob("*.csv")))
    got = {r["customer_account"]: (r["vat_number"], r["email"], Path(r["source_file"]).name)
           for r in result.tables["erp_customers"].to_pylist()}
    assert got == {"C-10423": (None, "buy@celtic.example", "customers_2026-06-14.csv"),
                   "C-10422": ("GB980780684", None, "customers_2026-06-14.csv")}
    assert _accounts(result, "erp_customers") == {
        "customers_2026-06-07.csv": {SUPERSEDED + "vat_number, modified_at": 1}, "customers_2026-06-14.csv": {}}


def test_copies_dated_by_their_files_only_still_fill_an_empty_field(tmp_path: Path) -> None:
    """Orders and commerce customers carry no change time of their own: copies are dated by their file's newest
    time, and a page repeating a record may hold fewer of its fields, so an empty field is still filled from the
    other copy (docs/sources/README.md). Order 1's newer copy has no ship-to country: the older one's stays."""
    header = ORDERS_HEADER.rstrip("\n") + ",Shipping Country\n"
    (tmp_path / "orders_week25.csv").write_text(
        header + "1,1042,jane@acme.example,06/16/2026 09:12:44,Awaiting Fulfillment,£120.00,GBP,United Kingdom\n",
        encoding="utf-8")
    (tmp_path / "orders_week26.csv").write_text(
        header + "1,1042,jane@acme.example,06/16/2026 09:12:44,Cancelled,£120.00,GBP,\n"
                 "3,1042,jane@acme.example,06/26/2026 11:00:00,Awaiting Fulfillment,£45.00,GBP,Ireland\n",
        encoding="utf-8")
    result = read("bigcommerce_csv", sorted(tmp_path.glob("*.csv")))
    got = [(r["order_id"], r["status"], r["ship_to_country"], Path(r["source_file"]).name)
           for r in result.tables["orders"].to_pylist()]
    assert got == [("1", "Cancelled", "GB", "orders_week26.csv"), ("3", "Awaiting Fulfillment", "IE",
                                                                  "orders_week26.csv")]
