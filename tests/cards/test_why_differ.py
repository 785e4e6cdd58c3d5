"""One test per row of each seed's "why our number may legitimately differ" table.

Each builds the situation by hand and shows the card moving the way the seed says, against the
number a manual customer-list comparison would give.
"""

from __future__ import annotations

from decimal import Decimal

from bridgewatch import compute, explain
from bridgewatch.workspace import load_workspace

from .builders import company, d365, erp, event, ids, sage, shopper

FO = "d365_fo"


# -- Sage card ----------------------------------------------------------------------------------

def test_sage_b2b_scope_only_reads_lower(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "B2B")
    shopper(s, "DTC", country="GB", currency="GBP")
    result = run_card(s)
    manual = 2  # every absent commerce customer
    assert result.count == 1 < manual


def test_sage_active_order_requirement_reads_lower(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "ACTIVE")
    company(s, "DORMANT", orders=())
    assert run_card(s).count == 1 < 2


def test_sage_sync_failure_vs_backlog_is_split(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    event(s, "ANY", "succeeded", "2026-04-14T06:00:00Z")
    company(s, "FAIL", created="2026-04-01T10:00:00Z")
    event(s, "FAIL", "failed", "2026-04-09T06:00:00Z", "Duplicate CUSTOMERID")
    company(s, "LAG", created="2026-04-14T08:00:00Z", orders=("2026-04-14T09:00:00Z",))
    result = run_card(s)
    assert {c.company_id: c.cause for c in result.customers} == {"FAIL": "create_failed", "LAG": "lagging"}


def test_sage_match_key_choice_near_miss_names_are_not_absent(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "ACME", vat="GB123456789")  # storefront name "ACME Ltd"
    erp(s, "C1", name="Acme Limited", vat_number="123456789", country="GB")
    assert run_card(s).count == 0  # a name-based comparison reads "Ltd" vs "Limited" as absent


def test_sage_generic_holding_customer_reads_higher(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "PARKED", ref="WEBTRADE")
    erp(s, "WEBTRADE", name="Web trade (generic)")
    assert ids(run_card(s)) == ["PARKED"]  # a manual comparison counts the holding record as present: 0


def test_sage_sync_timing_uses_the_aligned_timestamp(run_card, run_cards) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "LATE", vat="GB123456789")
    erp(s, "C1", vat_number="GB123456789", created_at="2026-04-14T19:00:00Z")  # created after the as-of
    assert ids(run_card(s)) == ["LATE"]
    s.config["workspace"]["as_of"] = "2026-04-14T20:00:00Z"
    s.config["workspace"]["id"] = "sage-later"
    assert run_cards(s)[0].count == 0


