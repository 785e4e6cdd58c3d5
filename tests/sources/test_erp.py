"""ERP customer masters: Sage Intacct (XML, CSV), D365 F&O OData, Business Central API, Dataverse."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bridgewatch.errors import ConfigError, InputError

from .helpers import FIXTURES, accounts, problems, read, rows

ERP_COLUMNS = ("legal_entity", "customer_account", "name", "vat_number", "email", "status", "country",
               "created_at", "modified_at")


def test_intacct_xml_pages_entities_status_and_zone() -> None:
    result = read("sage_intacct_xml", "intacct/*.xml", zone="Europe/London")
    assert rows(result, "erp_customers", "system", *ERP_COLUMNS) == [
        ("sage_intacct", "UK01", "C-10422", "Harbour Tools Ltd", "GB980780684", "ap@harbourtools.co.uk", "active",
         None, datetime(2026, 3, 12, 9, 14, 2), datetime(2026, 3, 12, 9, 14, 2)),
        ("sage_intacct", None, "00417", "Brighton & Hove Supplies", "GB 123 4567 89", "orders@bhsupplies.example",
         "on_hold", None, datetime(2025, 1, 5, 14), datetime(2026, 6, 1, 7, 30)),
        ("sage_intacct", "UK01", "C-10399", "Old Dock Co", None, "accounts@olddock.example", "inactive", "GB",
         datetime(2024, 11, 30, 10), datetime(2026, 2, 2, 10)),
        ("sage_intacct", "IE01", "C-10423", "Celtic Fixings", "IE6388047V", "buy@celticfixings.example", "active",
         "IE", datetime(2026, 6, 20, 15, 45), datetime(2026, 6, 20, 15, 45)),
    ]
    assert accounts(result)[("erp_customers", "customers_page2.xml")] == {
        "read": 2, "used": 1, "excluded": {"duplicate": 1}, "quarantined": 0}


def test_intacct_failure_response_names_the_error() -> None:
    with pytest.raises(InputError) as err:
        read("sage_intacct_xml", "intacct/malformed/auth_failure.xml")
    assert str(err.value).split("\n")[0].endswith(
        "auth_failure.xml: Intacct reported a failure (authentication): XL03000006 Invalid Web Services "
        "Authorization. Fix the request and save the response again.")


def test_intacct_truncated_xml_is_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "customers.xml"
    broken.write_text((FIXTURES / "intacct/customers_page1.xml").read_text()[:900])
    with pytest.raises(InputError) as err:
        read("sage_intacct_xml", [broken])
    assert str(err.value).startswith(f"{broken}: not valid XML (line ")
    assert err.value.problems[0].reason == "not valid XML"


def test_an_xml_file_without_intacct_data_is_an_error_not_an_empty_master(tmp_path: Path) -> None:
    gateway_page = tmp_path / "customers_page2.xml"
    gateway_page.write_text("<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>")
    with pytest.raises(InputError) as err:
        read("sage_intacct_xml", [gateway_page])
    assert str(err.value).split("\n")[0] == (
        f"{gateway_page}: not a Sage Intacct API response holding records (no <data> element; the document is "
        f"<html>). Save the response of readByQuery, readMore or query on CUSTOMER (an empty result is a "
        f"<data count=\"0\"/>).")
    assert [(p.value, p.reason) for p in err.value.problems] == [("html", "no <data> element")]
    empty = tmp_path / "customers_page3.xml"
    empty.write_text('<?xml version="1.0" encoding="UTF-8"?><response><control><status>success</status></control>'
                     '<operation><result><status>success</status><function>readMore</function>'
                     '<data listtype="customer" count="0" totalcount="2" numremaining="0" resultId="7765623"/>'
                     '</result></operation></response>')
    assert accounts(read("sage_intacct_xml", [empty]))[("erp_customers", "customers_page3.xml")] == {
        "read": 0, "used": 0, "excluded": {}, "quarantined": 0, "notes": ["no erp customers: no records in the file"]}


def test_intacct_unknown_status_bad_date_and_empty_id_are_quarantined() -> None:
    result = read("sage_intacct_xml", "intacct/malformed/bad_values.xml")
    assert problems(result) == [
        ("bad_values.xml", 1, "STATUS", "archived",
         "unknown customer status (known: active, active non-posting, activenonposting, f, false, inactive, t, "
         "true)"),
        ("bad_values.xml", 2, "WHENCREATED", "2026-13-45", "expected a date and time such as '03/12/2026 09:14:02'"),
        ("bad_values.xml", 3, "CUSTOMERID", None, "required value is empty"),
    ]


def test_intacct_csv_export_with_labels_semicolons_and_multiline_names() -> None:
    result = read("sage_intacct_csv", "intacct/*.csv")
    assert rows(result, "erp_customers", "legal_entity", "customer_account", "name", "vat_number", "status",
                "created_at") == [
        (None, "00417", "Brighton & Hove Supplies", "GB123456789", "active", END_OF(datetime(2025, 5, 1))),
        ("UK01", "C-10422", "Harbour Tools Ltd\n(Southampton)", "GB980780684", "active",
         datetime(2026, 3, 12, 9, 14, 2)),
        ("UK01", "C-10399", "Old Dock Co", None, "inactive", END_OF(datetime(2024, 11, 30))),
    ]


def test_fo_cross_company_pages_hold_status_and_iso_country() -> None:
    result = read("d365_fo_odata", "d365/*.json")
    assert rows(result, "erp_customers", "system", "legal_entity", "customer_account", "name", "vat_number", "email",
                "status", "country") == [
        ("d365_fo", "GBSI", "GB-00421", "Harbour Tools Ltd", "GB980780684", "ap@harbourtools.co.uk", "active", "GB"),
        ("d365_fo", "USMF", "US-000117", "Lakeside Hardware Inc", None, "purchasing@lakeside.example", "on_hold",
         "US"),
        ("d365_fo", "USMF", "US-000201", "Dana Wu", None, "dana.wu@mail.example", "blocked", "US"),
        ("d365_fo", "USMF", "00042", "Keystone Supply", None, None, "active", None),
    ]
    assert rows(read("d365_fo_odata", "d365/customersv3_page1.json", legal_entity_case="as_is"), "erp_customers",
                "legal_entity") == [("gbsi",), ("usmf",)]


def test_fo_pages_missing_are_told_whatever_order_the_page_files_sort_in(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    for i in range(1, 11):
        page: dict[str, object] = {"@odata.context": "https://usmf.operations.dynamics.com/data/$metadata#CustomersV3",
                                   "value": [{"dataAreaId": "usmf", "CustomerAccount": f"US-{i:03d}",
                                              "OrganizationName": f"Customer {i}", "OnHoldStatus": "No"}]}
        if i < 10:
            page["@odata.nextLink"] = f"https://usmf.operations.dynamics.com/data/CustomersV3?$skiptoken={i}"
        (tmp_path / f"customersv3_page{i}.json").write_text(json.dumps(page))
    pages = sorted(tmp_path.glob("*.json"))
    assert pages[-1].name == "customersv3_page9.json"  # page10 sorts second: the last file read has a nextLink
    with caplog.at_level(logging.WARNING):
        assert len(rows(read("d365_fo_odata", pages), "erp_customers", "customer_account")) == 10
    assert not caplog.records
    with caplog.at_level(logging.WARNING):
        assert len(rows(read("d365_fo_odata", pages[2:]), "erp_customers", "customer_account")) == 8
    assert [r.getMessage() for r in caplog.records] == [
        "Every CustomersV3 page read has an @odata.nextLink, so the last page is missing; follow the links and add "
        "the remaining pages to the source, or customers will look missing"]


def test_fo_unknown_hold_status_missing_entity_and_empty_account_are_quarantined() -> None:
    result = read("d365_fo_odata", "d365/malformed/customers_bad.json")
    assert problems(result) == [
        ("customers_bad.json", 1, "OnHoldStatus", "Frozen", "unknown OnHoldStatus (known: all, invoice, never, no, "
         "payment, requisition); add it to the status_map option"),
        ("customers_bad.json", 2, "dataAreaId", None, "dataAreaId is missing: add it to $select (it is the legal "
         "entity) or set the legal_entity option"),
        ("customers_bad.json", 3, "CustomerAccount", None, "required value is empty"),
    ]
    fixed = read("d365_fo_odata", "d365/malformed/customers_bad.json", status_map={"Frozen": "blocked"},
                 legal_entity="USMF")
    assert rows(fixed, "erp_customers", "legal_entity", "customer_account", "status") == [
        ("USMF", "US-1", "blocked"), ("USMF", "US-2", "active")]


def test_fo_bad_option_value_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="legal_entity_case: expected one of upper, lower, as_is"):
        read("d365_fo_odata", "d365/customersv3_page1.json", legal_entity_case="title")


@pytest.mark.parametrize(("reader", "files"), [("d365_fo_odata", "d365/customersv3_page1.json"),
                                               ("dataverse_api", "dataverse/*.json")])
def test_a_bad_legal_entity_case_names_the_source_option_like_the_others(reader: str, files: str) -> None:
    with pytest.raises(ConfigError) as err:
        read(reader, files, legal_entity_case="title")
    assert str(err.value) == "sources.test.options.legal_entity_case: expected one of upper, lower, as_is, got 'title'"


def test_business_central_company_from_odata_context() -> None:
    result = read("business_central_api", "business_central/*.json")
    assert rows(result, "erp_customers", "system", "legal_entity", "customer_account", "vat_number", "status",
                "modified_at") == [
        ("business_central", "9c2d0000-aaaa-bbbb-cccc-000000000002", "10000", "789456278", "active",
         datetime(2026, 6, 1, 12)),
        ("business_central", "CRONUS UK Ltd.", "C00420", "GB980780684", "active",
         datetime(2026, 3, 12, 9, 14, 2, 113000)),
        ("business_central", "CRONUS UK Ltd.", "C00421", None, "on_hold", datetime(2026, 5, 2, 10)),
        ("business_central", "CRONUS UK Ltd.", "C00422", None, "blocked", datetime(2026, 1, 2, 10)),
    ]
    named = read("business_central_api", "business_central/customers_*.json",
                 companies={"5B1F2C8E-7D1A-EF11-9F88-000D3A2B1C01": "UK", "9c2d0000-aaaa-bbbb-cccc-000000000002": "US"})
    assert sorted({r[0] for r in rows(named, "erp_customers", "legal_entity")}) == ["UK", "US"]


def test_business_central_pages_missing_are_told_per_company(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    base = "https://api.businesscentral.dynamics.com/v2.0/tenant/production/api/v2.0"
    uk, us = "5b1f2c8e-7d1a-ef11-9f88-000d3a2b1c01", "7c2e3d9f-8e2b-ef11-9f88-000d3a2b1c02"
    for company, page, more in ((uk, 1, True), (uk, 2, False), (us, 1, True)):
        body: dict[str, object] = {
            "@odata.context": f"{base}/$metadata#companies({company})/customers",
            "value": [{"id": f"{company[:8]}-{page}", "number": f"C{page:05d}", "displayName": f"Customer {page}",
                       "blocked": " "}]}
        if more:
            body["@odata.nextLink"] = f"{base}/companies({company})/customers?$skiptoken={page}"
        (tmp_path / f"customers_{company[:4]}_page{page}.json").write_text(json.dumps(body))
    with caplog.at_level(logging.WARNING):
        result = read("business_central_api", sorted(tmp_path.glob("*.json")))
    assert rows(result, "erp_customers", "legal_entity", "customer_account") == [
        (uk, "C00001"), (uk, "C00002"), (us, "C00001")]
    assert [r.getMessage() for r in caplog.records] == [
        f"Every Business Central customers page read for company {us} has an @odata.nextLink, so its last page is "
        f"missing; follow the links and add the remaining pages to the source, or customers will look missing"]


def test_dataverse_accounts_contacts_merged_and_unpromoted() -> None:
    result = read("dataverse_api", "dataverse/*.json",
                  companies={"0f5d2a11-0000-0000-0000-0000000000AA": "usmf"})
    assert rows(result, "staging_records", "system", "record_type", "legal_entity", "account_ref", "email",
                "vat_number", "state", "merged", "master_id", "created_at") == [
        ("dataverse", "account", None, None, "ap@harbourtools.co.uk", "GB980780684", "active", False, None,
         datetime(2026, 3, 12, 9, 10, 44)),
        ("dataverse", "account", "USMF", "US-000117", "purchasing@lakeside.example", None, "active", False, None,
         datetime(2026, 1, 5, 10)),
        ("dataverse", "account", "USMF", None, "purchasing@lakeside.example", None, "inactive", True,
         "7c1e0a4e-0000-0000-0000-000000000002", datetime(2026, 2, 1, 10)),
        ("dataverse", "contact", "USMF", "US-000201", "dana.wu@mail.example", None, "active", False, None,
         datetime(2026, 6, 10, 8)),
    ]


def test_intacct_records_of_another_object_in_a_response_are_not_customers(tmp_path: Path) -> None:
    """A multi-function response (or an ARINVOICE export saved beside the customers) holds records naming a
    CUSTOMERID that are not customers: reading them would make a customer missing from the master look present."""
    response = tmp_path / "customers.xml"
    response.write_text(
        '<response><control><status>success</status></control><operation><authentication><status>success</status>'
        '</authentication><result><status>success</status><function>readByQuery</function>'
        '<data listtype="customer" count="1" totalcount="1" numremaining="0" resultId=""><customer><CUSTOMERID>C-1'
        '</CUSTOMERID><STATUS>active</STATUS></customer></data></result><result><status>success</status><function>'
        'readByQuery</function><data listtype="arinvoice" count="1" totalcount="3" numremaining="2" resultId="77R">'
        '<arinvoice><RECORDNO>9</RECORDNO><CUSTOMERID>C-9</CUSTOMERID><STATE>Posted</STATE></arinvoice></data>'
        '</result></operation></response>')
    result = read("sage_intacct_xml", [response])
    assert rows(result, "erp_customers", "customer_account") == [("C-1",)]
    assert accounts(result)[("erp_customers", "customers.xml")] == {
        "read": 2, "used": 1, "quarantined": 0, "excluded": {
            'not a customer: a record of another object (<data listtype="arinvoice">); only the results of queries '
            'on CUSTOMER are read': 1}}
    assert result.warnings == []  # the invoice query's numremaining says nothing about the customers


def test_d365_pages_of_another_entity_naming_a_customer_account_are_not_customers(tmp_path: Path) -> None:
    """A FreeTextInvoiceHeaders page saved beside the CustomersV3 pages names a CustomerAccount on every invoice:
    read as customers, the customer of every invoice would look present in the master."""
    invoices = tmp_path / "invoices.json"
    invoices.write_text(json.dumps({
        "@odata.context": "https://usmf.operations.dynamics.com/data/$metadata#FreeTextInvoiceHeaders",
        "value": [{"dataAreaId": "usmf", "InvoiceId": "FTI-1", "CustomerAccount": "US-999"}]}))
    customers = tmp_path / "customersv3.json"
    customers.write_text(json.dumps({
        "@odata.context": "https://usmf.operations.dynamics.com/data/$metadata#CustomersV3(dataAreaId,CustomerAccount,"
                          "OrganizationName,OnHoldStatus)",
        "value": [{"dataAreaId": "usmf", "CustomerAccount": "US-001", "OrganizationName": "One",
                   "OnHoldStatus": "No"}]}))
    result = read("d365_fo_odata", [customers, invoices])
    assert rows(result, "erp_customers", "legal_entity", "customer_account", "status") == [("USMF", "US-001", "active")]
    assert accounts(result)[("erp_customers", "invoices.json")] == {
        "read": 1, "used": 0, "quarantined": 0, "excluded": {
            "not a customer: a record of the FreeTextInvoiceHeaders entity set (its page's @odata.context), not of "
            "CustomersV3; save CustomersV3 pages": 1}}
    assert result.warnings == []


def test_an_intacct_customer_list_in_another_language_maps_its_status_with_status_map(tmp_path: Path) -> None:
    """A list exported by a user whose Intacct speaks French writes Actif / Inactif: without status_map every
    customer was quarantined and looked absent from the master."""
    export = tmp_path / "customers.csv"
    export.write_text("Customer ID,Name,Status\nC-1,Un,Actif\nC-2,Deux,Inactif\n", encoding="utf-8")
    result = read("sage_intacct_csv", [export], status_map={"Actif": "active", "inactif": "inactive"})
    assert rows(result, "erp_customers", "customer_account", "status") == [("C-1", "active"), ("C-2", "inactive")]
    assert [p[2:] for p in problems(read("sage_intacct_csv", [export]))] == [
        ("STATUS", "Actif", "unknown customer status (known: active, active non-posting, activenonposting, f, false, "
                            "inactive, t, true); add it to the status_map option"),
        ("STATUS", "Inactif", "unknown customer status (known: active, active non-posting, activenonposting, f, false, "
                              "inactive, t, true); add it to the status_map option")]


def test_an_intacct_customer_list_saved_from_excel_reads_its_short_and_12_hour_times(tmp_path: Path) -> None:
    """A list export opened and saved in Excel writes 13/12/2026 2:14:02 PM or 03/12/2026 09:14 (no seconds): the
    customers were quarantined for their dates, so they looked absent from the master."""
    export = tmp_path / "customers.csv"
    export.write_text("Customer ID,Name,Status,Date created,Date modified\n"
                      "C-1,One,Active,13/12/2025 2:14:02 PM,03/01/2026 9:05 AM\n"
                      "C-2,Two,Active,03/12/2025 09:14,03/12/2025\n", encoding="utf-8")
    result = read("sage_intacct_csv", [export])
    assert rows(result, "erp_customers", "customer_account", "created_at", "modified_at") == [
        ("C-1", datetime(2025, 12, 13, 14, 14, 2), datetime(2026, 1, 3, 9, 5)),
        ("C-2", datetime(2025, 12, 3, 9, 14), datetime(2025, 12, 3))]
    assert problems(result) == []


def END_OF(day: datetime) -> datetime:  # noqa: N802 (reads as a constant in the expected rows)
    """The last moment of ``day``: how a creation date without a time of day is read."""
    return day + timedelta(days=1) - timedelta(microseconds=1)


def test_a_creation_date_without_a_time_counts_from_the_next_day(tmp_path: Path) -> None:
    """A list export writes only the date a record was created: on the as-of day it may have been created after the
    as-of time, so it is read as that day's last moment (its modification date stays the day's start)."""
    export = tmp_path / "customers.csv"
    export.write_text("Customer ID,Name,Status,Date created,Date modified\n"
                      "C-1,One,Active,04/14/2026,04/14/2026\n"
                      "C-2,Two,Active,04/13/2026 17:59:00,04/14/2026 08:00:00\n", encoding="utf-8")
    result = read("sage_intacct_csv", [export])
    assert rows(result, "erp_customers", "customer_account", "created_at", "modified_at") == [
        ("C-1", datetime(2026, 4, 14, 23, 59, 59, 999999), datetime(2026, 4, 14)),
        ("C-2", datetime(2026, 4, 13, 17, 59), datetime(2026, 4, 14, 8))]
    assert problems(result) == []


def test_a_d365_creation_date_without_a_time_counts_from_the_next_day(tmp_path: Path) -> None:
    """F&O's ``created_field`` (an extension field) may be an ``Edm.Date``: ``2026-04-14`` read as that day's start made
    a record created on the as-of day, after the as-of time, count as existing from midnight (the customer it
    matches present: an all-clear the as-of does not support). As on the Intacct and Dataverse routes, a date alone
    is the day's last moment, on the OData pages and the Data management export alike; a time stays as given."""
    page = tmp_path / "customersv3.json"
    context = "https://x.operations.dynamics.com/data/$metadata#CustomersV3"
    page.write_text(json.dumps({"@odata.context": context, "value": [
        {"dataAreaId": "usmf", "CustomerAccount": "C-1", "OrganizationName": "One", "OnHoldStatus": "No",
         "BWCreatedOn": "2026-04-14"},
        {"dataAreaId": "usmf", "CustomerAccount": "C-2", "OrganizationName": "Two", "OnHoldStatus": "No",
         "BWCreatedOn": "2026-04-13T17:59:00Z"}]}), encoding="utf-8")
    export = tmp_path / "Customers V3.csv"
    export.write_text("CUSTOMERACCOUNT,DATAAREAID,ORGANIZATIONNAME,ONHOLDSTATUS,BWCREATEDON\n"
                      "C-1,usmf,One,No,2026-04-14\nC-2,usmf,Two,No,2026-04-13T17:59:00Z\n", encoding="utf-8")
    expected = [("C-1", datetime(2026, 4, 14, 23, 59, 59, 999999)), ("C-2", datetime(2026, 4, 13, 17, 59))]
    for reader, path in (("d365_fo_odata", page), ("d365_fo_csv", export)):
        result = read(reader, [path], created_field="BWCreatedOn")
        assert rows(result, "erp_customers", "customer_account", "created_at") == expected, reader
        assert problems(result) == [], reader
