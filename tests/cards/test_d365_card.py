"""The D365 card's rules: all segments, quote-only, blocked value, entities, Dataverse, awaiting sync, worklist."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bridgewatch.errors import InputError

from .builders import causes, company, d365, erp, event, ids, shopper

FO = "d365_fo"


def test_counts_every_platform_and_splits_b2b_dtc(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "S1", total="10.00")
    shopper(s, "A1", platform="adobe_commerce", total="20.00")
    company(s, "B1", country="US", currency="USD", total="300.00")
    result = run_card(s)
    assert sorted(ids(result)) == ["A1", "B1", "S1"]
    assert [(b.key, b.customers, b.blocked_value_reporting) for b in result.by_segment] == [
        ("b2b", 1, Decimal("300.00")), ("dtc", 2, Decimal("30.00"))]
    dtc = next(c for c in result.customers if c.customer_id == "S1")
    assert dtc.next_action == "Auto-creatable: the sync flow can create it with default settings."
    b2b = next(c for c in result.customers if c.company_id == "B1")
    assert b2b.next_action == "Manual onboarding: credit check, tax-ID validation, payment terms."


def test_quote_only_customers_are_excluded(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "QUOTES", quote=True, orders=("2026-04-08T10:00:00Z", "2026-04-09T10:00:00Z"))
    shopper(s, "QUOTE_AND_ORDER")
    s.add("orders", platform="shopify", order_id="QO-q", customer_id="QUOTE_AND_ORDER", quote=True,
          created_at="2026-04-09T10:00:00Z", currency="USD", total="999.00")
    result = run_card(s)
    assert ids(result) == ["QUOTE_AND_ORDER"]
    assert result.customers[0].blocked_value == Decimal("50.00")
    assert result.scope["quote-only in the window"] == 1


def test_guest_orders_are_not_customers(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    s.add("orders", platform="shopify", order_id="G1", email="guest@mail.test", created_at="2026-04-10T10:00:00Z",
          currency="USD", total="10.00")
    result = run_card(s)
    assert result.count == 0
    assert result.orders == {"guest order (no customer record)": 1}


def test_blocked_value_in_order_and_reporting_currency(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "CAD1", country="CA", currency="CAD", total="1000.00")
    shopper(s, "MIX", orders=("2026-04-08T10:00:00Z",), total="100.00")
    s.add("orders", platform="shopify", order_id="MIX-cad", customer_id="MIX", created_at="2026-04-09T10:00:00Z",
          currency="CAD", total="100.00", ship_to_country="US")
    s.add("fx_rates", currency="CAD", rate_date="2026-04-01", rate="0.7234")
    result = run_card(s)
    got = {c.customer_id: (c.blocked_value, c.currency, c.blocked_value_reporting) for c in result.customers}
    assert got == {"CAD1": (Decimal("1000.00"), "CAD", Decimal("723.40")),
                   "MIX": (None, "MIXED", Decimal("172.34"))}
    assert result.blocked_value_reporting == Decimal("895.74")


def test_missing_fx_rate_is_an_error_naming_the_order(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "EUR1", currency="EUR")
    with pytest.raises(InputError) as err:
        run_card(s)
    message = str(err.value)
    assert "orders.csv, row 1, field 'currency'" in message
    assert "no FX rate from EUR into USD dated on or before 2026-04-10" in message


def test_expected_entity_by_override_tag_and_country(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    s.config["entity_rules"] = [{"kind": "tag", "value": "Wholesale-CA", "entity": "CATU"},
                                {"kind": "override", "value": "OVR", "platform": "shopify", "entity": "USTI"}]
    s.add("fx_rates", currency="CAD", rate_date="2026-04-01", rate="0.72")
    shopper(s, "BY_COUNTRY", country="CA", currency="CAD")
    shopper(s, "BY_TAG", tags="net30, wholesale-ca")
    shopper(s, "OVR", country="CA", tags="wholesale-ca")
    shopper(s, "TWO_COUNTRIES", orders=("2026-04-08T10:00:00Z",))
    s.add("orders", platform="shopify", order_id="TC-ca", customer_id="TWO_COUNTRIES",
          created_at="2026-04-09T10:00:00Z", currency="USD", total="5.00", ship_to_country="CA")
    shopper(s, "NO_RULE", country="MX")
    got = {c.customer_id: (c.expected_entity, c.entity_ambiguous, c.entity_candidates, c.entity_basis)
           for c in run_card(s).customers}
    assert got == {
        "BY_COUNTRY": ("CATU", False, "CATU", "country"),
        "BY_TAG": ("CATU", False, "CATU", "tag"),
        "OVR": ("USTI", False, "USTI", "override"),
        "TWO_COUNTRIES": (None, True, "CATU, USTI", "country"),
        "NO_RULE": (None, True, None, "none"),
    }


def test_default_entity_applies_when_no_rule_fires(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365(default_entity="USTI")
    shopper(s, "MX1", country="MX")
    row = run_card(s).customers[0]
    assert (row.expected_entity, row.entity_ambiguous, row.entity_basis) == ("USTI", False, "default")


def test_present_in_another_entity_still_counts(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "CA1", country="CA", currency="USD", email="ca1@mail.test")
    erp(s, "US-1", system=FO, entity="USTI", email="ca1@mail.test")
    shopper(s, "CA2", country="CA", currency="USD", email="ca2@mail.test")
    erp(s, "CA-2", system=FO, entity="catu", email="ca2@mail.test")
    result = run_card(s)
    assert ids(result) == ["CA1"]
    row = result.customers[0]
    assert (row.expected_entity, row.exists_in_other_entity, row.other_entity_records) == ("CATU", True,
                                                                                           "USTI/US-1")


def test_dataverse_not_promoted_is_cross_referenced(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "DV1", email="dv1@mail.test")
    s.add("staging_records", record_id="acc-1", email="DV1@mail.test")
    shopper(s, "DV_MERGED", email="dvm@mail.test")
    s.add("staging_records", record_id="acc-2", email="dvm@mail.test", merged=True, master_id="acc-9")
    shopper(s, "DV_PRESENT", email="dvp@mail.test")
    s.add("staging_records", record_id="acc-3", email="dvp@mail.test", promoted=True)
    erp(s, "US-3", system=FO, entity="USTI", email="dvp@mail.test")
    result = run_card(s)
    got = {c.customer_id: (c.cause, c.in_dataverse) for c in result.customers}
    assert got == {"DV1": ("dataverse_not_promoted", True), "DV_MERGED": ("merged_retired", False)}
    assert result.dataverse_not_promoted == 1


def test_every_address_of_a_record_email_field_is_a_key(run_card) -> None:  # type: ignore[no-untyped-def]
    """A master record's e-mail field holding several addresses (Business Central checks the field as a
    ``;``-separated list; other masters take ``,``) matches a customer on any of them; an address that only
    contains the customer's is another address. The same for a Dataverse record (not promoted)."""
    s = d365()
    shopper(s, "S1", email="second@mail.test")
    erp(s, "US-1", system=FO, entity="USTI", email="first@mail.test; Second@Mail.test")
    shopper(s, "S2", email="third@mail.test")
    erp(s, "US-2", system=FO, entity="USTI", email="other@mail.test,third@mail.test ;")
    shopper(s, "S3", email="fourth@mail.test")
    erp(s, "US-3", system=FO, entity="USTI", email="xfourth@mail.test;fourth@mail.test.uk")
    shopper(s, "S4", email="fifth@mail.test")
    s.add("staging_records", record_id="acc-5", email="ap@mail.test; fifth@mail.test")
    result = run_card(s)
    got = {c.customer_id: (c.cause, c.in_dataverse) for c in result.customers}
    assert set(got) == {"S3", "S4"}
    assert got["S4"] == ("dataverse_not_promoted", True)
    assert got["S3"][1] is False
    assert result.scope["present in master (matched on email)"] == 2
    assert result.dataverse_not_promoted == 1


