"""The demo workspaces written as the vendor files a finance team would download, read back by the readers.

:func:`write_vendor_workspace` takes a demo :class:`~bridgewatch.scenario.Scenario` (canonical rows)
and writes each group of rows in its vendor format — BigCommerce and Adobe Commerce API JSON,
Shopify GraphQL JSON and bulk JSONL, Intacct XML pages, F&O ``CustomersV3`` and Dataverse OData
pages, the connector log and Power Automate flow runs — plus the ``[sources]`` entries that read
them. Rows no writer handles (FX rates) stay canonical CSVs in ``data/``. Reading the folder back
gives the same cards as the canonical demo: only the spelling of quote ids differs (``quote-…``,
as the readers name quotes).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import tomli_w

from bridgewatch.config import CONFIG_FILE
from bridgewatch.model.tables import TABLES_BY_NAME
from bridgewatch.scenario import Scenario, write_csv
from bridgewatch.sources.bigcommerce_csv import STATUS_LABELS

Rows = list[dict[str, Any]]
Writer = Callable[[Path, Scenario], dict[str, dict[str, Any]]]
PAGE = 25
"""Records per API page: the demo's lists span several pages, as real pulls do."""


def write_vendor_workspace(scenario: Scenario, root: Path | str) -> Path:
    """Write ``scenario`` as vendor files + ``workspace.toml`` with its ``[sources]``; return ``root``."""
    root = Path(root)
    exports = root / "exports"
    sources: dict[str, dict[str, Any]] = {}
    covered: set[str] = set()
    for applies, tables, writer in WRITERS:
        if applies(scenario):
            sources.update(writer(exports, scenario))
            covered.update(tables)
    data = root / str(scenario.config.get("data_dir", "data"))
    data.mkdir(parents=True, exist_ok=True)
    for name, rows in scenario.rows.items():
        if name not in covered and rows:
            write_csv(data / f"{name}.csv", TABLES_BY_NAME[name].column_names, rows)
    config = {**scenario.config, "sources": sources}
    (root / CONFIG_FILE).write_text(tomli_w.dumps(config), encoding="utf-8")
    return root


# -- helpers -------------------------------------------------------------------------------------

def _rows(scenario: Scenario, table: str, **match: Any) -> Rows:
    return [r for r in scenario.rows.get(table, []) if all(r.get(k) == v for k, v in match.items())]


def _v(row: dict[str, Any], key: str) -> Any:
    """A row's value with empty text as None (the canonical loader reads '' as empty)."""
    value = row.get(key)
    return None if value == "" else value


def _when(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _fmt(value: Any, pattern: str) -> str | None:
    when = _when(value)
    return when.astimezone(UTC).strftime(pattern) if when else None


def _epoch(value: Any) -> int | None:
    when = _when(value)
    return int(when.timestamp()) if when else None


def _amount(value: Any) -> float:
    return float(Decimal(str(value)))


def _split_name(name: Any) -> tuple[str | None, str | None]:
    if not name:
        return None, None
    first, _, last = str(name).partition(" ")
    return first, last or None


def _tags(value: Any) -> list[str]:
    return [t.strip() for t in str(value or "").split(",") if t.strip()]


def _pages(records: Sequence[Any], size: int = PAGE) -> list[Sequence[Any]]:
    return [records[i:i + size] for i in range(0, len(records), size)] or [[]]


def _json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1, ensure_ascii=False), encoding="utf-8")


def _drop_none(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if v is not None}


def _rel(path: Path, exports: Path) -> str:
    return str(Path("exports") / path.relative_to(exports))


# -- BigCommerce (v3 customers, v2 orders, B2B Edition) --------------------------------------------

