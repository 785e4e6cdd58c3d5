"""The Sage card's rules, one hand-built scenario each: scope, window, causes, VAT, alert, grouping."""

from __future__ import annotations

from decimal import Decimal

from .builders import SAGE_AS_OF, causes, company, event, ids, sage, shopper

LAST_RUN = "2026-04-14T06:00:00Z"


def test_population_is_b2b_with_an_active_order(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "LIVE")
    company(s, "CANCELLED", cancelled=True)
    company(s, "QUOTE", quote=True)
    company(s, "REFUNDED", inactive=True)
    company(s, "DORMANT", orders=("2026-03-01T10:00:00Z",))
    shopper(s, "DTC1", country="GB", currency="GBP")
    result = run_card(s)
    assert ids(result) == ["LIVE"]
    assert result.scope == {
        "counted: absent from master": 1,
        "DTC customer (this card counts B2B-flagged customers only)": 1,
        "no active order in the window (cancelled, not live or guest)": 2,
        "quote-only in the window": 1,
        "no order in the window": 1,
    }
    assert result.orders == {"active in window": 2, "cancelled": 1, "quote, not an order": 1,
                             "not a live sale (refunded, declined, incomplete or test)": 1,
                             "placed before the window": 1}


def test_window_is_half_open_at_the_as_of_time(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "AT_START", orders=("2026-04-07T18:00:00Z",))
    company(s, "BEFORE_START", orders=("2026-04-07T17:59:59Z",))
    company(s, "AT_AS_OF", orders=(SAGE_AS_OF,))
    company(s, "JUST_BEFORE_AS_OF", orders=("2026-04-14T17:59:59Z",))
    assert sorted(ids(run_card(s))) == ["AT_START", "JUST_BEFORE_AS_OF"]