def test_sage_multi_entity_counts_against_the_posting_entity(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    s.config["legal_entities"].append({"id": "IE01", "name": "IE Trade", "currency": "EUR", "countries": ["IE"]})
    s.add("fx_rates", currency="EUR", rate_date="2026-04-01", rate="0.86")
    company(s, "IE_ORDER", country="IE", currency="EUR", vat="IE6388047V")
    erp(s, "UK-1", entity="UK01", vat_number="IE6388047V")
    company(s, "SHARED", vat="GB123456789")
    erp(s, "TOP-1", vat_number="GB123456789")  # top level: present in every entity
    result = run_card(s)
    assert ids(result) == ["IE_ORDER"]
    assert [(b.key, b.customers) for b in result.by_entity] == [("IE01", 1)]
    assert result.customers[0].exists_in_other_entity is True



def _two_entities(s):  # type: ignore[no-untyped-def]
    """A second entity, IE01 (EUR, ships to IE), beside the base workspace's UK01; 1 EUR = 0.86 GBP."""
    s.config["legal_entities"].append({"id": "IE01", "name": "IE Trade", "currency": "EUR", "countries": ["IE"]})
    s.add("fx_rates", currency="EUR", rate_date="2026-04-01", rate="0.86")
    return s


def _uk_and_ie_orders(s, cid: str, vat: str, **order) -> None:  # type: ignore[no-untyped-def]
    """Company ``cid``: a GBP 100.00 order shipped to GB (09 Apr) and a EUR 200.00 one shipped to IE (10 Apr)."""
    company(s, cid, vat=vat, orders=("2026-04-09T10:00:00Z",), **order)
    s.add("orders", platform="bigcommerce", order_id=f"{cid}-IE", customer_id=f"{cid}-U", company_id=cid,
          created_at="2026-04-10T10:00:00Z", currency="EUR", total="200.00", ship_to_country="IE", **order)


def test_sage_multi_entity_orders_for_two_entities_need_a_record_in_each(run_card) -> None:  # type: ignore[no-untyped-def]
    """A customer whose orders ship to GB (UK01) and to IE (IE01) and who is held in UK01 only was read present: its
    UK01 record "fitted" one of its entities, so the IE01 order, which cannot post, was a false all-clear. It is
    counted against IE01, with the IE01 order only (the UK01 one posts against the UK01 record)."""
    s = _two_entities(sage())
    _uk_and_ie_orders(s, "DUAL", "GB123456782")
    erp(s, "UK-DUAL", entity="UK01", vat_number="GB123456782")
    _uk_and_ie_orders(s, "BOTH", "GB980780684")
    erp(s, "UK-BOTH", entity="UK01", vat_number="GB980780684")
    erp(s, "IE-BOTH", entity="IE01", vat_number="GB980780684")
    _uk_and_ie_orders(s, "TOP", "GB224998130")
    erp(s, "TOP-1", vat_number="GB224998130")  # top level: in every entity
    _uk_and_ie_orders(s, "NONE", "GB111222333")
    result = run_card(s)
    got = {c.company_id: (c.expected_entity, c.entity_ambiguous, c.entity_candidates, c.exists_in_other_entity,
                          c.other_entity_records, c.matched_key, c.active_orders, c.blocked_value, c.currency,
                          c.blocked_value_reporting, c.vat_treatment) for c in result.customers}
    assert got == {
        "DUAL": ("IE01", False, "IE01", True, "UK01/UK-DUAL", None, 1, Decimal("200.00"), "EUR",
                 Decimal("172.00"), "zero_rated"),
        "NONE": (None, True, "IE01, UK01", False, None, None, 2, None, "MIXED", Decimal("272.00"), "zero_rated"),
    }
    dual = next(c for c in result.customers if c.company_id == "DUAL")
    assert [(k.key, k.result, k.erp_records) for k in dual.keys_tried] == [
        ("vat", "not usable", "UK01/UK-DUAL (other entity)"), ("account_ref", "no value", None),
        ("email", "no match", None)]
    assert (result.count, result.active_orders, result.blocked_value_reporting) == (2, 3, Decimal("444.00"))
    assert {b.key: (b.customers, b.active_orders, b.blocked_value_reporting) for b in result.by_entity} == {
        "IE01": (1, 1, Decimal("172.00")), "ambiguous": (1, 2, Decimal("272.00"))}
    assert result.scope["present in master (matched on vat)"] == 2


def test_sage_multi_entity_by_order_tags_counts_the_untagged_entity(run_card) -> None:  # type: ignore[no-untyped-def]
    """Tags decide the entity of each order (they rank above the ship-to country): one order tagged for UK01, one
    for IE01; held in IE01 only, the customer is counted against UK01 with the UK01-tagged order."""
    s = _two_entities(sage())
    s.config["entity_rules"] = [{"kind": "tag", "value": "trade-uk", "entity": "UK01"},
                                {"kind": "tag", "value": "trade-ie", "entity": "IE01"}]
    company(s, "TAGGED", vat="IE6388047V", country="IE", orders=("2026-04-09T10:00:00Z",), total="120.00",
            tags="net30, Trade-UK")
    s.add("orders", platform="bigcommerce", order_id="TAGGED-IE", customer_id="TAGGED-U", company_id="TAGGED",
          created_at="2026-04-11T10:00:00Z", currency="GBP", total="80.00", ship_to_country="IE", tags="trade-ie")
    erp(s, "IE-T", entity="IE01", vat_number="6388047V", country="IE")
    [row] = run_card(s).customers
    assert (row.company_id, row.expected_entity, row.entity_basis, row.active_orders, row.blocked_value,
            row.other_entity_records) == ("TAGGED", "UK01", "tag", 1, Decimal("120.00"), "IE01/IE-T")


def test_sage_multi_entity_cause_reads_the_attempts_at_the_missing_entity(run_card, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The sync log's create that made a customer's UK01 record says nothing of IE01, where it is counted absent: it
    was read as the latest attempt, so every such customer was "sync reported success, record not in master" (and a
    rejected IE01 create followed by a UK01 success was no failure). Attempts at another entity are left out."""
    s = _two_entities(sage())
    _uk_and_ie_orders(s, "DUAL", "GB123456782")
    erp(s, "UK-DUAL", entity="UK01", vat_number="GB123456782")
    event(s, "DUAL", "succeeded", "2026-01-20T10:00:00Z", legal_entity="UK01", erp_account="UK-DUAL")
    _uk_and_ie_orders(s, "FAILIE", "GB980780684")
    erp(s, "UK-F", entity="UK01", vat_number="GB980780684")
    event(s, "FAILIE", "failed", "2026-04-10T11:00:00Z", reason="BL01001973 TAXSOLUTIONID is required",
          legal_entity="IE01")
    event(s, "FAILIE", "succeeded", "2026-04-11T11:00:00Z", legal_entity="UK01", erp_account="UK-F")
    company(s, "IEONLY", vat="IE6388047V", country="IE", currency="EUR", total="50.00")
    erp(s, "UK-IE", entity="UK01", vat_number="IE6388047V")
    event(s, "IEONLY", "succeeded", "2026-02-01T10:00:00Z", legal_entity="UK01", erp_account="UK-IE")
    event(s, "IEONLY", "pending", "2026-04-14T17:00:00Z")  # names no entity: read
    result = run_card(s)
    got = {c.company_id: (c.cause, c.rejection_reason, c.expected_entity, c.sync_attempts) for c in result.customers}
    assert got == {"DUAL": ("never_synced", None, "IE01", 0),
                   "FAILIE": ("create_failed", "BL01001973 TAXSOLUTIONID is required", "IE01", 1),
                   "IEONLY": ("lagging", None, "IE01", 1)}
    ws = load_workspace(tmp_path / "sage-test")
    with compute([ws]) as run:
        [why] = explain(run, "FAILIE")
    assert why.reason == ("last create attempt (2026-04-10T11:00:00Z, connector) was rejected: BL01001973 "
                          "TAXSOLUTIONID is required; 1 failed attempt(s) in all")


def test_sage_multi_entity_retired_cause_reads_the_missing_entity(run_card) -> None:  # type: ignore[no-untyped-def]
    """Held live in UK01, with an old inactive UK01 duplicate, and absent from IE01: nothing is retired in IE01, so
    the cause is not "merged or retired" (re-point the orders) but never synced. An inactive IE01 record is."""
    s = _two_entities(sage())
    _uk_and_ie_orders(s, "DUP", "GB123456782")
    erp(s, "UK-DUP", entity="UK01", vat_number="GB123456782")
    erp(s, "UK-DUP-OLD", entity="UK01", vat_number="GB123456782", status="inactive")
    _uk_and_ie_orders(s, "OLDIE", "GB980780684")
    erp(s, "UK-O", entity="UK01", vat_number="GB980780684")
    erp(s, "IE-O", entity="IE01", vat_number="GB980780684", status="inactive")
    got = {c.company_id: (c.cause, c.expected_entity, [k.erp_records for k in c.keys_tried][0])
           for c in run_card(s).customers}
    assert got == {"DUP": ("never_synced", "IE01", "UK01/UK-DUP (other entity); UK01/UK-DUP-OLD (inactive)"),
                   "OLDIE": ("merged_retired", "IE01", "IE01/IE-O (inactive); UK01/UK-O (other entity)")}

# -- D365 card ----------------------------------------------------------------------------------

def test_d365_field_map_key_choice(run_card, run_cards) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "BUYER", email="buyer@acme.test")
    erp(s, "US-1", system=FO, entity="USTI", email="ap@acme.test", external_id="BUYER")
    s.config["field_map"] = {"d365_customer_master_gap": ["email"]}
    assert ids(run_card(s)) == ["BUYER"]  # created under the AP contact's email: absent on email
    s.config["field_map"] = {"d365_customer_master_gap": ["email", "external_id"]}
    s.config["workspace"]["id"] = "d365-ext"
    assert run_cards(s)[0].count == 0


def test_d365_sync_timing_is_more_inclusive(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "JUST_NOW", created="2026-04-12T23:50:00Z", orders=("2026-04-12T23:55:00Z",))
    result = run_card(s)
    assert (result.count, result.awaiting_sync) == (1, 1)  # an export after the sync would show 0


def test_d365_dataverse_staging_counts_as_absent(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "STAGED", email="staged@mail.test")
    s.add("staging_records", record_id="acc-1", record_type="contact", email="staged@mail.test")
    result = run_card(s)
    assert (result.count, result.dataverse_not_promoted, result.customers[0].cause) == (
        1, 1, "dataverse_not_promoted")


def test_d365_multi_entity_expectation(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "CA_BUYER", country="CA", email="ca@mail.test")
    erp(s, "US-9", system=FO, entity="USTI", email="ca@mail.test")
    row = run_card(s).customers[0]
    assert (row.expected_entity, row.exists_in_other_entity) == ("CATU", True)


def test_d365_quote_only_reads_lower(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "ORDERS")
    shopper(s, "QUOTES", quote=True)
    assert run_card(s).count == 1 < 2