def _bigcommerce(exports: Path, s: Scenario) -> dict[str, dict[str, Any]]:
    folder = exports / "bigcommerce"
    customers = _rows(s, "commerce_customers", platform="bigcommerce")
    orders = [o for o in _rows(s, "orders", platform="bigcommerce") if not o.get("quote")]
    quotes = [o for o in _rows(s, "orders", platform="bigcommerce") if o.get("quote")]
    for i, page in enumerate(_pages([_bc_customer(c) for c in customers]), 1):
        _json(folder / f"customers_page{i}.json", {"data": list(page), "meta": {"pagination": {
            "total": len(customers), "count": len(page), "per_page": PAGE, "current_page": i}}})
    for i, page in enumerate(_pages([_bc_order(o) for o in orders]), 1):
        _json(folder / f"orders_page{i}.json", list(page))
    b2b = {"companies": [_bc_company(c) for c in _rows(s, "companies", platform="bigcommerce")],
           "users": [_drop_none({"customerId": c["customer_id"], "companyId": c["company_id"], "email": _v(c, "email"),
                                 "role": 0}) for c in customers if _v(c, "company_id")],
           "orders": [{"bcOrderId": o["order_id"], "companyId": o["company_id"]} for o in orders
                      if _v(o, "company_id")],
           "quotes": [_bc_quote(q) for q in quotes]}
    for name, records in b2b.items():
        if not records:
            continue
        _json(folder / f"b2b_{name}.json", {"code": 200, "meta": {"message": "SUCCESS", "pagination": {
            "limit": 250, "offset": 0, "totalCount": len(records)}}, "data": records})
    return {"bigcommerce": {"reader": "bigcommerce_api", "path": "exports/bigcommerce/*.json", "options": {
        "order_tags_path": "$.staff_notes", "merged_into_field": "Merged into"}}}


def _bc_customer(c: dict[str, Any]) -> dict[str, Any]:
    first, last = _split_name(_v(c, "name"))
    address = [{"country_code": c["country"]}] if _v(c, "country") else []
    vat = [{"name": "VAT number", "value": c["vat_number"]}] if _v(c, "vat_number") else []
    return _drop_none({"id": c["customer_id"], "email": _v(c, "email"), "first_name": first, "last_name": last,
                       "company": _v(c, "company_name"), "addresses": address, "form_fields": vat,
                       "date_created": _fmt(c.get("created_at"), "%Y-%m-%dT%H:%M:%SZ")})


def _bc_order(o: dict[str, Any]) -> dict[str, Any]:
    status = _v(o, "status") or "Awaiting Fulfillment"
    status_id = 5 if o.get("cancelled") else 4 if o.get("inactive") else STATUS_LABELS.get(status, 11)
    billing = _drop_none({"email": _v(o, "email"), "country_iso2": _v(o, "ship_to_country")})
    return _drop_none({"id": o["order_id"], "customer_id": _v(o, "customer_id") or 0, "status_id": status_id,
                       "status": _v(o, "status"), "date_created": _fmt(o["created_at"], "%a, %d %b %Y %H:%M:%S +0000"),
                       "total_inc_tax": f"{Decimal(str(o['total'])):.4f}", "default_currency_code": o["currency"],
                       "billing_address": billing, "is_deleted": False, "staff_notes": _v(o, "tags")})


def _bc_company(c: dict[str, Any]) -> dict[str, Any]:
    extra = [{"fieldName": "VAT number", "fieldValue": c["vat_number"]}] if _v(c, "vat_number") else []
    if _v(c, "merged_into"):
        extra.append({"fieldName": "Merged into", "fieldValue": c["merged_into"]})
    return _drop_none({"companyId": c["company_id"], "companyName": _v(c, "name"), "companyEmail": _v(c, "email"),
                       "companyStatus": "1", "uuid": _v(c, "account_ref"), "country": _v(c, "country"),
                       "extraFields": extra, "createdAt": _epoch(c.get("created_at"))})


def _bc_quote(q: dict[str, Any]) -> dict[str, Any]:
    return _drop_none({"quoteId": q["order_id"], "quoteNumber": q["order_id"], "companyId": _v(q, "company_id"),
                       "customerId": _v(q, "customer_id"), "status": _v(q, "status"),
                       "contactInfo": {"email": _v(q, "email")} if _v(q, "email") else None,
                       "grandTotal": _amount(q["total"]), "currency": {"currencyCode": q["currency"]},
                       "createdAt": _epoch(q["created_at"])})


