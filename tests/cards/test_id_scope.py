"""A commerce id names an account of one platform and kind: an ERP record holding ``42`` is not every
platform's customer 42 and every company 42 at once (a false all-clear when one of them is missing).

D365 card, field map ``external_id`` only, so each answer rests on the id alone. The ERP record's source says what
its field holds through ``external_id_platform`` / ``external_id_kind`` (canonical columns of the same names); a
Shopify GID says it itself.
"""

from __future__ import annotations

from typing import Any

from bridgewatch.scenario import Scenario

from .builders import company, d365, erp, shopper

CARD = "d365_customer_master_gap"


def _workspace() -> Scenario:
    s = d365()
    s.config["field_map"] = {CARD: ["external_id"]}
    return s


def _counted(result: Any) -> list[tuple[str, str, str]]:
    """Counted accounts as (platform, kind, id), sorted."""
    return sorted((c.platform, c.account_kind, c.company_id or c.customer_id) for c in result.customers)


def _tried(result: Any, platform: str) -> tuple[str, tuple[str, ...], str | None]:
    [row] = [c for c in result.customers if c.platform == platform]
    [key] = row.keys_tried
    return key.result, key.values, key.erp_records


def _storefronts(s: Scenario) -> None:
    """Shopify customer 42 and BigCommerce customer 42 (two storefronts numbering customers alike), and
    BigCommerce customer 43."""
    shopper(s, "42")
    shopper(s, "42", platform="bigcommerce")
    shopper(s, "43", platform="bigcommerce")


def test_a_bare_id_two_storefronts_give_their_customers_makes_neither_present(run_card) -> None:  # type: ignore[no-untyped-def]
    """ERP record US-1 holds 42 and nothing says which storefront's: both customers 42 are counted (before, both
    read present: the missing one was a false all-clear). 43 is BigCommerce's alone: US-2 makes it present."""
    s = _workspace()
    _storefronts(s)
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="42")
    erp(s, "US-2", system="d365_fo", entity="USTI", external_id="43")
    result = run_card(s)
    assert _counted(result) == [("bigcommerce", "customer", "42"), ("shopify", "customer", "42")]
    assert result.scope["present in master (matched on external_id)"] == 1
    why = ("USTI/US-1 (holds external id 42, which names bigcommerce customer 42, shopify customer 42: used for "
           "none of them; set external_id_platform on the source reading erp_customers.csv)")
    assert _tried(result, "shopify") == ("not usable", ("42",), why)
    assert _tried(result, "bigcommerce") == ("not usable", ("42",), why)
    assert result.ambiguous_matches == 0


def test_the_sources_platform_option_says_whose_id_a_bare_one_is(run_card) -> None:  # type: ignore[no-untyped-def]
    """The same master read with external_id_platform = shopify (the column its reader fills): US-1 is Shopify
    customer 42's; BigCommerce customer 42 is counted, with no record hit."""
    s = _workspace()
    _storefronts(s)
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="42", external_id_platform="shopify")
    erp(s, "US-2", system="d365_fo", entity="USTI", external_id="43", external_id_platform="bigcommerce")
    result = run_card(s)
    assert _counted(result) == [("bigcommerce", "customer", "42")]
    assert _tried(result, "bigcommerce") == ("no match", ("42",), None)
    assert result.scope["present in master (matched on external_id)"] == 2


def test_a_platform_option_naming_another_platform_matches_nothing(run_card) -> None:  # type: ignore[no-untyped-def]
    """external_id_platform = adobe_commerce on a master whose 42 is only a Shopify customer's: the option says the
    id is no Shopify id, so Shopify customer 42 is counted."""
    s = _workspace()
    shopper(s, "42")
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="42", external_id_platform="adobe_commerce")
    result = run_card(s)
    assert _counted(result) == [("shopify", "customer", "42")]


def _customer_and_company(s: Scenario) -> None:
    """Shopify customer 42 (DTC) and Shopify company 42 (its buyer is customer 42-U), one order each in the US."""
    shopper(s, "42", orders=())
    s.add("orders", platform="shopify", order_id="1001", customer_id="42", created_at="2026-04-10T10:00:00Z",
          currency="USD", total="50.00", ship_to_country="US")
    company(s, "42", platform="shopify", country="US", currency="USD")


def test_a_bare_id_naming_a_customer_and_a_company_makes_neither_present(run_card) -> None:  # type: ignore[no-untyped-def]
    s = _workspace()
    _customer_and_company(s)
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="42", external_id_platform="shopify")
    result = run_card(s)
    assert _counted(result) == [("shopify", "company", "42"), ("shopify", "customer", "42")]
    why = ("USTI/US-1 (holds external id 42, which names shopify company 42, shopify customer 42: used for none of "
           "them; set external_id_kind on the source reading erp_customers.csv)")
    assert {c.keys_tried[0].erp_records for c in result.customers} == {why}


def test_the_kind_option_says_a_bare_id_is_a_company_id(run_card) -> None:  # type: ignore[no-untyped-def]
    s = _workspace()
    _customer_and_company(s)
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="42", external_id_kind="company")
    result = run_card(s)
    assert _counted(result) == [("shopify", "customer", "42")]


