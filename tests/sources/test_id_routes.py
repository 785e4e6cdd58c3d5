"""A commerce id held by an ERP or staging record, read through every export route that carries the external id
field: a Shopify GID keeps its platform and kind (``gid://shopify/Company/42`` is the company, never customer 42),
and the source's ``external_id_platform`` / ``external_id_kind`` options say whose a bare id is.

The workspace has Shopify customer 42, BigCommerce customer 42 and Shopify company 42 (buyer 42-U), one order
each. The master (or Dataverse) holds ``gid://shopify/Company/42`` and a bare ``42``. Before, the GID was cut to
``42`` and ``42`` named every account numbered 42: all three read present, Shopify customer 42 a false all-clear.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bridgewatch.errors import ConfigError
from bridgewatch.model.tables import TABLES_BY_NAME
from bridgewatch.results import collect
from bridgewatch.scenario import Scenario, write_csv
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, d365, erp, sage
from . import routes_dataverse as dv
from .helpers import read, rows
from .routes import (
    Route,
    d365_dmf_csv,
    d365_dmf_package,
    d365_dmf_xml_attribute,
    d365_dmf_xml_element,
    d365_dmf_xml_package,
    d365_pages,
    intacct_xml,
    write_route,
)

ORDER = "2026-04-10T10:00:00Z"
GID = "gid://shopify/Company/42"
D365_ROUTES: dict[str, Route] = {
    "d365_pages": d365_pages, "d365_dmf_csv": d365_dmf_csv, "d365_dmf_package": d365_dmf_package,
    "d365_dmf_xml_element": d365_dmf_xml_element, "d365_dmf_xml_attribute": d365_dmf_xml_attribute,
    "d365_dmf_xml_package": d365_dmf_xml_package}
DATAVERSE_ROUTES: dict[str, Route] = {"api_pages": dv.api_pages, **dv.FILE_ROUTES}


def _accounts(*, on_sage: bool) -> Scenario:
    """The three accounts numbered 42 (B2B-flagged, so the Sage card counts them too), field map external_id."""
    s = sage(id="ids") if on_sage else d365(id="ids")
    card = "sage_customer_master_gap" if on_sage else "d365_customer_master_gap"
    s.config["field_map"] = {card: ["external_id"]}
    country, currency = ("GB", "GBP") if on_sage else ("US", "USD")
    for platform in ("shopify", "bigcommerce"):
        s.add("commerce_customers", platform=platform, customer_id="42", email=f"42@{platform}.test", is_b2b=True,
              country=country, created_at="2026-01-05T10:00:00Z")
        s.add("orders", platform=platform, order_id=f"{platform}-1", customer_id="42", created_at=ORDER,
              currency=currency, total="50.00", ship_to_country=country)
    company(s, "42", platform="shopify", country=country, currency=currency, orders=(ORDER,))
    return s


def _master(*, on_sage: bool) -> Scenario:
    s = _accounts(on_sage=on_sage)
    system, entity = ("sage_intacct", "UK01") if on_sage else ("d365_fo", "USTI")
    erp(s, "A-1", system=system, entity=entity, name="Forty Two Co", external_id=GID,
        created_at="2026-01-06T10:00:00Z")
    erp(s, "A-2", system=system, entity=entity, name="Forty Two", external_id="42", created_at="2026-01-06T10:00:00Z")
    return s


def _commerce(but: str) -> Route:
    """A route writing every table but ``but`` as canonical files (the route under test writes that one)."""
    def write(exports: Path, s: Scenario) -> dict[str, dict[str, Any]]:
        data = exports.parent / "data"
        data.mkdir(parents=True, exist_ok=True)
        for name, table in TABLES_BY_NAME.items():
            if name != but and (s.rows.get(name) or not table.optional):
                write_csv(data / f"{name}.csv", table.column_names, s.rows.get(name, []))
        return {}
    return write


def _with_options(route: Route, **options: str) -> Route:
    def write(exports: Path, s: Scenario) -> dict[str, dict[str, Any]]:
        sources = route(exports, s)
        for source in sources.values():
            source["options"] = {**source.get("options", {}), **options}
        return sources
    return write


def _counted(root: Path) -> list[tuple[str, str, str, str]]:
    ws = load_workspace(root)
    assert not [p.describe() for p in ws.accounting.problems]
    [card] = collect([ws])
    return sorted((c.platform, c.account_kind, c.company_id or c.customer_id, c.cause) for c in card.customers)


ONLY_SHOPIFY_CUSTOMER = [("shopify", "customer", "42", "never_synced")]
"""A-1 (the GID) is the company's, A-2 (42, a BigCommerce id by the option) BigCommerce customer 42's."""
NEITHER_CUSTOMER = [("bigcommerce", "customer", "42", "never_synced"), ("shopify", "customer", "42", "never_synced")]
"""Without the option, A-2's 42 names both customers (and the company): none of them is present on it."""


@pytest.mark.parametrize("route", sorted(D365_ROUTES))
@pytest.mark.parametrize(("options", "expected"), [({"external_id_platform": "bigcommerce"}, ONLY_SHOPIFY_CUSTOMER),
                                                   ({}, NEITHER_CUSTOMER)])
