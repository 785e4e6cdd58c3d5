"""Every fixture set balances: for each (table, file), read = used + excluded + quarantined, and every
file of the set is accounted for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridgewatch.model.tables import LINEAGE_COLUMNS, TABLES_BY_NAME
from bridgewatch.sources import READERS

from .helpers import FIXTURES, read

SETS: list[tuple[str, str, dict[str, Any]]] = [
    ("shopify_csv", "shopify/*.csv", {"vat_column": "VAT number (customer.metafields.custom.vat_number)"}),
    ("shopify_api", "shopify/graphql_*.json", {}),
    ("shopify_api", "shopify/bulk_orders.jsonl", {}),
    ("bigcommerce_api", "bigcommerce/*.json", {}),
    ("bigcommerce_api", "bigcommerce/malformed/*.json", {}),
    ("bigcommerce_csv", "bigcommerce/*.csv", {}),
    ("adobe_commerce_api", "adobe/*.json", {}),
    ("adobe_commerce_api", "adobe/malformed/*.json", {}),
    ("adobe_commerce_csv", "adobe/*.csv", {"currency": "EUR"}),
    ("sage_intacct_xml", "intacct/*.xml", {}),
    ("sage_intacct_xml", "intacct/malformed/bad_values.xml", {}),
    ("sage_intacct_csv", "intacct/*.csv", {}),
    ("sage_intacct_rest", "intacct/rest/*.json", {}),
    ("d365_fo_odata", "d365/*.json", {}),
    ("d365_fo_odata", "d365/malformed/*.json", {}),
    ("d365_fo_csv", "d365/*.csv", {}),
    ("business_central_api", "business_central/*.json", {}),
    ("business_central_api", "business_central/web_services/*.json", {}),
    ("business_central_csv", "business_central/*.csv", {"company": "CRONUS UK"}),
    ("dataverse_api", "dataverse/*.json", {}),
    ("dataverse_csv", "dataverse/*.csv", {}),
    ("sync_log", "synclogs/sage_connector_log.*", {}),
    ("power_automate_flowruns", "synclogs/flowruns.json", {"flows": ["Shopify customer to F&O"]}),
    ("business_central_connector_log", "synclogs/skipped_records.csv", {}),
]


@pytest.mark.parametrize(("reader", "pattern", "options"), SETS, ids=[f"{r}:{p}" for r, p, _ in SETS])
def test_read_equals_used_plus_excluded_plus_quarantined(reader: str, pattern: str, options: dict[str, Any]) -> None:
    result = read(reader, pattern, **options)
    for account in result.accounts:
        excluded = sum(account.excluded.values())
        assert account.read == account.used + excluded + account.quarantined_rows, account.as_dict()
        assert account.balanced
    used = {}
    for account in result.accounts:
        used[account.table] = used.get(account.table, 0) + account.used
    produced = {t: tbl.num_rows for t, tbl in result.tables.items()}
    assert produced == {t: n for t, n in used.items() if t in result.tables}
    files = {str(p) for p in FIXTURES.glob(pattern)}
    assert {a.file for a in result.accounts} == files


@pytest.mark.parametrize(("reader", "pattern", "options"), SETS[:1] + SETS[9:10], ids=["shopify_csv", "intacct"])
def test_tables_carry_lineage_then_canonical_columns(reader: str, pattern: str, options: dict[str, Any]) -> None:
    result = read(reader, pattern, **options)
    for name, table in result.tables.items():
        expected = [c.name for c in LINEAGE_COLUMNS] + list(TABLES_BY_NAME[name].column_names)
        assert table.column_names == expected
        assert str(table.schema.field("source_row").type) == "int64"


def test_every_reader_has_a_fixture_set_and_a_doc() -> None:
    assert {r for r, _, _ in SETS} == set(READERS)
    docs = Path(__file__).resolve().parents[2] / "docs" / "sources"
    documented = " ".join(p.read_text(encoding="utf-8") for p in docs.glob("*.md"))
    readme = (docs.parents[1] / "README.md").read_text(encoding="utf-8")
    for name, reader in READERS.items():
        assert f"`{name}`" in documented, name
        assert f"`{name}`" in readme, name
        for option in reader.options:
            assert f"`{option}`" in documented, f"{name}.{option}"


def test_option_tables_in_the_docs_are_generated_from_the_readers() -> None:
    from bridgewatch.sources.docs import refresh

    docs = Path(__file__).resolve().parents[2] / "docs" / "sources"
    for path in docs.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        assert refresh(text) == text, f"run: python -m bridgewatch.sources.docs docs/sources ({path.name})"