def test_wider_window_brings_in_older_orders(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage(window_days=30)
    company(s, "OLD", orders=("2026-03-20T10:00:00Z",))
    assert ids(run_card(s)) == ["OLD"]


def test_b2b_flag_on_a_customer_without_company_counts(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    shopper(s, "TRADE1", country="GB", currency="GBP")
    s.rows["commerce_customers"][-1]["is_b2b"] = True
    result = run_card(s)
    assert ids(result) == ["TRADE1"]
    assert result.customers[0].company_id is None


def test_two_contacts_of_one_company_are_one_customer(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "ACME", orders=("2026-04-09T10:00:00Z",))
    s.add("commerce_customers", platform="bigcommerce", customer_id="ACME-U2", email="second@acme.test",
          is_b2b=True, company_id="ACME")
    s.add("orders", platform="bigcommerce", order_id="ACME-X", customer_id="ACME-U2", created_at="2026-04-11T10:00:00Z",
          currency="GBP", total="40.00")
    result = run_card(s)
    assert result.count == 1
    row = result.customers[0]
    assert (row.company_id, row.customer_id, row.active_orders, row.blocked_value) == ("ACME", "ACME-U2", 2,
                                                                                      Decimal("140.00"))


def test_sync_causes_from_the_log(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    event(s, "OTHER", "succeeded", LAST_RUN)  # the last successful sync run
    company(s, "NEVER", created="2026-04-01T10:00:00Z")
    company(s, "FAILED", created="2026-04-01T10:00:00Z")
    event(s, "FAILED", "failed", "2026-04-10T06:00:00Z", "Required field NAME is missing")
    company(s, "LAG_NEW", created="2026-04-14T09:00:00Z", orders=("2026-04-14T10:00:00Z",))
    company(s, "LAG_PENDING", created="2026-04-01T10:00:00Z")
    event(s, "LAG_PENDING", "pending", "2026-04-14T07:00:00Z")
    company(s, "RETRIED_PENDING", created="2026-04-01T10:00:00Z")
    event(s, "RETRIED_PENDING", "failed", "2026-04-12T06:00:00Z", "timeout")
    event(s, "RETRIED_PENDING", "pending", "2026-04-13T06:00:00Z")
    company(s, "MERGED", created="2026-04-01T10:00:00Z")
    s.rows["companies"][-1]["merged_into"] = "NEVER"
    event(s, "MERGED", "failed", "2026-04-10T06:00:00Z", "duplicate")
    company(s, "SKIPPED", created="2026-04-01T10:00:00Z")
    event(s, "SKIPPED", "skipped", "2026-04-10T06:00:00Z", "not approved")
    company(s, "SUCCESS_GONE", created="2026-04-01T10:00:00Z")
    event(s, "SUCCESS_GONE", "succeeded", "2026-04-02T06:00:00Z")
    result = run_card(s)
    by_id = {c.company_id: (c.cause, c.rejection_reason) for c in result.customers}
    assert by_id == {
        "NEVER": ("never_synced", None),
        "FAILED": ("create_failed", "Required field NAME is missing"),
        "LAG_NEW": ("lagging", None),
        "LAG_PENDING": ("lagging", None),
        "RETRIED_PENDING": ("lagging", None),
        "MERGED": ("merged_retired", None),
        "SKIPPED": ("never_synced", None),
        "SUCCESS_GONE": ("synced_not_found", None),
    }


def test_update_events_are_not_create_attempts(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "A", created="2026-04-01T10:00:00Z")
    event(s, "A", "failed", "2026-04-10T06:00:00Z", "update conflict", operation="update")
    assert causes(run_card(s)) == {"never_synced": (1, 1)}


def test_events_reach_the_company_through_its_contacts(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "A", created="2026-04-01T10:00:00Z")
    event(s, "A-U", "failed", "2026-04-10T06:00:00Z", "bad tax group", platform="bigcommerce")
    event(s, "A", "failed", "2026-04-10T06:00:00Z", "ignored: other platform", platform="shopify")
    assert run_card(s).customers[0].rejection_reason == "bad tax group"


def test_failures_sharing_a_reason_are_grouped(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    for cid in ("F1", "F2", "F3"):
        company(s, cid, orders=("2026-04-09T10:00:00Z", "2026-04-10T10:00:00Z"))
        event(s, cid, "failed", "2026-04-10T06:00:00Z", "  Missing VAT number " if cid != "F3" else "Bad terms")
    groups = [(b.key, b.customers, b.active_orders) for b in run_card(s).by_rejection_reason]
    assert groups == [("Missing VAT number", 2, 4), ("Bad terms", 1, 2)]


def test_vat_treatment_at_stake(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "UK", country="GB")
    company(s, "NI", country="XI", ship_to="XI")
    company(s, "IE", country="IE", vat="IE6388047V", currency="EUR")
    company(s, "US", country="US", currency="GBP")
    s.add("fx_rates", currency="EUR", rate_date="2026-04-01", rate="0.86")
    got = {c.company_id: c.vat_treatment for c in run_card(s).customers}
    assert got == {"UK": "standard", "NI": "standard", "IE": "zero_rated", "US": "zero_rated"}


def test_vat_treatment_for_services(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage(vat_supply="services")
    company(s, "DE_VAT", country="DE", vat="DE123456789")
    company(s, "DE_NOVAT", country="DE")
    got = {c.company_id: c.vat_treatment for c in run_card(s).customers}
    assert got == {"DE_VAT": "reverse_charge", "DE_NOVAT": "standard"}


def test_alert_fires_only_above_the_threshold(run_card, run_cards) -> None:  # type: ignore[no-untyped-def]
    s = sage(alert_threshold=2)
    company(s, "A")
    company(s, "B")
    result = run_card(s)
    assert (result.count, result.alert.fired, result.alert.threshold, result.alert.sentiment) == (
        2, False, 2, "customer_master_gap")
    company(s, "C")
    s.config["workspace"]["id"] = "sage-test-3"
    assert run_cards(s)[0].alert.fired is True


def test_card_threshold_overrides_workspace_threshold(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage(alert_threshold=10)
    s.config["card"] = {"sage_customer_master_gap": {"alert_threshold": 0}}
    company(s, "A")
    assert run_card(s).alert.fired is True


def test_blocked_value_uses_rate_on_or_before_order_date(run_card) -> None:  # type: ignore[no-untyped-def]
    s = sage()
    company(s, "EU", country="IE", currency="EUR", total="1000.00",
            orders=("2026-04-08T10:00:00Z", "2026-04-10T10:00:00Z"))
    s.add("fx_rates", currency="EUR", rate_date="2026-04-01", rate="0.85")
    s.add("fx_rates", currency="EUR", rate_date="2026-04-10", rate="0.87")
    s.add("fx_rates", currency="EUR", rate_date="2026-04-11", rate="0.99")
    row = run_card(s).customers[0]
    assert (row.blocked_value, row.currency, row.blocked_value_reporting) == (
        Decimal("2000.00"), "EUR", Decimal("1720.00"))


def test_the_drill_by_cause_says_the_vat_consequence_on_the_next_batch(run_card) -> None:  # type: ignore[no-untyped-def]
    """The seed's drill groups by sync cause with Count, Active orders attached and "VAT consequence on next
    batch": all three in the JSON ``by_cause`` and the terminal's table."""
    import io

    from rich.console import Console

    from bridgewatch.report.table import render_card

    s = sage()
    company(s, "NEVER", orders=("2026-04-10T10:00:00Z", "2026-04-11T10:00:00Z"), total="120.50")
    company(s, "FAILED")
    event(s, "FAILED", "failed", "2026-04-12T10:00:00Z", "Required field 'VATID' is missing.")
    result = run_card(s)
    got = {b["cause"]: (b["customers"], b["active_orders"], b["blocked_value_reporting"], b["consequence"])
           for b in result.to_dict()["by_cause"] if b["customers"]}
    assert got == {
        "create_failed": (1, 1, "100.00", "Record creation rejected: orders stranded, and it will fail again until "
                                          "the reason is fixed."),
        "never_synced": (1, 2, "241.00", "No customer record: the next invoice cannot be given a VAT treatment or "
                                         "post."),
    }
    out = io.StringIO()
    render_card(result.summary, result.rows[:25], Console(file=out, width=250, color_system=None))
    text = out.getvalue()
    assert "Consequence on the next invoice batch" in text
    assert "Never synced (no create attempt)            │         1 │             2 │       £241.00 │ No customer " \
           "record: the next invoice cannot be given a VAT treatment or post." in text
