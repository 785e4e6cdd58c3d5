"""An as-of later than now is refused (`--as-of`, `compute(as_of=...)`, `workspace.as_of`), never computed and stored.

Hand scenario, relative to the real clock (now, UTC): company A01 (absent from Intacct) ordered 6 days 20 hours
ago, company A02 (absent) 2 hours ago; one present company ordered 2 hours ago. As of now both absent companies
are counted (2). Asked as of a day from now, the window [now - 6 days, now + 1 day) loses A01's order, the newest
order (26 hours before that as-of) still reads fresh, and the run was stored as a fresh count of 1: one customer
dropped by a window that ends in time no export describes. Now it is refused with exit 2 and nothing is stored.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import app as cli
from bridgewatch.errors import ConfigError
from bridgewatch.results.run import compute
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, erp, sage

runner = CliRunner()


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _workspace(root: Path, now: datetime, as_of: str | None = None) -> Path:
    s = sage(as_of=as_of)
    s.config["workspace"] = {k: v for k, v in s.config["workspace"].items() if v is not None}
    company(s, "A01", vat="GB000000001", orders=(_stamp(now - timedelta(days=6, hours=20)),))
    company(s, "A02", vat="GB000000002", orders=(_stamp(now - timedelta(hours=2)),))
    company(s, "HERE", vat="GB444444444", orders=(_stamp(now - timedelta(hours=2)),))
    erp(s, "C4", vat_number="444444444", country="GB")
    return s.write(root)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _history(root: Path) -> list[dict[str, object]]:
    got = runner.invoke(cli, ["history", "-w", str(root), "--format", "json"])
    assert got.exit_code == 0, got.output
    return list(json.loads(got.stdout))


def test_run_refuses_an_as_of_later_than_now_and_stores_nothing(tmp_path: Path) -> None:
    now = _now()
    root = _workspace(tmp_path / "ws", now)
    tomorrow = now + timedelta(days=1)
    got = runner.invoke(cli, ["run", "-w", str(root), "--format", "json", "--as-of", _stamp(tomorrow)])
    assert got.exit_code == 2, got.output
    assert f"{tomorrow.isoformat()}Z is later than now" in got.output
    assert "Traceback" not in got.output
    assert _history(root) == []
    # the same workspace as of now: both absent companies, fresh
    done = runner.invoke(cli, ["run", "-w", str(root), "--format", "json", "--as-of", _stamp(now)])
    assert done.exit_code == 0, done.output
    [card] = json.loads(done.stdout)
    assert (card["count"], card["freshness"]["status"]) == (2, "fresh")
    assert [(h["as_of"], h["count"]) for h in _history(root)] == [(now.isoformat() + "Z", 2)]


def test_an_as_of_with_a_zone_is_compared_in_utc_and_five_minutes_ahead_is_allowed(tmp_path: Path) -> None:
    now = _now()
    root = _workspace(tmp_path / "ws", now)
    # four minutes ahead, written in UTC-05:00: a clock a little ahead of the exporter's is not refused
    near = now + timedelta(minutes=4)
    offset = (near - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S-05:00")
    done = runner.invoke(cli, ["run", "-w", str(root), "--format", "json", "--no-store", "--as-of", offset])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)[0]["as_of"].removesuffix("Z") == near.isoformat()
    # an hour ahead, written at +09:00 (its wall time reads nine hours later still): refused
    ahead = (now + timedelta(hours=1) + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M:%S+09:00")
    refused = runner.invoke(cli, ["run", "-w", str(root), "--no-store", "--as-of", ahead])
    assert refused.exit_code == 2, refused.output
    assert "is later than now" in refused.output


def test_compute_refuses_an_as_of_later_than_now(tmp_path: Path) -> None:
    now = _now()
    ws = load_workspace(_workspace(tmp_path / "ws", now))
    with pytest.raises(ConfigError, match=r"Workspace 'sage-test': as-of: .* is later than now"):
        compute(ws, as_of=now + timedelta(days=1))


def test_workspace_as_of_later_than_now_is_a_configuration_problem(tmp_path: Path) -> None:
    now = _now()
    root = _workspace(tmp_path / "ws", now, as_of=_stamp(now + timedelta(days=2)))
    got = runner.invoke(cli, ["run", "-w", str(root)])
    assert got.exit_code == 5, got.output
    assert f"workspace.as_of: {(now + timedelta(days=2)).isoformat()}Z is later than now" in got.output
