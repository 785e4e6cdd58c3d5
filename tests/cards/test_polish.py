"""Plain answers a finance lead can trust: refunds, names, no-VAT home countries, entity-less DTC actions."""

from __future__ import annotations

from decimal import Decimal

from .builders import company, d365, sage, shopper


def test_a_negative_order_total_is_excluded_as_a_refund(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "S1", total="100.00")
    s.add("orders", platform="shopify", order_id="S1-refund", customer_id="S1", created_at="2026-04-11T10:00:00Z",
          currency="USD", total="-40.00", ship_to_country="US")
    shopper(s, "ONLY-REFUND", total="-25.00")
    result = run_card(s)
    assert [(c.customer_id, c.active_orders, c.blocked_value) for c in result.customers] == [
        ("S1", 1, Decimal("100.00"))]
    assert result.orders == {"active in window": 1, "refund or credit (negative total)": 2}
    assert result.blocked_value_reporting == Decimal("100.00")


def test_a_company_is_named_from_its_company_record_first(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "C1", vat="GB111111111")  # record name "C1 Ltd"
    s.add("commerce_customers", platform="bigcommerce", customer_id="C1-Z", email="z@c1.test", is_b2b=True,
          company_id="C1", company_name="ZZZ Typo Ltd", name="Aaron", created_at="2026-01-01T10:00:00Z")
    assert run_card(s).customers[0].name == "C1 Ltd"


def test_without_a_company_record_the_earliest_member_names_it(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    for cid, company_name, created in (("U2", "Acme Trading Ltd", "2026-01-02T10:00:00Z"),
                                       ("U1", "Zed Trading", "2026-01-03T10:00:00Z")):
        s.add("commerce_customers", platform="shopify", customer_id=cid, email=f"{cid}@x.test", is_b2b=True,
              company_id="CO-9", company_name=company_name, created_at=created)
    s.add("orders", platform="shopify", order_id="O1", customer_id="U1", company_id="CO-9",
          created_at="2026-04-10T10:00:00Z", currency="GBP", total="10.00", ship_to_country="GB")
    # The earliest-created member (U2) names it, although U1 placed the order and sorts last.
    assert run_card(s).customers[0].name == "Acme Trading Ltd"


def test_an_individual_is_named_by_their_own_name(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    s.add("commerce_customers", platform="shopify", customer_id="P1", email="p1@x.test", name="Pat Lee",
          company_name="Lee Household", created_at="2026-01-05T10:00:00Z")
    s.add("orders", platform="shopify", order_id="P1-0", customer_id="P1", created_at="2026-04-10T10:00:00Z",
          currency="USD", total="5.00", ship_to_country="US")
    assert run_card(s).customers[0].name == "Pat Lee"


def test_no_vat_at_stake_where_the_home_country_has_none(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "S1")
    company(s, "B1", country="US", currency="USD")
    assert {c.company_id or c.customer_id: c.vat_treatment for c in run_card(s).customers} == {
        "S1": "not_applicable", "B1": "not_applicable"}


def test_a_dtc_customer_with_no_entity_is_not_called_auto_creatable(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365()
    shopper(s, "NOWHERE", country="MX")  # ships to MX: no entity rule, no default entity
    shopper(s, "HOME")
    got = {c.customer_id: (c.entity_ambiguous, c.next_action) for c in run_card(s).customers}
    assert got == {
        "NOWHERE": (True, "Decide the legal entity first (the entity rules do not give exactly one), "
                          "then let the sync flow create it."),
        "HOME": (False, "Auto-creatable: the sync flow can create it with default settings."),
    }


def test_rejection_reasons_group_by_template_with_examples(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    for cid, ref in (("F1", "C-10422"), ("F2", "C-10500"), ("F3", None)):
        company(s, cid, vat=f"GB9{cid[-1]}0000000")
        reason = (f"BL01001973 Another customer with the ID {ref} already exists. [Support ID: x{cid}]" if ref
                  else "Required field 'TAXID' is missing")
        s.add("sync_events", source="sage_network", customer_ref=cid, occurred_at="2026-04-12T06:00:00Z",
              outcome="failed", rejection_reason=reason)
    result = run_card(s)
    assert [(b.key, b.customers, b.active_orders, b.examples) for b in result.by_rejection_reason] == [
        ("BL01001973 Another customer with the ID <id> already exists. [Support ID: <id>]", 2, 2,
         ("BL01001973 Another customer with the ID C-10422 already exists. [Support ID: xF1]",
          "BL01001973 Another customer with the ID C-10500 already exists. [Support ID: xF2]")),
        ("Required field 'TAXID' is missing", 1, 1, ("Required field 'TAXID' is missing",)),
    ]
    reason = result.to_dict()["by_rejection_reason"][0]
    assert (reason["reason"], reason["template"], len(reason["examples"])) == (
        "BL01001973 Another customer with the ID <id> already exists. [Support ID: <id>]",
        "BL01001973 Another customer with the ID <id> already exists. [Support ID: <id>]", 2)


def test_orders_placed_at_the_same_time_break_the_tie_by_order_id(run_card) -> None:  # type: ignore[no-untyped-def]
    """The latest counted order gives the buyer shown and the ship-to the VAT treatment follows; two orders
    at the same second are told apart by order id (the greater is the latest), not by their row order
    (the smaller comes first here: taken as the latest before, with the other buyer and ship-to FR)."""
    s = sage()
    s.add("companies", platform="bigcommerce", company_id="C1", name="C1 Ltd", email="ap@c1.test",
          vat_number="GB111111111", country="GB", created_at="2026-01-05T10:00:00Z")
    for buyer in ("C1-U", "C1-V"):
        s.add("commerce_customers", platform="bigcommerce", customer_id=buyer, email=f"{buyer.lower()}@c1.test",
              is_b2b=True, company_id="C1", created_at="2026-01-05T10:00:00Z")
    orders = {"C1-A": ("C1-V", "FR"), "C1-B": ("C1-U", "GB")}
    for order_id in orders:
        buyer, ship_to = orders[order_id]
        s.add("orders", platform="bigcommerce", order_id=order_id, customer_id=buyer, company_id="C1",
              created_at="2026-04-10T10:00:00Z", currency="GBP", total="100.00", ship_to_country=ship_to)
    [row] = run_card(s).customers
    assert (row.customer_id, row.vat_treatment, row.active_orders) == ("C1-U", "standard", 2)