def test_staged_bare_vat_is_read_in_its_company_country(run_card) -> None:  # type: ignore[no-untyped-def]
    """A Dataverse account has no country column: its bare VAT number is read in the country of the company
    (legal entity) it is mapped to, as a master record's is, and in the home country when it has none. Read
    in the home country, the Irish number staged in the IE company became ``GB…`` and the customer's 'in
    Dataverse, not promoted' was missed."""
    s = d365(home_country="GB", reporting_currency="GBP")
    s.config["legal_entities"] = [{"id": "GBTR", "name": "GB Trade", "currency": "GBP", "countries": ["GB"]},
                                  {"id": "IETR", "name": "IE Trade", "currency": "EUR", "countries": ["IE"]}]
    shopper(s, "IE1", country="IE", currency="EUR")
    s.rows["commerce_customers"][-1]["vat_number"] = "IE 6433435F"
    s.add("fx_rates", currency="EUR", rate_date="2026-01-01", rate="0.85")
    s.add("staging_records", record_id="acc-1", legal_entity="IETR", vat_number="6433435F")
    shopper(s, "GB1", country="GB", currency="GBP")
    s.rows["commerce_customers"][-1]["vat_number"] = "GB980780684"
    s.add("staging_records", record_id="acc-2", vat_number="980 7806 84")
    shopper(s, "IE2", country="IE", currency="EUR")
    s.rows["commerce_customers"][-1]["vat_number"] = "IE1234567T"
    s.add("staging_records", record_id="acc-3", legal_entity="GBTR", vat_number="1234567T")
    result = run_card(s)
    got = {c.customer_id: (c.cause, c.in_dataverse) for c in result.customers}
    assert {k: v[1] for k, v in got.items()} == {"IE1": True, "GB1": True, "IE2": False}
    assert got["IE1"][0] == "dataverse_not_promoted"
    assert result.dataverse_not_promoted == 2


