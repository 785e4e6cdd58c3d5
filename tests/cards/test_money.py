"""Money in a currency's own minor units: zero-decimal (JPY) and three-decimal (KWD) currencies, as order
currency and as reporting currency, in the card's values and in every form they leave it (JSON, CSV)."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console

from bridgewatch.errors import ConfigError, InputError
from bridgewatch.report.table import render_card
from bridgewatch.results import compute
from bridgewatch.workspace import load_workspace

from .builders import company, d365, erp, sage, shopper


def test_a_zero_decimal_reporting_currency_rounds_each_order_to_the_yen(run_card) -> None:  # type: ignore[no-untyped-def]
    # Reporting in JPY: 10.00 USD at 149.75 is 1,497.50 yen, which is 1,498 yen (there is no half yen). Each
    # customer's row and the headline are whole yen, so the rows a user adds up by hand make the headline.
    s = d365(reporting_currency="JPY")
    shopper(s, "A", total="10.00")
    shopper(s, "B", total="10.00")
    shopper(s, "C", total="1.01")  # 151.2475 yen → 151
    s.add("fx_rates", currency="USD", rate_date="2026-04-01", rate="149.75")
    result = run_card(s)
    got = {c.customer_id: c.blocked_value_reporting for c in result.customers}
    assert got == {"A": Decimal("1498"), "B": Decimal("1498"), "C": Decimal("151")}
    assert result.blocked_value_reporting == Decimal("3147") == sum(got.values())
    assert [b.blocked_value_reporting for b in result.by_cause if b.customers] == [Decimal("3147")]


def test_a_three_decimal_currency_keeps_its_third_decimal(run_card) -> None:  # type: ignore[no-untyped-def]
    # Reporting in KWD (three decimals, fils): a KWD order of 12.345 is worth 12.345, not 12.35; 100.00 USD at
    # 0.30716 is 30.716 KWD; the headline and its drills 43.061, not 43.06.
    s = d365(reporting_currency="KWD")
    shopper(s, "KW", country="KW", currency="KWD", total="12.345")
    shopper(s, "US", total="100.00")
    s.add("fx_rates", currency="USD", rate_date="2026-04-01", rate="0.30716")
    result = run_card(s)
    got = {c.customer_id: (c.blocked_value, c.currency, c.blocked_value_reporting) for c in result.customers}
    assert got == {"KW": (Decimal("12.345"), "KWD", Decimal("12.345")),
                   "US": (Decimal("100.00"), "USD", Decimal("30.716"))}
    assert result.blocked_value_reporting == Decimal("43.061")
    summary = result.summary.to_dict()
    assert summary["blocked_value_reporting"] == "43.061"
    assert {b["segment"]: b["blocked_value_reporting"] for b in summary["by_segment"]} == {"b2b": "0.000",
                                                                                          "dtc": "43.061"}
    rows = {r["customer_id"]: (r["blocked_value"], r["blocked_value_reporting"]) for r in result.rows}
    assert rows == {"KW": ("12.345", "12.345"), "US": ("100.00", "30.716")}
    assert [b["blocked_value_reporting"] for b in summary["by_cause"] if b["customers"]] == ["43.061"]
    console = Console(record=True, width=200)
    render_card(result.summary, list(result.rows), console)
    assert "KWD43.061" in console.export_text()


def test_csv_values_carry_their_currencys_decimals(tmp_path: Path) -> None:
    # An order-currency value in KWD keeps three decimals in the CSV, a JPY one none needed; reporting in USD.
    s = d365()
    shopper(s, "KW", country="KW", currency="KWD", total="12.345")
    shopper(s, "JP", country="JP", currency="JPY", total="15000")
    s.add("fx_rates", currency="KWD", rate_date="2026-04-01", rate="3.2555")
    s.add("fx_rates", currency="JPY", rate_date="2026-04-01", rate="0.0066778")
    with compute([load_workspace(s.write(tmp_path / "ws"))]) as run:
        run.results[0].worklist.to_csv(tmp_path / "w.csv")
    rows = {r["customer_id"]: (r["blocked_value"], r["currency"], r["blocked_value_reporting"])
            for r in csv.DictReader((tmp_path / "w.csv").open(encoding="utf-8"))}
    # 12.345 × 3.2555 = 40.1891475 → 40.19; 15000 × 0.0066778 = 100.167 → 100.17
    assert rows == {"KW": ("12.345", "KWD", "40.19"), "JP": ("15000.00", "JPY", "100.17")}


def test_a_small_rate_keeps_its_significant_digits(run_card) -> None:  # type: ignore[no-untyped-def]
    # IDR into USD is about 0.00006: a rate held to eight decimals kept four significant digits, so
    # 100,000,000 IDR at 0.0000612345 was valued 6,123.00 instead of 6,123.45.
    s = d365()
    shopper(s, "ID", country="ID", currency="IDR", total="100000000")
    s.add("fx_rates", currency="IDR", rate_date="2026-04-01", rate="0.0000612345")
    result = run_card(s)
    assert [(c.customer_id, c.blocked_value_reporting) for c in result.customers] == [("ID", Decimal("6123.45"))]


def test_a_zero_or_negative_rate_is_refused_not_used(tmp_path: Path) -> None:
    # A rate of 0 valued the order at nothing (and a negative one made it negative): loading the workspace now
    # refuses the rows, naming them. (Loaded here, not through run_card: the engine parity run loads every card
    # test's scenario and needs them loadable.)
    s = d365()
    shopper(s, "EU", country="DE", currency="EUR", total="100.00")
    shopper(s, "GB", country="GB", currency="GBP", total="100.00")
    s.add("fx_rates", currency="EUR", rate_date="2026-04-01", rate="0")
    s.add("fx_rates", currency="GBP", rate_date="2026-04-01", rate="-1.25")
    with pytest.raises(InputError) as err:
        load_workspace(s.write(tmp_path / "ws"))
    message = str(err.value)
    assert "fx_rates.csv, row 1, field 'rate'" in message and "fx_rates.csv, row 2, field 'rate'" in message
    assert "a rate must be greater than 0" in message


def test_an_amount_is_rounded_the_same_way_in_order_and_reporting_currency(run_card, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A USD order of 10.005 in a USD workspace: its reporting value was rounded half away from zero (10.01) but the
    # same amount in order currency half to even (10.00) in JSON, CSV and the terminal, so one order showed two
    # values. Every amount now rounds half away from zero, as the card SQL does on both engines.
    s = d365()
    shopper(s, "H", total="10.005")
    shopper(s, "E", total="10.015")
    result = run_card(s)
    rows = {r["customer_id"]: (r["blocked_value"], r["blocked_value_reporting"]) for r in result.rows}
    assert rows == {"H": ("10.01", "10.01"), "E": ("10.02", "10.02")}
    console = Console(record=True, width=250)
    render_card(result.summary, list(result.rows), console)
    shown = console.export_text()
    assert shown.count("US$10.01") == 2 and "US$10.00" not in shown  # H: its value in both currencies
    with compute([load_workspace(s.write(tmp_path / "ws"))]) as run:
        run.results[0].worklist.to_csv(tmp_path / "w.csv")
    written = {r["customer_id"]: (r["blocked_value"], r["blocked_value_reporting"])
               for r in csv.DictReader((tmp_path / "w.csv").open(encoding="utf-8"))}
    assert written == rows


def test_an_order_converts_at_the_rate_of_its_date_in_the_workspaces_time_zone(run_card) -> None:  # type: ignore[no-untyped-def]
    # A New York business: an order placed at 23:30 on 11 April (03:30 UTC on the 12th) is the 11th's order, booked
    # at the 11th's rate (0.7234: 723.40 USD), not the 12th's (0.7301: 730.10), as the order's UTC date had it. One
    # placed at 00:30 on the 12th (04:30 UTC) takes the 12th's rate. The first order of the window (02:00 UTC on
    # 6 April, the window's first UTC day) is still the 5th in New York: the 5th's rate values it.
    s = d365(timezone="America/New_York")
    shopper(s, "LATE", country="CA", currency="CAD", total="1000.00", orders=("2026-04-12T03:30:00Z",))
    shopper(s, "NEXT", country="CA", currency="CAD", total="1000.00", orders=("2026-04-12T04:30:00Z",))
    shopper(s, "FIRST", country="CA", currency="CAD", total="1000.00", orders=("2026-04-06T02:00:00Z",))
    s.add("fx_rates", currency="CAD", rate_date="2026-04-05", rate="0.7100")
    s.add("fx_rates", currency="CAD", rate_date="2026-04-06", rate="0.7200")
    s.add("fx_rates", currency="CAD", rate_date="2026-04-11", rate="0.7234")
    s.add("fx_rates", currency="CAD", rate_date="2026-04-12", rate="0.7301")
    got = {c.customer_id: c.blocked_value_reporting for c in run_card(s).customers}
    assert got == {"LATE": Decimal("723.40"), "NEXT": Decimal("730.10"), "FIRST": Decimal("710.00")}


def test_a_time_zone_east_of_utc_books_an_evening_utc_order_on_the_next_day(run_card) -> None:  # type: ignore[no-untyped-def]
    # Tokyo (UTC+9): 16:00 UTC on 11 April is 01:00 on the 12th there, so the 12th's rate.
    s = d365(timezone="Asia/Tokyo")
    shopper(s, "TOKYO", country="CA", currency="CAD", total="1000.00", orders=("2026-04-11T16:00:00Z",))
    s.add("fx_rates", currency="CAD", rate_date="2026-04-11", rate="0.7234")
    s.add("fx_rates", currency="CAD", rate_date="2026-04-12", rate="0.7301")
    assert [(c.customer_id, c.blocked_value_reporting) for c in run_card(s).customers] == [
        ("TOKYO", Decimal("730.10"))]


def test_a_missing_rate_names_the_order_date_in_the_workspaces_time_zone(run_card) -> None:  # type: ignore[no-untyped-def]
    # 23:30 on 11 April in New York: the only rate (the 12th's) is later than the order's date, so there is none.
    s = d365(timezone="America/New_York")
    shopper(s, "LATE", country="CA", currency="CAD", total="1000.00", orders=("2026-04-12T03:30:00Z",))
    s.add("fx_rates", currency="CAD", rate_date="2026-04-12", rate="0.7301")
    with pytest.raises(InputError) as err:
        run_card(s)
    assert "no FX rate from CAD into USD dated on or before 2026-04-11" in str(err.value)


def test_an_old_rate_still_values_the_order_and_the_card_says_so(run_card) -> None:  # type: ignore[no-untyped-def]
    # The newest CAD rate on or before 10 April is the 1 March one (40 days old, more than fx_max_age_days = 35):
    # the orders are still valued at it (723.40), and the summary, its JSON and the terminal name the pair and
    # the rate's date. EUR's rate (9 April) is fresh; the USD order needs none.
    s = d365()
    shopper(s, "CA1", country="CA", currency="CAD", total="1000.00", orders=("2026-04-10T10:00:00Z",))
    shopper(s, "CA2", country="CA", currency="CAD", total="10.00", orders=("2026-04-09T10:00:00Z",))
    shopper(s, "EU1", country="DE", currency="EUR", total="10.00")
    shopper(s, "US1", total="10.00")
    s.add("fx_rates", currency="CAD", rate_date="2026-03-01", rate="0.7234")
    s.add("fx_rates", currency="EUR", rate_date="2026-04-09", rate="1.0800")
    result = run_card(s)
    assert result.customer("CA1").blocked_value_reporting == Decimal("723.40")
    expected = {"currency": "CAD", "reporting_currency": "USD", "rate_date": "2026-03-01", "orders": 2,
                "customers": 2, "first_order_date": "2026-04-09", "last_order_date": "2026-04-10", "age_days": 40,
                "max_age_days": 35}
    assert [w for w in result.summary.to_dict()["fx_warnings"]] == [expected]
    console = Console(record=True, width=250)
    render_card(result.summary, list(result.rows), console)
    shown = " ".join(console.export_text().replace("│", " ").split())
    assert ("OLD FX RATE: 2 order(s) of 2 customer(s) placed 2026-04-09 to 2026-04-10 are converted from CAD into "
            "USD at the rate dated 2026-03-01, 40 days before the latest of them (more than fx_max_age_days = 35)"
            ) in shown


def test_an_old_rate_counts_only_the_orders_it_values(run_card) -> None:  # type: ignore[no-untyped-def]
    # A company held in UK01 orders in EUR for GB (posts to UK01, which holds it: counted, not blocked) and for IE
    # (IE01 lacks it: blocked). The only EUR rate is 20 February's, old for both orders; the warning names the one
    # order the blocked value converts (10 April, 49 days), not the settled 9 April one the value leaves out.
    s = sage()
    s.config["legal_entities"].append({"id": "IE01", "name": "IE Trade", "currency": "EUR", "countries": ["IE"]})
    s.add("fx_rates", currency="EUR", rate_date="2026-02-20", rate="0.86")
    company(s, "DUAL", vat="GB123456782", currency="EUR", total="100.00", orders=("2026-04-09T10:00:00Z",))
    s.add("orders", platform="bigcommerce", order_id="DUAL-IE", customer_id="DUAL-U", company_id="DUAL",
          created_at="2026-04-10T10:00:00Z", currency="EUR", total="200.00", ship_to_country="IE")
    erp(s, "UK-DUAL", entity="UK01", vat_number="GB123456782")
    result = run_card(s)
    assert (result.count, result.blocked_value_reporting) == (1, Decimal("172.00"))
    assert result.summary.to_dict()["fx_warnings"] == [
        {"currency": "EUR", "reporting_currency": "GBP", "rate_date": "2026-02-20", "orders": 1, "customers": 1,
         "first_order_date": "2026-04-10", "last_order_date": "2026-04-10", "age_days": 49, "max_age_days": 35}]


def test_a_rate_within_the_age_limit_warns_of_nothing(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365(fx_max_age_days=40)
    shopper(s, "CA1", country="CA", currency="CAD", total="1000.00", orders=("2026-04-10T10:00:00Z",))
    s.add("fx_rates", currency="CAD", rate_date="2026-03-01", rate="0.7234")
    assert run_card(s).summary.to_dict()["fx_warnings"] == []


@pytest.mark.parametrize(("days", "problem"), [
    (0, "workspace.fx_max_age_days: Input should be greater than or equal to 1 (got 0)"),
    (367, "workspace.fx_max_age_days: Input should be less than or equal to 366 (got 367)")])
def test_an_fx_age_limit_out_of_range_is_a_configuration_problem(tmp_path: Path, days: int, problem: str) -> None:
    s = d365(fx_max_age_days=days)
    shopper(s, "US1")
    with pytest.raises(ConfigError) as err:
        load_workspace(s.write(tmp_path / "ws"))
    assert problem in str(err.value)
