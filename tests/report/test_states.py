"""A result's alert state, freshness and an explanation's verdict are closed sets: anything else is refused."""

from __future__ import annotations

import pytest

from bridgewatch.report.explanation import VERDICTS, Explanation
from bridgewatch.report.result import ALERT_STATES, FRESHNESS_STATES, Alert, Freshness
from bridgewatch.web.formats import ALERT_SHORT, FRESHNESS_WORDS


def test_each_alert_state_is_accepted_and_a_misspelt_one_refused() -> None:
    assert [Alert(10, False, "customer_master_gap", s).state for s in ALERT_STATES] == ["firing", "quiet", "unknown"]
    with pytest.raises(ValueError, match="^alert state 'fired' is not one of firing, quiet, unknown$"):
        Alert(10, True, "customer_master_gap", "fired")


def test_each_freshness_is_accepted_and_a_misspelt_one_refused() -> None:
    assert [Freshness(s, None, None, None, 48).status for s in FRESHNESS_STATES] == ["fresh", "stale", "no_data"]
    with pytest.raises(ValueError, match="^freshness 'no data' is not one of fresh, stale, no_data$"):
        Freshness("no data", None, None, None, 48)


def test_each_verdict_is_accepted_and_another_refused() -> None:
    def explained(verdict: str) -> Explanation:
        return Explanation("c", "w", "shopify", "customer", "C1", None, verdict, "because")

    assert [explained(v).verdict for v in VERDICTS] == list(VERDICTS)
    with pytest.raises(ValueError, match="^verdict 'absent' is not one of counted, present, out of scope, not "
                                         "counted in this run, not kept by this run$"):
        explained("absent")


def test_the_dashboard_has_a_word_for_every_state() -> None:
    assert set(ALERT_STATES) <= set(ALERT_SHORT)
    assert set(FRESHNESS_WORDS) == set(FRESHNESS_STATES)