def test_a_staged_company_is_the_entity_whatever_its_case(run_card) -> None:  # type: ignore[no-untyped-def]
    """The Web API's formatted company name is written as Dataverse holds it (``ietr``; legal_entity_case =
    "as_is" keeps it so) while workspace.toml says ``IETR``: it names the same entity, as a master record's
    entity does. Read as an unknown company, the Irish record's bare VAT number was read in the home country
    (``GB6433435F``) and the customer's 'in Dataverse, not promoted' was missed."""
    s = d365(home_country="GB", reporting_currency="GBP")
    s.config["legal_entities"] = [{"id": "GBTR", "name": "GB Trade", "currency": "GBP", "countries": ["GB"]},
                                  {"id": "IETR", "name": "IE Trade", "currency": "EUR", "countries": ["IE"]}]
    shopper(s, "IE1", country="IE", currency="EUR", total="100.00")
    s.rows["commerce_customers"][-1]["vat_number"] = "IE 6433435F"
    s.add("fx_rates", currency="EUR", rate_date="2026-01-01", rate="0.85")
    s.add("staging_records", record_id="acc-1", legal_entity="ietr", vat_number="6433435F")
    [row] = run_card(s).customers
    assert (row.customer_id, row.cause, row.in_dataverse, row.expected_entity) == (
        "IE1", "dataverse_not_promoted", True, "IETR")


def test_awaiting_sync_is_counted_but_shown_apart(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "NEW", created="2026-04-12T23:40:00Z", orders=("2026-04-12T23:50:00Z",))
    shopper(s, "OLDER", created="2026-04-01T10:00:00Z", orders=("2026-04-12T23:40:00Z",))
    result = run_card(s)
    got = {c.customer_id: (c.awaiting_sync, c.cause) for c in result.customers}
    assert got == {"NEW": (True, "lagging"), "OLDER": (False, "never_synced")}
    assert (result.count, result.awaiting_sync) == (2, 1)


def test_worklist_is_ranked_by_blocked_value(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "SMALL", total="10.00")
    shopper(s, "BIG", total="900.00")
    shopper(s, "TIE_B", total="50.00")
    shopper(s, "TIE_A", total="50.00")
    result = run_card(s)
    assert [(c.rank, c.customer_id) for c in result.customers] == [(1, "BIG"), (2, "TIE_A"), (3, "TIE_B"),
                                                                   (4, "SMALL")]


def test_d365_causes_with_power_automate_failures(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "F1")
    event(s, "F1", "failed", "2026-04-10T11:00:00Z", "Sales tax group must be specified.")
    shopper(s, "N1")
    assert causes(run_card(s)) == {"create_failed": (1, 1), "never_synced": (1, 1)}


def test_awaiting_sync_means_less_than_the_grace_old(run_card) -> None:  # type: ignore[no-untyped-def]
    """Seed row *Sync timing*: "a customer whose order is < 15 minutes old may still be in Awaiting Sync".
    As of 00:00, an order of 23:45 is 15 minutes old: not awaiting sync; one of 23:46 (14 minutes) is.
    A success logged exactly 15 minutes ago is outside the grace, so its missing record is not lag."""
    s = d365()
    shopper(s, "AT_15", orders=("2026-04-12T23:45:00Z",))
    shopper(s, "AT_14", orders=("2026-04-12T23:46:00Z",))
    shopper(s, "OK_15", orders=("2026-04-10T10:00:00Z",))
    event(s, "OK_15", "succeeded", "2026-04-12T23:45:00Z")
    result = run_card(s)
    got = {c.customer_id: (c.awaiting_sync, c.cause) for c in result.customers}
    assert got == {"AT_15": (False, "never_synced"), "AT_14": (True, "lagging"),
                   "OK_15": (False, "synced_not_found")}
    assert result.awaiting_sync == 1


