"""Reader warnings are data: an export a reader can tell is incomplete is recorded (source, files, text) in the
result, not only logged; the checks for Adobe Commerce searches, BigCommerce B2B Edition pages, Dataverse pages
and Power Automate run lists."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from bridgewatch.ingest.accounting import Accounting, ReadWarning

from .helpers import FIXTURES, read

FO_TEXT = ("Every CustomersV3 page read has an @odata.nextLink, so the last page is missing; follow the links and add "
           "the remaining pages to the source, or customers will look missing")


def _fo_pages(folder: Path, count: int) -> list[Path]:
    for i in range(1, count + 1):
        page: dict[str, object] = {"value": [{"dataAreaId": "usmf", "CustomerAccount": f"US-{i:03d}",
                                              "OrganizationName": f"Customer {i}", "OnHoldStatus": "No"}]}
        if i < count:
            page["@odata.nextLink"] = f"https://usmf.operations.dynamics.com/data/CustomersV3?$skiptoken={i}"
        (folder / f"customersv3_page{i}.json").write_text(json.dumps(page))
    return sorted(folder.glob("*.json"))


def test_fo_pages_missing_their_last_page_are_recorded_with_source_and_files(tmp_path: Path) -> None:
    pages = _fo_pages(tmp_path, 3)
    assert read("d365_fo_odata", pages).warnings == []
    assert read("d365_fo_odata", pages[:2]).warnings == [ReadWarning("test", (str(pages[0]), str(pages[1])), FO_TEXT)]


def test_warnings_survive_the_accounting_record() -> None:
    warning = ReadWarning("erp", ("a.json", "b.json"), FO_TEXT)
    accounting = Accounting([], [warning])
    assert Accounting.from_record(accounting.to_record(), accounting.warnings_record()).warnings == [warning]
    assert warning.describe(most=1) == f"sources.erp: {FO_TEXT} (files: a.json and 1 more)"


def test_shopify_bigcommerce_business_central_and_intacct_warnings_are_recorded(tmp_path: Path) -> None:
    shopify = read("shopify_api", [FIXTURES / "shopify/graphql_customers.json"])
    assert [(w.files, w.text) for w in shopify.warnings] == [(
        (str(FIXTURES / "shopify/graphql_customers.json"),),
        "Every Shopify customers page read has pageInfo.hasNextPage true, so the last page is missing; follow "
        "endCursor and add the remaining pages to the source, or records will look missing")]
    bigcommerce = read("bigcommerce_api", [FIXTURES / "bigcommerce/customers_page1.json"])
    assert [(w.files, w.text) for w in bigcommerce.warnings] == [(
        (str(FIXTURES / "bigcommerce/customers_page1.json"),),
        "Every BigCommerce v3 page read has meta.pagination.current_page below total_pages, so the last page is "
        "missing; add the remaining pages to the source, or customers will look missing")]
    intacct = read("sage_intacct_xml", [FIXTURES / "intacct/customers_page1.xml"])
    assert [(w.files, w.text) for w in intacct.warnings] == [(
        (str(FIXTURES / "intacct/customers_page1.xml"),),
        f"Intacct query 7765623332WU1hh8CoA4QAAHxI9i8AAAAA5 stops with numremaining=1 (last file "
        f"{FIXTURES / 'intacct/customers_page1.xml'}); fetch the rest with readMore and add those responses to the "
        f"source")]
    assert read("sage_intacct_xml", "intacct/customers_page*.xml").warnings == []
    company = "5b1f2c8e-7d1a-ef11-9f88-000d3a2b1c01"
    page = tmp_path / "customers_page1.json"
    page.write_text(json.dumps({
        "@odata.context": f"https://api.businesscentral.dynamics.com/v2.0/t/production/api/v2.0/$metadata#"
                          f"companies({company})/customers",
        "@odata.nextLink": f"https://api.businesscentral.dynamics.com/v2.0/t/production/api/v2.0/companies({company})/"
                           f"customers?$skiptoken=1",
        "value": [{"id": "c-1", "number": "C00001", "displayName": "Customer 1", "blocked": " "}]}))
    assert [(w.files, w.text) for w in read("business_central_api", [page]).warnings] == [(
        (str(page),),
        f"Every Business Central customers page read for company {company} has an @odata.nextLink, so its last page "
        f"is missing; follow the links and add the remaining pages to the source, or customers will look missing")]


def _adobe_customer(i: int) -> dict[str, object]:
    return {"id": i, "email": f"c{i}@shop.example", "website_id": 1, "group_id": 1, "firstname": "Ann",
            "lastname": f"Buyer{i}", "created_at": "2026-01-05 10:00:00"}


def _adobe_page(path: Path, ids: list[int], page: int, total: int) -> Path:
    path.write_text(json.dumps({"items": [_adobe_customer(i) for i in ids], "total_count": total,
                                "search_criteria": {"filter_groups": [], "page_size": 2, "current_page": page}}))
    return path


def test_adobe_search_read_short_of_its_total_count_is_recorded(tmp_path: Path) -> None:
    first = _adobe_page(tmp_path / "customers_p1.json", [1, 2], 1, 5)
    second = _adobe_page(tmp_path / "customers_p2.json", [3, 4], 2, 5)
    last = _adobe_page(tmp_path / "customers_p3.json", [5], 3, 5)
    assert [(w.source, w.files, w.text) for w in read("adobe_commerce_api", [first, second]).warnings] == [(
        "test", (str(first), str(second)),
        "Adobe Commerce customers search read 4 of its total_count 5 records, so pages are missing; add the "
        "remaining pages (searchCriteria[currentPage]) to the source, or customers will look missing")]
    assert read("adobe_commerce_api", [first, second, last]).warnings == []
    # a short page is the last one, and a page past the end repeats the last: the end was read either way
    # (a store whose total_count over-reports), so nothing is said
    assert read("adobe_commerce_api", [first, last]).warnings == []
    again = _adobe_page(tmp_path / "customers_p4.json", [3, 4], 4, 9)
    assert read("adobe_commerce_api", [first, second, again]).warnings == []
    assert read("adobe_commerce_api", "adobe/*.json").warnings == []


def test_dataverse_pages_missing_their_last_page_are_recorded(tmp_path: Path) -> None:
    accounts = json.loads((FIXTURES / "dataverse/accounts.json").read_text())
    assert accounts["@odata.nextLink"]  # the fixture is the first page of two
    last = tmp_path / "accounts_page2.json"
    last.write_text(json.dumps({"@odata.context": accounts["@odata.context"], "value": []}))
    contacts = FIXTURES / "dataverse/contacts.json"
    assert [(w.files, w.text) for w in read("dataverse_api", [FIXTURES / "dataverse/accounts.json",
                                                              contacts]).warnings] == [(
        (str(FIXTURES / "dataverse/accounts.json"),),
        "Every Dataverse accounts page read has an @odata.nextLink, so the last page is missing; follow the links "
        "and add the remaining pages to the source, or its records will be missing from the evidence (customers in "
        "Dataverse but not promoted look never created)")]
    assert read("dataverse_api", [FIXTURES / "dataverse/accounts.json", last, contacts]).warnings == []


def test_power_automate_run_lists_missing_their_last_page_are_recorded(tmp_path: Path) -> None:
    runs = json.loads((FIXTURES / "synclogs/flowruns.json").read_text())
    first, second = tmp_path / "runs_page1.json", tmp_path / "runs_page2.json"
    first.write_text(json.dumps({**runs, "value": runs["value"][:2], "@odata.nextLink": "https://x.example/p2"}))
    second.write_text(json.dumps({"value": runs["value"][2:], "nextLink": "https://x.example/p3"}))
    assert [(w.files, w.text) for w in read("power_automate_flowruns", [first, second]).warnings] == [(
        (str(first), str(second)),
        "Every Power Automate run-history page read has a nextLink (@odata.nextLink for Dataverse flowruns), so the "
        "last page is missing; follow the links and add the remaining pages to the source, or failed syncs will look "
        "like customers nobody tried to create")]
    second.write_text(json.dumps({"value": runs["value"][2:]}))
    assert read("power_automate_flowruns", [first, second]).warnings == []


def _b2b_pages(folder: Path, name: str, record: Callable[[int], dict[str, object]], total: int, limit: int,
               offsets: Sequence[int], *, flat: bool = False) -> list[Path]:
    """B2B Edition pages of ``total`` records, ``limit`` a page, at ``offsets`` (paging under ``meta.pagination``,
    or with ``flat`` directly under ``meta``)."""
    paths = []
    for offset in offsets:
        paging = {"totalCount": total, "offset": offset, "limit": limit}
        meta = {"message": "SUCCESS", **paging} if flat else {"message": "SUCCESS", "pagination": paging}
        data = [record(i) for i in range(offset + 1, min(offset + limit, total) + 1)]
        paths.append(folder / f"b2b_{name}_offset{offset}.json")
        paths[-1].write_text(json.dumps({"code": 200, "meta": meta, "data": data}))
    return paths


def _company(i: int) -> dict[str, object]:
    return {"companyId": str(i), "companyName": f"Company {i}"}


def _user(i: int) -> dict[str, object]:
    return {"customerId": i, "companyId": 1, "email": f"buyer{i}@example.com"}


def _order(i: int) -> dict[str, object]:
    return {"bcOrderId": i, "companyId": 1, "statusCode": 10, "createdAt": 1780000000}


def test_b2b_edition_pages_of_a_complete_export_raise_no_warning(tmp_path: Path) -> None:
    companies = _b2b_pages(tmp_path, "companies", _company, 25, 10, (0, 10, 20))
    users = _b2b_pages(tmp_path, "users", _user, 20, 10, (0, 10))  # the last page full, ending at totalCount
    orders = _b2b_pages(tmp_path, "orders", _order, 12, 10, (0, 10), flat=True)
    assert read("bigcommerce_api", [*companies, *users, *orders]).warnings == []
    over = tmp_path / "over"
    over.mkdir()
    pages = _b2b_pages(over, "companies", _company, 25, 10, (0, 10, 20))
    text = pages[2].read_text().replace('"totalCount": 25', '"totalCount": 27')  # a count over-reporting the store:
    pages[2].write_text(text)  # the short last page shows the end was read
    assert read("bigcommerce_api", pages).warnings == []


def test_b2b_edition_pages_missing_a_page_are_recorded_with_kind_and_counts(tmp_path: Path) -> None:
    companies = _b2b_pages(tmp_path, "companies", _company, 25, 10, (0, 10, 20))
    users = _b2b_pages(tmp_path, "users", _user, 20, 10, (0, 10))
    orders = _b2b_pages(tmp_path, "orders", _order, 12, 10, (0, 10), flat=True)

    def text(what: str, got: int, total: int) -> str:
        return (f"BigCommerce B2B Edition {what} pages read hold {got} of the {total} records their totalCount gives, "
                f"so pages are missing; add the remaining pages (offset) to the source, or {what} will look missing")
    middle = read("bigcommerce_api", [companies[0], companies[2], *users, *orders])
    assert middle.warnings == [ReadWarning("test", (str(companies[0]), str(companies[2])), text("companies", 15, 25))]
    last = read("bigcommerce_api", [*companies, users[0], orders[0]])
    assert last.warnings == [ReadWarning("test", (str(orders[0]),), text("orders", 10, 12)),
                             ReadWarning("test", (str(users[0]),), text("users", 10, 20))]


def _intacct_page(path: Path, data: str, ids: Sequence[str], function: str = "query") -> Path:
    rows = "".join(f"<CUSTOMER><CUSTOMERID>{i}</CUSTOMERID><NAME>Customer {i}</NAME><STATUS>active</STATUS></CUSTOMER>"
                   for i in ids)
    path.write_text(f"<response><control><status>success</status></control><operation><authentication><status>"
                    f"success</status></authentication><result><status>success</status><function>{function}"
                    f"</function><data {data}>{rows}</data></result></operation></response>")
    return path


def test_intacct_query_function_pages_are_one_query_by_their_offsets(tmp_path: Path) -> None:
    """The query function pages by offset and its pages carry no resultId: a complete two-page query is complete,
    and a page missing before the last is said (numremaining="0" on the last page proves nothing)."""
    first = _intacct_page(tmp_path / "query_1.xml", 'listtype="CUSTOMER" totalcount="5" offset="0" count="2" '
                                                    'numremaining="3"', ["C1", "C2"])
    second = _intacct_page(tmp_path / "query_2.xml", 'listtype="CUSTOMER" totalcount="5" offset="2" count="2" '
                                                     'numremaining="1"', ["C3", "C4"])
    last = _intacct_page(tmp_path / "query_3.xml", 'listtype="CUSTOMER" totalcount="5" offset="4" count="1" '
                                                   'numremaining="0"', ["C5"])
    assert read("sage_intacct_xml", [first, second, last]).warnings == []
    assert [(w.files, w.text) for w in read("sage_intacct_xml", [first, second]).warnings] == [(
        (str(first), str(second)),
        f"Intacct CUSTOMER query (totalcount=5) stops with numremaining=1 (last file {second}); fetch the rest with "
        f"query at the offsets left out and add those responses to the source")]
    assert [(w.files, w.text) for w in read("sage_intacct_xml", [first, last]).warnings] == [(
        (str(first), str(last)),
        "Intacct CUSTOMER query (totalcount=5): the pages read hold 3 of its totalcount=5 customers, so a page before "
        "its last is missing; fetch the missing pages (query at the offsets left out) and add those responses to "
        "the source, or customers will look missing")]


def test_intacct_read_more_page_missing_before_the_last_is_said(tmp_path: Path) -> None:
    result = 'resultId="7765623332WU1"'
    pages = [_intacct_page(tmp_path / f"customers_page{n}.xml",
                           f'listtype="customer" count="{len(ids)}" totalcount="5" numremaining="{left}" {result}',
                           ids, "readByQuery" if n == 1 else "readMore")
             for n, ids, left in ((1, ["C1", "C2"], 3), (2, ["C3", "C4"], 1), (3, ["C5"], 0))]
    assert read("sage_intacct_xml", pages).warnings == []
    assert read("sage_intacct_xml", [*pages, pages[0]]).warnings == []  # a page given twice counts once
    assert [(w.files, w.text) for w in read("sage_intacct_xml", [pages[0], pages[2]]).warnings] == [(
        (str(pages[0]), str(pages[2])),
        "Intacct query 7765623332WU1: the pages read hold 3 of its totalcount=5 customers, so a page before its last "
        "is missing; fetch the missing pages (readMore) and add those responses to the source, or customers will "
        "look missing")]