# -- Adobe Commerce (REST search results) ---------------------------------------------------------

def _adobe(exports: Path, s: Scenario) -> dict[str, dict[str, Any]]:
    folder = exports / "adobe"
    orders = _rows(s, "orders", platform="adobe_commerce")
    files = {"customers": [_ac_customer(c) for c in _rows(s, "commerce_customers", platform="adobe_commerce")],
             "companies": [_ac_company(c) for c in _rows(s, "companies", platform="adobe_commerce")],
             "orders": [_ac_order(i, o) for i, o in enumerate(orders, 1) if not o.get("quote")],
             "negotiable_quotes": [_ac_quote(q) for q in orders if q.get("quote")]}
    for name, records in files.items():
        for i, page in enumerate(_pages(records), 1):
            _json(folder / f"{name}_page{i}.json", {"items": list(page), "search_criteria": {
                "filter_groups": [], "page_size": PAGE, "current_page": i}, "total_count": len(records)})
    return {"adobe_commerce": {"reader": "adobe_commerce_api", "path": "exports/adobe/*.json"}}


def _ac_time(value: Any) -> str | None:
    return _fmt(value, "%Y-%m-%d %H:%M:%S")


def _ac_customer(c: dict[str, Any]) -> dict[str, Any]:
    first, last = _split_name(_v(c, "name"))
    address = _drop_none({"id": 1, "country_id": _v(c, "country"), "company": _v(c, "company_name"),
                          "default_billing": True})
    return _drop_none({"id": c["customer_id"], "email": _v(c, "email"), "firstname": first, "lastname": last,
                       "website_id": 1, "group_id": 2 if _v(c, "company_id") else 1, "default_billing": "1",
                       "created_at": _ac_time(c.get("created_at")), "taxvat": _v(c, "vat_number"),
                       "addresses": [address],
                       "extension_attributes": {"company_attributes": {"company_id": _v(c, "company_id") or 0}}})


def _ac_company(c: dict[str, Any]) -> dict[str, Any]:
    return _drop_none({"id": c["company_id"], "status": 1, "company_name": _v(c, "name"),
                       "company_email": _v(c, "email"), "vat_tax_id": _v(c, "vat_number"),
                       "reseller_id": _v(c, "account_ref"), "country_id": _v(c, "country")})


def _ac_order(entity_id: int, o: dict[str, Any]) -> dict[str, Any]:
    state = "canceled" if o.get("cancelled") else "closed" if o.get("inactive") else "processing"
    guest = not _v(o, "customer_id")
    company = {"company_order_attributes": {"company_id": o["company_id"]}} if _v(o, "company_id") else None
    return _drop_none({"entity_id": entity_id, "increment_id": o["order_id"], "state": state,
                       "status": _v(o, "status"), "created_at": _ac_time(o["created_at"]),
                       "customer_id": None if guest else o["customer_id"], "customer_is_guest": int(guest),
                       "customer_email": _v(o, "email"), "grand_total": _amount(o["total"]),
                       "order_currency_code": o["currency"],
                       "billing_address": _drop_none({"country_id": _v(o, "ship_to_country")}),
                       "extension_attributes": company})


def _ac_quote(q: dict[str, Any]) -> dict[str, Any]:
    return _drop_none({"id": q["order_id"], "created_at": _ac_time(q["created_at"]), "is_active": True,
                       "customer": _drop_none({"id": _v(q, "customer_id"), "email": _v(q, "email")}),
                       "currency": {"quote_currency_code": q["currency"]},
                       "extension_attributes": {"negotiable_quote": {
                           "status": "submitted_by_customer", "negotiated_total_price": _amount(q["total"])}}})


# -- Shopify (GraphQL customers pages, bulk JSONL orders) -----------------------------------------