def test_every_d365_route_keeps_a_gids_kind_and_reads_the_platform_option(
        route: str, options: dict[str, str], expected: list[tuple[str, ...]], tmp_path: Path) -> None:
    root = write_route(_master(on_sage=False), tmp_path, _with_options(D365_ROUTES[route], **options),
                       _commerce("erp_customers"))
    assert _counted(root) == expected


@pytest.mark.parametrize(("options", "expected"), [({"external_id_platform": "bigcommerce"}, ONLY_SHOPIFY_CUSTOMER),
                                                   ({}, NEITHER_CUSTOMER)])
def test_the_intacct_route_keeps_a_gids_kind_and_reads_the_platform_option(
        options: dict[str, str], expected: list[tuple[str, ...]], tmp_path: Path) -> None:
    root = write_route(_master(on_sage=True), tmp_path, _with_options(intacct_xml, **options),
                       _commerce("erp_customers"))
    assert _counted(root) == expected


def _staged() -> Scenario:
    """No master record; Dataverse holds the company's GID (one account) and a bare 42 (another)."""
    s = _accounts(on_sage=False)
    dv.staging(s, "7c1e0a4e-0000-0000-0000-0000000000a1", "account", entity="USTI", external_id=GID,
               created_at="2026-03-12T09:10:00Z")
    dv.staging(s, "7c1e0a4e-0000-0000-0000-0000000000a2", "account", entity="USTI", external_id="42",
               created_at="2026-03-12T09:10:00Z")
    dv.staging(s, "9d2f1b5f-0000-0000-0000-0000000000a3", "contact", entity="USTI", email="someone@else.example",
               created_at="2026-03-12T09:10:00Z")  # a contact matching no one (every route writes both tables)
    return s


@pytest.mark.parametrize("route", sorted(DATAVERSE_ROUTES))
@pytest.mark.parametrize(("options", "expected"), [
    ({"external_id_platform": "bigcommerce"}, [("bigcommerce", "customer", "42", "dataverse_not_promoted"),
                                               ("shopify", "company", "42", "dataverse_not_promoted"),
                                               ("shopify", "customer", "42", "never_synced")]),
    ({}, [("bigcommerce", "customer", "42", "never_synced"), ("shopify", "company", "42", "dataverse_not_promoted"),
          ("shopify", "customer", "42", "never_synced")])])
def test_every_dataverse_route_keeps_a_gids_kind_and_reads_the_platform_option(
        route: str, options: dict[str, str], expected: list[tuple[str, ...]], tmp_path: Path) -> None:
    """Staged as the company's GID, the company is 'in Dataverse, not promoted'; customer 42 is not (before, it
    was too, and a bare 42 made all three so)."""
    root = write_route(_staged(), tmp_path, _with_options(DATAVERSE_ROUTES[route], **options),
                       _commerce("staging_records"))
    assert _counted(root) == expected


def test_business_central_pages_and_lists_carry_the_gid_and_the_options(tmp_path: Path) -> None:
    """Business Central's API page and its Customer List export (the two readers with an external id field)."""
    page = tmp_path / "customers.json"
    page.write_text('{"@odata.context": "https://api.businesscentral.dynamics.com/v2.0/t/production/api/v2.0/'
                    '$metadata#companies(1)/customers", "value": [{"number": "C1", "displayName": "Forty Two Co", '
                    f'"bwCommerceId": "{GID}"}}, {{"number": "C2", "displayName": "Forty Two", '
                    '"bwCommerceId": "42"}]}', encoding="utf-8")
    api = read("business_central_api", [page], external_id_field="bwCommerceId", company="CRONUS UK",
               external_id_platform="shopify", external_id_kind="customer")
    listed = tmp_path / "Customers.csv"
    listed.write_text("No.;Name;E-Mail;VAT Registration No.;Country/Region Code;Blocked;Last Date Modified;Shop ID\n"
                      f"C1;Forty Two Co;;;GB;;2026-03-01;{GID}\nC2;Forty Two;;;GB;;2026-03-01;42\n", encoding="utf-8")
    csv = read("business_central_csv", [listed], company="CRONUS UK", external_id_field="Shop ID",
               external_id_platform="shopify", external_id_kind="customer")
    columns = ("customer_account", "external_id", "external_id_platform", "external_id_kind")
    expected = [("C1", GID, "shopify", "customer"), ("C2", "42", "shopify", "customer")]
    assert rows(api, "erp_customers", *columns) == expected
    assert rows(csv, "erp_customers", *columns) == expected


def test_a_mistyped_platform_or_kind_is_a_configuration_error_with_the_closest_value(tmp_path: Path) -> None:
    page = tmp_path / "customers.json"
    page.write_text('{"value": [{"CustomerAccount": "A-1", "dataAreaId": "usti"}]}', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read("d365_fo_odata", [page], external_id_platform="shopfy", external_id_kind="companies")
    assert str(caught.value).splitlines() == [
        "sources.test.options.external_id_platform: expected one of shopify, bigcommerce, adobe_commerce, got "
        "'shopfy'. Did you mean shopify?",
        "sources.test.options.external_id_kind: expected one of customer, company, location, got 'companies'. "
        "Did you mean company?"]