def test_awaiting_sync_means_a_first_order_not_a_first_order_in_the_window(run_card) -> None:  # type: ignore[no-untyped-def]
    """Seed FAQ: a DTC customer who "just ordered for the first time" clears on the next connector run. REPEAT
    first ordered on 03 Apr (before the 06 Apr window) and again at 23:50 (inside the grace): the sync has had
    ten days, so it is never synced, not awaiting sync; only its in-window order counts ($50). Its earlier
    order being cancelled (CXL_BEFORE) makes 23:50 its first sale: awaiting sync, lagging, as NEW is."""
    s = d365()
    shopper(s, "REPEAT", orders=("2026-04-03T10:00:00Z", "2026-04-12T23:50:00Z"))
    shopper(s, "CXL_BEFORE", orders=("2026-04-12T23:50:00Z",))
    s.add("orders", platform="shopify", order_id="CXL_BEFORE-x", customer_id="CXL_BEFORE", cancelled=True,
          created_at="2026-04-03T10:00:00Z", currency="USD", total="70.00", ship_to_country="US")
    shopper(s, "NEW", orders=("2026-04-12T23:50:00Z",))
    result = run_card(s)
    got = {c.customer_id: (c.cause, c.awaiting_sync, c.active_orders, c.blocked_value) for c in result.customers}
    assert got == {"REPEAT": ("never_synced", False, 1, Decimal("50.00")),
                   "CXL_BEFORE": ("lagging", True, 1, Decimal("50.00")),
                   "NEW": ("lagging", True, 1, Decimal("50.00"))}
    assert (result.count, result.awaiting_sync) == (3, 2)


def test_a_new_b2b_customer_is_not_told_to_wait_for_the_sync(run_card) -> None:  # type: ignore[no-untyped-def]
    """Seed FAQ: "B2B customers stay absent until a human onboards them"; only DTC clears on the next run.

    Three customers created after the last successful run (06:00) and first ordering at 23:50 (inside the
    grace): the B2B one with no attempt is never synced and goes to manual onboarding; a B2B one whose create
    is pending in the log is lagging (the log says so); the DTC one is lagging."""
    s = d365()
    event(s, "SOMEONE", "succeeded", "2026-04-12T06:00:00Z")
    for cid in ("NEW_B2B", "PENDING_B2B"):
        company(s, cid, country="US", currency="USD", created="2026-04-12T12:00:00Z",
                orders=("2026-04-12T23:50:00Z",))
    event(s, "PENDING_B2B", "pending", "2026-04-12T23:55:00Z")
    shopper(s, "NEW_DTC", created="2026-04-12T12:00:00Z", orders=("2026-04-12T23:50:00Z",))
    got = {c.company_id or c.customer_id: (c.cause, c.next_action, c.awaiting_sync) for c in run_card(s).customers}
    assert got == {
        "NEW_B2B": ("never_synced", "Manual onboarding: credit check, tax-ID validation, payment terms.", True),
        "PENDING_B2B": ("lagging", "Wait for the next sync run; chase only if it does not clear.", True),
        "NEW_DTC": ("lagging", "Wait for the next sync run; chase only if it does not clear.", True),
    }


def test_a_merged_dataverse_record_is_explained_as_one(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """DVM matches no master record, only a Dataverse account merged into another: `explain` said "the only master
    records it matches are inactive, merged or retired" (it matches none). RET's master record is blocked."""
    import bridgewatch as bw

    s = d365()
    shopper(s, "DVM", email="dvm@mail.test")
    s.add("staging_records", record_id="acc-2", email="dvm@mail.test", merged=True, master_id="acc-9",
          state="inactive")
    shopper(s, "RET", email="ret@mail.test")
    erp(s, "US-7", system=FO, entity="USTI", email="ret@mail.test", status="blocked")
    with bw.compute([bw.load_workspace(s.write(tmp_path / "ws"))]) as run:
        got = {c: [(e.cause, e.reason) for e in bw.explain(run, c)] for c in ("DVM", "RET")}
    assert got == {
        "DVM": [("merged_retired", "no master record matches, and its Dataverse record (dataverse account acc-2) was "
                                   "merged into another that none of its keys reach")],
        "RET": [("merged_retired", "the only master records it matches are inactive, merged or retired")]}