def test_a_shopify_gid_names_its_kind(run_card) -> None:  # type: ignore[no-untyped-def]
    """gid://shopify/Company/42 is the company's id, never customer 42's (cut to its number, it was both); the
    customer's GID is the customer's, whatever the source's options say."""
    s = _workspace()
    _customer_and_company(s)
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="gid://shopify/Company/42")
    result = run_card(s)
    assert _counted(result) == [("shopify", "customer", "42")]
    assert _tried(result, "shopify") == ("no match", ("42",), None)

    s = _workspace()
    _customer_and_company(s)
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id=" gid://shopify/Customer/42 ",
        external_id_kind="company")
    assert _counted(run_card(s)) == [("shopify", "company", "42")]


def test_a_company_holding_a_bare_id_no_customer_holds_is_present(run_card) -> None:  # type: ignore[no-untyped-def]
    """One platform with companies: a bare id only the company holds is the company's (no option needed), and
    the company's buyer's own customer id (42-U) is a key of the company too."""
    s = _workspace()
    company(s, "42", platform="shopify", country="US", currency="USD")
    company(s, "77", platform="shopify", country="US", currency="USD")
    shopper(s, "9")
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="42")
    erp(s, "US-2", system="d365_fo", entity="USTI", external_id="77-U")
    result = run_card(s)
    assert _counted(result) == [("shopify", "customer", "9")]


def test_a_customer_not_counted_still_makes_a_bare_id_ambiguous(run_card) -> None:  # type: ignore[no-untyped-def]
    """Shopify customer 42 has no order in the window (not counted, not keyed for the card), yet the ERP's 42 may
    well be its record: BigCommerce customer 42, which orders, is not made present by it."""
    s = _workspace()
    shopper(s, "42", orders=("2025-01-10T10:00:00Z",))
    shopper(s, "42", platform="bigcommerce")
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="42")
    result = run_card(s)
    assert _counted(result) == [("bigcommerce", "customer", "42")]


def _company_with_locations(s: Scenario) -> None:
    """Shopify company 42 with locations 4201 and 4202 (a B2B connector syncs each location to an ERP customer), and
    Shopify company 77 with location 7701; both order in the US."""
    company(s, "42", platform="shopify", country="US", currency="USD")
    company(s, "77", platform="shopify", country="US", currency="USD")
    for cid, lid in (("42", "4201"), ("42", "4202"), ("77", "7701")):
        s.add("company_locations", platform="shopify", company_id=cid, location_id=lid, name=f"{lid} site",
              country="US")


def test_a_company_location_gid_names_the_locations_company(run_card) -> None:  # type: ignore[no-untyped-def]
    """gid://shopify/CompanyLocation/4202 in the ERP is company 42's (a location's key is its company's, as its VAT
    number and external id are); before, it matched no account and company 42 was counted though synced."""
    s = _workspace()
    _company_with_locations(s)
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="gid://shopify/CompanyLocation/4202")
    result = run_card(s)
    assert _counted(result) == [("shopify", "company", "77")]
    assert result.scope["present in master (matched on external_id)"] == 1
    assert _tried(result, "shopify") == ("no match", ("77", "77-U", "7701"), None)


def test_a_bare_location_id_is_the_companys_when_the_kind_says_location_or_nothing_else_holds_it(run_card) -> None:  # type: ignore[no-untyped-def]
    """A bare 7701 only a location holds names that location (its company is present); 42 names the company 42
    and no location, so it is company 42's. With external_id_kind = location, 42 names no location: company 42
    is counted."""
    s = _workspace()
    _company_with_locations(s)
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="7701")
    erp(s, "US-2", system="d365_fo", entity="USTI", external_id="42")
    assert _counted(run_card(s)) == []

    s = _workspace()
    _company_with_locations(s)
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="7701", external_id_kind="location")
    erp(s, "US-2", system="d365_fo", entity="USTI", external_id="42", external_id_kind="location")
    assert _counted(run_card(s)) == [("shopify", "company", "42")]


def test_a_bare_id_a_location_and_a_customer_both_hold_makes_neither_present(run_card) -> None:  # type: ignore[no-untyped-def]
    """Customer 4201 (DTC) and company 42's location 4201: a bare 4201 names both, so neither is present, and the
    reason says which option to set."""
    s = _workspace()
    _company_with_locations(s)
    shopper(s, "4201")
    erp(s, "US-1", system="d365_fo", entity="USTI", external_id="4201")
    erp(s, "US-2", system="d365_fo", entity="USTI", external_id="gid://shopify/Company/77")
    result = run_card(s)
    assert _counted(result) == [("shopify", "company", "42"), ("shopify", "customer", "4201")]
    why = ("USTI/US-1 (holds external id 4201, which names shopify customer 4201, shopify location 4201: used for "
           "none of them; set external_id_kind on the source reading erp_customers.csv)")
    assert {c.keys_tried[0].erp_records for c in result.customers} == {why}
