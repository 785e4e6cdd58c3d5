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
from bridgewatch.sources.combine import combine

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