def _shopify(exports: Path, s: Scenario) -> dict[str, dict[str, Any]]:
    folder = exports / "shopify"
    customers = [_sh_customer(c) for c in _rows(s, "commerce_customers", platform="shopify")]
    for i, page in enumerate(_pages(customers), 1):
        _json(folder / f"customers_page{i}.json", {"data": {"customers": {
            "nodes": list(page), "pageInfo": {"hasNextPage": i * PAGE < len(customers)}}}})
    lines = [json.dumps(_sh_order(o), ensure_ascii=False) for o in _rows(s, "orders", platform="shopify")]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "orders_bulk.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"shopify": {"reader": "shopify_api", "path": "exports/shopify/*"}}


def _gid(kind: str, value: Any) -> str:
    return f"gid://shopify/{kind}/{value}"


def _sh_customer(c: dict[str, Any]) -> dict[str, Any]:
    profiles = ([{"company": {"id": _gid("Company", c["company_id"])}}] if _v(c, "company_id") else [])
    return _drop_none({"id": _gid("Customer", c["customer_id"]), "legacyResourceId": c["customer_id"],
                       "displayName": _v(c, "name"), "createdAt": _fmt(c.get("created_at"), "%Y-%m-%dT%H:%M:%SZ"),
                       "defaultEmailAddress": {"emailAddress": _v(c, "email")}, "tags": _tags(c.get("tags")),
                       "defaultAddress": _drop_none({"countryCodeV2": _v(c, "country"),
                                                     "company": _v(c, "company_name")}),
                       "companyContactProfiles": profiles})


def _sh_order(o: dict[str, Any]) -> dict[str, Any]:
    kind = "DraftOrder" if o.get("quote") else "Order"
    status = _v(o, "status")
    test = bool(o.get("inactive")) and str(status or "").upper() not in ("VOIDED", "EXPIRED", "REFUNDED")
    customer = {"id": _gid("Customer", o["customer_id"]), "legacyResourceId": o["customer_id"]} \
        if _v(o, "customer_id") else None
    company = {"company": {"id": _gid("Company", o["company_id"])}} if _v(o, "company_id") else None
    return _drop_none({"id": _gid(kind, o["order_id"]), "legacyResourceId": o["order_id"],
                       "createdAt": _fmt(o["created_at"], "%Y-%m-%dT%H:%M:%SZ"),
                       "cancelledAt": _fmt(o["created_at"], "%Y-%m-%dT%H:%M:%SZ") if o.get("cancelled") else None,
                       "displayFinancialStatus": status, "test": test, "email": _v(o, "email"),
                       "customer": customer, "purchasingEntity": company, "tags": _tags(o.get("tags")),
                       "totalPriceSet": {"shopMoney": {"amount": str(o["total"]), "currencyCode": o["currency"]}},
                       "shippingAddress": _drop_none({"countryCodeV2": _v(o, "ship_to_country")})})


# -- ERP masters: Intacct XML pages, F&O CustomersV3 pages, Dataverse accounts / contacts ----------

INTACCT_STATUS = {"active": ("active", "false"), "on_hold": ("active", "true"), "inactive": ("inactive", "false")}


def _intacct(exports: Path, s: Scenario) -> dict[str, dict[str, Any]]:
    records = _rows(s, "erp_customers", system="sage_intacct")
    pages = _pages(records)
    for i, page in enumerate(pages, 1):
        left = len(records) - i * PAGE if i < len(pages) else 0
        body = "".join(_intacct_record(n, r) for n, r in enumerate(page, (i - 1) * PAGE + 1))
        function = "readByQuery" if i == 1 else "readMore"
        xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<response><control><status>success</status></control>'
               f'<operation><authentication><status>success</status></authentication><result><status>success'
               f'</status><function>{function}</function><data listtype="customer" count="{len(page)}" '
               f'totalcount="{len(records)}" numremaining="{max(left, 0)}" resultId="demo-customers">\n{body}'
               f'</data></result></operation></response>\n')
        path = exports / "intacct" / f"customers_page{i}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(xml, encoding="utf-8")
    return {"intacct": {"reader": "sage_intacct_xml", "path": "exports/intacct/*.xml",
                        "options": {"timezone": "UTC", "external_id_field": "COMMERCE_ID"}}}


def _intacct_record(recordno: int, r: dict[str, Any]) -> str:
    status, hold = INTACCT_STATUS[_v(r, "status") or "active"]
    fields = {"RECORDNO": recordno, "CUSTOMERID": r["customer_account"], "NAME": _v(r, "name"), "STATUS": status,
              "ONHOLD": hold, "TAXID": _v(r, "vat_number"), "DISPLAYCONTACT.EMAIL1": _v(r, "email"),
              "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE": _v(r, "country"), "MEGAENTITYID": _v(r, "legal_entity"),
              "COMMERCE_ID": _v(r, "external_id"), "WHENCREATED": _fmt(r.get("created_at"), "%m/%d/%Y %H:%M:%S"),
              "WHENMODIFIED": _fmt(r.get("modified_at"), "%m/%d/%Y %H:%M:%S")}
    inner = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items() if v is not None)
    return f"<customer>{inner}</customer>\n"


FO_HOLD = {"active": "No", "on_hold": "Invoice", "blocked": "All"}


def _d365(exports: Path, s: Scenario) -> dict[str, dict[str, Any]]:
    records = [_fo_record(r) for r in _rows(s, "erp_customers", system="d365_fo")]
    pages = _pages(records)
    base = "https://demo.operations.dynamics.com/data/CustomersV3?cross-company=true"
    for i, page in enumerate(pages, 1):
        body: dict[str, Any] = {"@odata.context": "https://demo.operations.dynamics.com/data/$metadata#CustomersV3",
                                "value": list(page)}
        if i < len(pages):
            body["@odata.nextLink"] = f"{base}&$skiptoken={i * PAGE}"
        _json(exports / "d365" / f"customersv3_page{i}.json", body)
    return {"d365": {"reader": "d365_fo_odata", "path": "exports/d365/*.json",
                     "options": {"external_id_field": "BWCommerceId", "created_field": "BWCreatedDateTime"}}}


def _fo_record(r: dict[str, Any]) -> dict[str, Any]:
    return _drop_none({"dataAreaId": str(r.get("legal_entity") or "").lower() or None,
                       "CustomerAccount": r["customer_account"], "OrganizationName": _v(r, "name"),
                       "PrimaryContactEmail": _v(r, "email"), "TaxExemptNumber": _v(r, "vat_number"),
                       "AddressCountryRegionISOCode": _v(r, "country"),
                       "OnHoldStatus": FO_HOLD[_v(r, "status") or "active"], "BWCommerceId": _v(r, "external_id"),
                       "BWCreatedDateTime": _fmt(r.get("created_at"), "%Y-%m-%dT%H:%M:%SZ")})


def _dataverse(exports: Path, s: Scenario) -> dict[str, dict[str, Any]]:
    kinds = (("account", "accountid", "accountnumber"), ("contact", "contactid", "msdyn_contactpersonid"))
    for kind, key, ref in kinds:
        records = [_dv_record(r, key, ref) for r in _rows(s, "staging_records", record_type=kind)]
        _json(exports / "dataverse" / f"{kind}s.json", {"value": records})
    return {"dataverse": {"reader": "dataverse_api", "path": "exports/dataverse/*.json",
                          "options": {"legal_entity_case": "as_is", "external_id_field": "bw_commerceid"}}}


def _dv_record(r: dict[str, Any], key: str, ref: str) -> dict[str, Any]:
    entity = _v(r, "legal_entity")
    company = f"c0a7e000-0000-0000-0000-{zlib.crc32(str(entity).encode()):012d}" if entity else None
    return _drop_none({key: r["record_id"], ref: _v(r, "account_ref"), "emailaddress1": _v(r, "email"),
                       "msdyn_taxexemptnumber": _v(r, "vat_number"), "bw_commerceid": _v(r, "external_id"),
                       "statecode": 1 if _v(r, "state") == "inactive" else 0, "merged": bool(r.get("merged")),
                       "_masterid_value": _v(r, "master_id"), "_msdyn_company_value": company,
                       "_msdyn_company_value@OData.Community.Display.V1.FormattedValue": entity,
                       "createdon": _fmt(r.get("created_at"), "%Y-%m-%dT%H:%M:%SZ")})


# -- sync logs: Power Automate flow runs, the documented connector log for every other log ---------

FLOW_STATUS = {"succeeded": "Succeeded", "failed": "Failed", "pending": "Running", "skipped": "Cancelled"}


def _sync(exports: Path, s: Scenario) -> dict[str, dict[str, Any]]:
    sources: dict[str, dict[str, Any]] = {}
    by_source: dict[str, Rows] = {}
    for event in s.rows.get("sync_events", []):
        by_source.setdefault(str(event.get("source") or "connector"), []).append(event)
    for source, events in by_source.items():
        flowable = source == "power_automate" and not any(_v(e, "legal_entity") or _v(e, "erp_account")
                                                          for e in events)
        sources.update(_flow_runs(exports, events) if flowable else _connector_log(exports, source, events))
    return sources


def _flow_runs(exports: Path, events: Rows) -> dict[str, dict[str, Any]]:
    """One flow per (platform, operation), as a merchant would build them; its run history exported on
    its own, read by its own source (the flow's operation and platform are source options)."""
    flows: dict[tuple[str, str], Rows] = {}
    for e in events:
        flows.setdefault((_v(e, "platform") or "any", _v(e, "operation") or "create"), []).append(e)
    sources = {}
    for (platform, operation), group in sorted(flows.items()):
        name = f"{platform} customer {operation}"
        runs = [_drop_none({"name": e.get("event_id"), "status": FLOW_STATUS[e["outcome"]],
                             "starttime": _fmt(e["occurred_at"], "%Y-%m-%dT%H:%M:%SZ"), "workflowname": name,
                             "errormessage": _v(e, "rejection_reason"), "bw_customer_ref": e["customer_ref"]})
                 for e in group]
        path = exports / "power_automate" / f"flowruns_{platform}_{operation}.json"
        _json(path, {"value": runs})
        options = {"operation": operation, "customer_ref_field": "bw_customer_ref"}
        sources[f"flows_{platform}_{operation}"] = {"reader": "power_automate_flowruns", "path": _rel(path, exports),
                                                    "options": options | ({"platform": platform}
                                                                          if platform != "any" else {})}
    return sources


def _connector_log(exports: Path, source: str, events: Rows) -> dict[str, dict[str, Any]]:
    path = exports / "synclogs" / f"{source}_log.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = ("event_id", "occurred_at", "platform", "customer_ref", "operation", "outcome", "rejection_reason",
               "legal_entity", "erp_account")
    write_csv(path, columns, [{k: e.get(k) for k in columns} for e in events])
    return {f"log_{source}": {"reader": "sync_log", "path": _rel(path, exports), "options": {"source": source}}}


def _has(table: str, **match: Any) -> Callable[[Scenario], bool]:
    return lambda s: bool(_rows(s, table, **match))


WRITERS: tuple[tuple[Callable[[Scenario], bool], tuple[str, ...], Writer], ...] = (
    (_has("orders", platform="bigcommerce"), ("commerce_customers", "companies", "orders"), _bigcommerce),
    (_has("orders", platform="adobe_commerce"), ("commerce_customers", "companies", "orders"), _adobe),
    (_has("orders", platform="shopify"), ("commerce_customers", "orders"), _shopify),
    (_has("erp_customers", system="sage_intacct"), ("erp_customers",), _intacct),
    (_has("erp_customers", system="d365_fo"), ("erp_customers",), _d365),
    (_has("staging_records"), ("staging_records",), _dataverse),
    (_has("sync_events"), ("sync_events",), _sync),
)
"""When a writer runs (the scenario has rows of its platform or system) and the tables it then covers."""
