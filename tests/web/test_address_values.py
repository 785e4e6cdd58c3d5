"""Values typed into the address that no page can show: refused with a 400 that says what is allowed, never an
internal error and never an empty page that reads like an all-clear."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from .conftest import D365, D365_CARD, signed_in

D365_URL = f"/w/{D365}/cards/{D365_CARD}"


@pytest.fixture(scope="module")
def finance(web: FastAPI) -> TestClient:
    return signed_in(web, "finance@example.com")


@pytest.mark.parametrize("url", [D365_URL, f"{D365_URL}/worklist", f"{D365_URL}/worklist.csv",
                                 f"{D365_URL}/worklist.xlsx"])
def test_an_unknown_cause_is_refused_not_shown_as_no_customers(finance: TestClient, url: str) -> None:
    """`?cause=nevr_synced` (a typo in a bookmarked link) showed every drill at 0 customers and £0 blocked, and
    downloaded an empty worklist: it reads as an all-clear for that cause. The card's causes are a closed set."""
    response = finance.get(url, params={"cause": "nevr_synced"})
    assert response.status_code == 400
    assert ("Unknown cause &#39;nevr_synced&#39; on this card; causes: merged_retired, dataverse_not_promoted, "
            "create_failed, synced_not_found, lagging, never_synced.") in response.text
    assert finance.get(url, params={"cause": "never_synced"}).status_code == 200


def test_a_history_page_number_too_large_for_the_database_is_a_bad_request(finance: TestClient) -> None:
    """`?before=` larger than a 64-bit integer reached SQLite and came back as an internal error (500)."""
    response = finance.get(f"{D365_URL}/history", params={"before": "99999999999999999999"})
    assert response.status_code == 400
    assert "A value in the address is not valid here" in response.text
    assert finance.get(f"{D365_URL}/history", params={"before": str(2**63 - 1)}).status_code == 200


def test_an_unknown_page_size_is_named_as_such(finance: TestClient) -> None:
    """`?size=1000` answered 404 "Unknown sort 'rank' or page size 1000", blaming a sort that was fine."""
    response = finance.get(f"{D365_URL}/worklist", params={"size": "1000"})
    assert response.status_code == 400
    assert "Unknown page size 1000; sizes: 25, 50, 100, 200." in response.text
    assert "Unknown sort" not in response.text
