"""An order valued at an old FX rate is said on the dashboard's card page, as in the terminal and the JSON: the demo's
CAD rate (1 April) is 11 days older than its latest CAD order (12 April): within the default 35 days, beyond 10."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from bridgewatch.cli import app as cli
from bridgewatch.demo import scenarios
from bridgewatch.demo.vendor_files import write_vendor_workspace
from bridgewatch.web.app import create_app
from bridgewatch.web.settings import WebSettings, served_workspaces

from .conftest import D365, D365_CARD, FAST_HASHER
from .pagetext import text as page_text

WORDS = ("1 order(s) of 1 customer(s) placed 2026-04-12 are converted from CAD into USD at the rate dated 2026-04-01, "
         "11 days before the latest of them (more than fx_max_age_days = 10): the blocked value in USD uses that rate "
         "(add newer CAD rates to fx_rates, or raise fx_max_age_days)")


def _stored_card_page(root: Path, max_age_days: int | None) -> tuple[list[object], str]:
    folder = write_vendor_workspace(scenarios()[D365], root)
    if max_age_days is not None:
        toml = folder / "workspace.toml"
        toml.write_text(re.sub(r"^\[workspace\]\n", f"[workspace]\nfx_max_age_days = {max_age_days}\n",
                               toml.read_text(), count=1, flags=re.M))
    run = CliRunner().invoke(cli, ["run", "-w", str(folder), "--format", "json"])
    assert run.exit_code == 0, run.output
    [card] = json.loads(run.stdout)
    settings = WebSettings(tuple(served_workspaces([folder], environ={})), f"sqlite:///{root / 'users.sqlite'}",
                           allow_anonymous=True)
    with TestClient(create_app(settings, hasher=FAST_HASHER, warm=False), client=("127.0.0.1", 50000),
                    base_url="http://127.0.0.1:8000") as client:
        response = client.get(f"/w/{D365}/cards/{D365_CARD}")
    assert response.status_code == 200, response.text
    return card["fx_warnings"], page_text(response.text)


def test_an_old_rate_is_said_on_the_card_page(tmp_path: Path) -> None:
    warnings, page = _stored_card_page(tmp_path / "ws", 10)
    assert [(w["currency"], w["rate_date"], w["age_days"]) for w in warnings] == [("CAD", "2026-04-01", 11)]
    assert "Old FX rate: the blocked value converts some orders at an old rate." in page
    assert WORDS in page


def test_a_monthly_rate_within_the_default_age_warns_of_nothing(tmp_path: Path) -> None:
    warnings, page = _stored_card_page(tmp_path / "ws", None)
    assert warnings == []
    assert "Old FX rate" not in page
