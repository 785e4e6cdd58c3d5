"""A storefront whose export is older than the others makes the result stale, never a low count read as fresh.

Hand scenario (D365, as of 13 April 2026 00:00 UTC, platform_max_age_hours 48: the check is off by default, since a
storefront merely quiet for a few days would make every result stale): Shopify shopper S1 ordered on 12 April
20:00 (4 hours before the as-of), BigCommerce company B1 on 8 April 09:00 (111 hours before). The BigCommerce
export was taken on 8 April: every BigCommerce customer who ordered since is missing from the count. Before, the
workspace's newest order (Shopify's, 4 hours old) made the result fresh, and its count (2) an alert read as
current; a count at or below the threshold was an all-clear.
"""

from __future__ import annotations

from .builders import company, d365, ids, shopper


def test_a_platform_whose_newest_order_is_too_old_makes_the_result_stale(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365(alert_threshold=5, platform_max_age_hours=48)
    shopper(s, "S1", orders=("2026-04-12T20:00:00Z",))
    company(s, "B1", country="US", currency="USD", orders=("2026-04-08T09:00:00Z",))
    result = run_card(s)
    assert sorted(ids(result)) == ["B1", "S1"]
    assert (result.freshness.status, result.alert.state) == ("stale", "unknown")
    assert result.freshness.reasons == (
        "the newest bigcommerce order (2026-04-08T09:00:00Z) is 111 hours before the as-of time "
        "(2026-04-13T00:00:00Z), more than platform_max_age_hours = 48, while other platforms have newer orders: its "
        "export looks out of date and its recent customers would be missing (refresh it; remove it if that store no "
        "longer trades, or raise platform_max_age_hours if it is this quiet)",)


def test_every_platform_recent_is_fresh_and_the_boundary_is_exactly_max_age(run_card) -> None:  # type: ignore[no-untyped-def]
    s = d365(alert_threshold=5, platform_max_age_hours=48)
    shopper(s, "S1", orders=("2026-04-12T20:00:00Z",))
    company(s, "B1", country="US", currency="USD", orders=("2026-04-11T00:00:00Z",))  # exactly 48 hours before
    result = run_card(s)
    assert (result.freshness.status, result.alert.state, result.freshness.reasons) == ("fresh", "quiet", ())


def test_a_platform_with_orders_only_after_the_as_of_is_not_called_stale(run_card) -> None:  # type: ignore[no-untyped-def]
    """A storefront opened after a backfill's as-of has nothing to say about it: no reason, the result is fresh."""
    s = d365(alert_threshold=5, platform_max_age_hours=48)
    shopper(s, "S1", orders=("2026-04-12T20:00:00Z",))
    company(s, "B1", country="US", currency="USD", orders=("2026-04-14T09:00:00Z",))
    result = run_card(s)
    assert ids(result) == ["S1"]
    assert (result.freshness.status, result.freshness.reasons) == ("fresh", ())


def test_a_quiet_storefront_is_not_a_stale_result_unless_asked(run_card) -> None:  # type: ignore[no-untyped-def]
    """Without platform_max_age_hours, a second storefront whose last order was 111 hours ago is a quiet one: the
    result is fresh and counts both (the workspace's newest order is 4 hours old)."""
    s = d365(alert_threshold=5)
    shopper(s, "S1", orders=("2026-04-12T20:00:00Z",))
    company(s, "B1", country="US", currency="USD", orders=("2026-04-08T09:00:00Z",))
    result = run_card(s)
    assert sorted(ids(result)) == ["B1", "S1"]
    assert (result.freshness.status, result.alert.state, result.freshness.reasons) == ("fresh", "quiet", ())
