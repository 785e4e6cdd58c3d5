"""Business Central customers through OData V4 web services: the Customer Card (page 21) and Customer List
(page 22) published as web services, read by ``business_central_api`` beside the API v2.0 pages."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bridgewatch.errors import InputError

from .helpers import accounts, problems, read, rows

ODATA = "https://api.businesscentral.dynamics.com/v2.0/tenant/Production/ODataV4"
API = "https://api.businesscentral.dynamics.com/v2.0/tenant/Production/api/v2.0"
UK_GUID = "5b1f2c8e-7d1a-ef11-9f88-000d3a2b1c01"
COLUMNS = ("legal_entity", "customer_account", "name", "vat_number", "email", "status", "country", "modified_at")


def _card(no: str, **fields: Any) -> dict[str, Any]:
    return {"@odata.etag": f"W/\"JzE5O{no}OzAwOyc=\"", "No": no, "Name": f"Customer {no}", "Blocked": " ",
            "Last_Date_Modified": "2026-06-18", "Country_Region_Code": "GB", "E_Mail": f"{no.lower()}@shop.example",
            "VAT_Registration_No": "", "Customer_Posting_Group": "DOMESTIC", **fields}


def _page(path: Path, records: list[dict[str, Any]], *, company: str | None = "Company('CRONUS%20UK%20Ltd.')",
          service: str = "Customer_Card", more: bool = False) -> Path:
    scope = f"{company}/" if company else ""
    body: dict[str, Any] = {"@odata.context": f"{ODATA}/$metadata#{scope}{service}", "value": records}
    if more:
        body["@odata.nextLink"] = f"{ODATA}/{scope}{service}?$skiptoken='{records[-1]['No']}'"
    path.write_text(json.dumps(body), encoding="utf-8")
    return path


def test_customer_card_pages_map_like_the_api_pages() -> None:
    result = read("business_central_api", "business_central/web_services/*.json")
    assert rows(result, "erp_customers", "system", *COLUMNS) == [
        ("business_central", "O'Neil & Sons, Inc.", "10000", "Adatum Corporation", None, "robert.townes@contoso.com",
         "active", "US", None),
        ("business_central", "CRONUS UK Ltd.", "C00420", "Harbour Tools Ltd", "GB980780684", "ap@harbourtools.co.uk",
         "active", "GB", datetime(2026, 3, 12)),
        ("business_central", "CRONUS UK Ltd.", "C00421", "Quayside Ltd", None, None, "on_hold", "GB",
         datetime(2026, 5, 2)),
        ("business_central", "CRONUS UK Ltd.", "C00422", "Closed Co", None, "x@closed.example", "blocked", "GB",
         datetime(2026, 1, 2)),
    ]
    assert problems(result) == [("Customer_Card_uk_page2.json", 2, "Blocked", "Everything",
                                 "unknown Blocked value (known: '', _x0020_, all, invoice, ship)")]
    assert accounts(result)[("erp_customers", "Customer_Card_uk_page2.json")] == {
        "read": 3, "used": 1, "excluded": {"duplicate": 1}, "quarantined": 1}
    assert result.warnings == []


def test_the_companies_option_names_web_service_companies_by_name_or_by_guid(tmp_path: Path) -> None:
    uk = _page(tmp_path / "uk.json", [_card("C1")])
    us = _page(tmp_path / "us.json", [_card("C2")], company="Company('CRONUS%20USA%2C%20Inc.')")
    by_name = read("business_central_api", [uk, us], companies={"cronus uk ltd.": "UK01"})
    assert rows(by_name, "erp_customers", "legal_entity", "customer_account") == [("UK01", "C1"),
                                                                                   ("CRONUS USA, Inc.", "C2")]
    companies = tmp_path / "companies.json"
    companies.write_text(json.dumps({"@odata.context": f"{API}/$metadata#companies", "value": [
        {"id": UK_GUID, "systemVersion": "24.0", "name": "CRONUS UK Ltd.", "displayName": "CRONUS UK Ltd."}]}))
    names = {UK_GUID.upper(): "UK01", "CRONUS USA, Inc.": "US01"}
    by_guid = read("business_central_api", [companies, uk, us], companies=names)
    assert rows(by_guid, "erp_customers", "legal_entity", "customer_account") == [("UK01", "C1"), ("US01", "C2")]
    assert accounts(by_guid)[("erp_customers", "companies.json")]["excluded"] == {
        "company record (used to name the entity of its customers)": 1}


def test_a_page_saved_from_a_company_parameter_url_needs_the_company_option(tmp_path: Path) -> None:
    page = _page(tmp_path / "Customer_Card.json", [_card("C1"), _card("C2")], company=None)
    unnamed = read("business_central_api", [page])
    assert rows(unnamed, "erp_customers", "customer_account") == []
    assert [p[:4] for p in problems(unnamed)] == [
        ("Customer_Card.json", 1, "@odata.context", f"{ODATA}/$metadata#Customer_Card"),
        ("Customer_Card.json", 2, "@odata.context", f"{ODATA}/$metadata#Customer_Card")]
    assert problems(unnamed)[0][4] == (
        "the page does not name its company (saved from a ?company= URL, or without its @odata.context): save it "
        "from …/ODataV4/Company('<name>')/<service>, or set the company option")
    named = read("business_central_api", [page], company="UK01")
    assert rows(named, "erp_customers", "legal_entity", "customer_account") == [("UK01", "C1"), ("UK01", "C2")]
    _page(page, [_card("C1")], company=None, more=True)
    assert [w.text.split(" has ")[0] for w in read("business_central_api", [page], company="UK01").warnings] == [
        "Every Business Central customers page read for company UK01"]
    assert [w.text.split(" has ")[0] for w in read("business_central_api", [page]).warnings] == [
        "Every Business Central customers page read for company (not named in its @odata.context)"]


def test_web_service_pages_missing_are_told_per_company(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ie = "Company('CRONUS%20IE%20Ltd.')"
    paths = [_page(tmp_path / "uk_page1.json", [_card("C1")], more=True),
             _page(tmp_path / "uk_page2.json", [_card("C2")]),
             _page(tmp_path / "ie_page1.json", [_card("C3")], company=ie, more=True)]
    with caplog.at_level(logging.WARNING):
        result = read("business_central_api", paths)
    assert rows(result, "erp_customers", "legal_entity", "customer_account") == [
        ("CRONUS UK Ltd.", "C1"), ("CRONUS UK Ltd.", "C2"), ("CRONUS IE Ltd.", "C3")]
    assert [(w.files, w.text) for w in result.warnings] == [(
        (str(paths[2]),),
        "Every Business Central customers page read for company CRONUS IE Ltd. has an @odata.nextLink, so its last "
        "page is missing; follow the links and add the remaining pages to the source, or customers will look missing")]


def test_the_customer_list_page_reads_without_email_and_vat_and_says_so(tmp_path: Path) -> None:
    listed = {k: v for k, v in _card("C1", Blocked="Ship").items() if k not in ("E_Mail", "VAT_Registration_No")}
    page = _page(tmp_path / "Customer_List.json", [listed], service="Customer_List")
    result = read("business_central_api", [page])
    assert rows(result, "erp_customers", *COLUMNS) == [
        ("CRONUS UK Ltd.", "C1", "Customer C1", None, None, "on_hold", "GB", datetime(2026, 6, 18))]
    assert [(w.files, w.text) for w in result.warnings] == [(
        (str(page),),
        "These Business Central web-service pages carry neither E_Mail nor VAT_Registration_No (the Customer List "
        "page, or a $select without them), so their customers can only be matched by account; publish the Customer "
        "Card (page 21) instead, or add the two fields")]


def test_a_selected_page_is_known_by_its_service_name_and_the_external_id_by_its_page_field(tmp_path: Path) -> None:
    record = {"No": "C1", "Name": "Customer C1", "E_Mail": "c1@shop.example", "BW_Commerce_Id": "gid-77"}
    page = _page(tmp_path / "Customers.json", [record], service="Customers")
    result = read("business_central_api", [page], external_id_field="BW_Commerce_Id")
    assert rows(result, "erp_customers", "customer_account", "email", "status", "external_id", "modified_at") == [
        ("C1", "c1@shop.example", "active", "gid-77", None)]


def test_a_date_that_is_not_an_odata_date_is_quarantined(tmp_path: Path) -> None:
    page = _page(tmp_path / "p.json", [_card("C1", Last_Date_Modified="18/06/2026"), _card("C2")])
    result = read("business_central_api", [page])
    assert rows(result, "erp_customers", "customer_account") == [("C2",)]
    assert [p[:4] for p in problems(result)] == [("p.json", 1, "Last_Date_Modified", "18/06/2026")]
    assert "expected a date such as 2026-06-18" in problems(result)[0][4]


@pytest.mark.parametrize(("service", "record", "keys"), [
    ("Vendor_Card", {"No": "V1", "Name": "Supplier", "E_Mail": "s@supplier.example", "Vendor_Posting_Group": "DOM"},
     "No, Name, E_Mail, Vendor_Posting_Group, __context"),
    ("Item_Card", {"No": "1000", "Description": "Bicycle", "Base_Unit_of_Measure": "PCS"},
     "No, Description, Base_Unit_of_Measure, __context"),
])
def test_pages_of_other_services_are_refused_not_read_as_an_empty_master(
        tmp_path: Path, service: str, record: dict[str, Any], keys: str) -> None:
    page = _page(tmp_path / f"{service}.json", [record], service=service)
    with pytest.raises(InputError) as err:
        read("business_central_api", [page])
    assert str(err.value).split("\n")[0] == (
        f"{page}: no record in this file has a shape this reader knows (the first has keys: {keys}). It reads "
        f"Business Central API v2.0 customers pages or single customers (number, displayName), companies pages (with "
        f"or without $expand=customers), and OData V4 web-service pages of the Customer Card or Customer List (No, "
        f"Name, Customer_Posting_Group). Check the source's reader and path.")


def test_an_api_page_of_vendors_is_not_customers(tmp_path: Path) -> None:
    """Vendors (like items and employees) carry number and displayName: a vendors page saved beside the customers
    pages would make a company that is both supplier and buyer look present as a customer (its VAT number, email)."""
    context = ("https://api.businesscentral.dynamics.com/v2.0/t/production/api/v2.0/$metadata#companies("
               "5b1f2c8e-7d1a-ef11-9f88-000d3a2b1c01)/")
    vendors = tmp_path / "vendors.json"
    vendors.write_text(json.dumps({"@odata.context": context + "vendors", "value": [
        {"id": "v-1", "number": "V00010", "displayName": "Fabrikam Supplies", "email": "ap@fabrikam.example",
         "taxRegistrationNumber": "GB111222333", "blocked": " "}]}))
    customers = tmp_path / "customers.json"
    customers.write_text(json.dumps({"@odata.context": context + "customers", "value": [
        {"id": "c-1", "number": "C00010", "displayName": "Adatum", "blocked": " "}]}))
    result = read("business_central_api", [customers, vendors])
    assert rows(result, "erp_customers", "customer_account", "status") == [("C00010", "active")]
    assert accounts(result)[("erp_customers", "vendors.json")] == {
        "read": 1, "used": 0, "quarantined": 0, "excluded": {
            "not a customer: a record of the vendors API (its page's @odata.context), not of customers; save the "
            "customers pages": 1}}
