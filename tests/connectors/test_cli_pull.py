"""`bridgewatch pull` and `run --pull` against a fake store on 127.0.0.1: summary lines and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from bridgewatch.cli import app
from bridgewatch.connectors.fakes.base import Table
from bridgewatch.connectors.fakes.bigcommerce import STORE, TOKEN, FakeBigCommerce
from bridgewatch.connectors.fakes.server import serve
from tests.connectors.helpers import workspace


@pytest.fixture
def fake() -> FakeBigCommerce:
    return FakeBigCommerce(customers=Table("id", [{"id": i, "email": f"c{i}@shop.test"} for i in range(1, 4)]))


def _ws(tmp_path: Path, url: str) -> Path:
    api = {"store": STORE, "base_url": url, "secrets": {"token": "BC_TOKEN"}, "resources": ["customers"],
           "max_attempts": 2}
    return workspace(tmp_path, {"bc": {"reader": "bigcommerce_api", "path": "pulled/bc", "api": api}})


def test_pull_prints_one_summary_line_per_source(tmp_path: Path, fake: FakeBigCommerce,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BC_TOKEN", TOKEN)
    with serve(fake) as url:
        result = CliRunner().invoke(app, ["pull", "-w", str(_ws(tmp_path, url))])
    assert result.exit_code == 0, result.output
    assert "bc                   ok      fetched customers 3 (full); 3 records on disk; 1 pages" in result.stdout


def test_failed_source_exits_6_with_its_line(tmp_path: Path, fake: FakeBigCommerce,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BC_TOKEN", "a-revoked-token")
    with serve(fake) as url:
        result = CliRunner().invoke(app, ["pull", "-w", str(_ws(tmp_path, url))])
    assert result.exit_code == 6
    assert "a-revoked-token" not in result.output and TOKEN not in result.output
    assert ("FAILED source 'bc': BigCommerce rejected the credentials (401): You are not authorized to access this "
            "resource.; check the store API account's access token and api.store (the store hash)") in \
        " ".join(result.stdout.split())


def test_missing_secret_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BC_TOKEN", raising=False)
    result = CliRunner().invoke(app, ["pull", "-w", str(_ws(tmp_path, "http://127.0.0.1:9"))])
    assert result.exit_code == 5
    assert "sources.bc.api.secrets.token: environment variable BC_TOKEN is not set; set it to the store API " \
           "account access token (X-Auth-Token)" in " ".join(result.stderr.split())


def test_run_pull_keeps_stdout_for_the_result(tmp_path: Path, fake: FakeBigCommerce,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from bridgewatch.demo import write_demo

    demo = write_demo(tmp_path / "demo")[0]
    config = (demo / "workspace.toml").read_text()
    monkeypatch.setenv("BC_TOKEN", TOKEN)
    with serve(fake) as url:
        extra = (f'\n[sources.bc_api]\nreader = "bigcommerce_api"\npath = "pulled/bc"\n[sources.bc_api.api]\n'
                 f'store = "{STORE}"\nbase_url = "{url}"\nresources = ["customers"]\n'
                 f'secrets = {{ token = "BC_TOKEN" }}\nmax_attempts = 2\n')  # one real 1 s back-off, not 15 s
        (demo / "workspace.toml").write_text(config + extra)
        ok = CliRunner().invoke(app, ["run", "-w", str(demo), "--pull", "--format", "json"])
        fake.fail(lambda r: httpx.Response(503), times=99)
        failed = CliRunner().invoke(app, ["run", "-w", str(demo), "--pull", "--format", "json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)[0]["card"] == "sage_customer_master_gap"
    assert failed.exit_code == 6
    [fresh], [stale] = json.loads(ok.stdout), json.loads(failed.stdout)
    assert stale["card"] == "sage_customer_master_gap"
    assert "warning: computing with the previous data of source 'bc_api' (data pulled 20" in failed.stderr
    assert (fresh["freshness"]["status"], fresh["alert"]["state"]) == ("fresh", "firing")
    assert (stale["freshness"]["status"], stale["alert"]["state"]) == ("stale", "unknown")
    [reason] = stale["freshness"]["reasons"]
    assert reason.startswith("source bc_api: the last pull failed (") and "its data is from the pull of 20" in reason
    assert TOKEN not in failed.output


def test_terminal_escapes_in_a_vendor_error_never_reach_the_terminal(tmp_path: Path, fake: FakeBigCommerce,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from bridgewatch.connectors.fakes.base import json_response

    monkeypatch.setenv("BC_TOKEN", TOKEN)
    fake.fail(lambda r: json_response({"title": "\x1b[2J\x1b[31mno\x07 access\r"}, 403))
    with serve(fake) as url:
        result = CliRunner().invoke(app, ["pull", "-w", str(_ws(tmp_path, url))])
    assert result.exit_code == 6
    assert "\x1b" not in result.output and "\x07" not in result.output and "\r" not in result.output
    assert ("FAILED source 'bc': BigCommerce refused access to customers page 1 (403): no access; give the store "
            "API account read-only Customers and Orders scopes") in " ".join(result.stdout.split())


@pytest.mark.parametrize(("key", "url", "said"), [
    ("base_url", "htp://127.0.0.1", "'htp://127.0.0.1' is not a web address (the scheme is 'htp', not http or "
                                    "https); write base_url = \"https://127.0.0.1\""),
    ("base_url", "shop.example.com", "'shop.example.com' is not a web address (no http:// or https:// in front); "
                                     "write base_url = \"https://shop.example.com\""),
    ("base_url", "https://", "'https://' is not a web address (it has no host); write base_url = \"https://<host>\""),
    ("base_url", "http://[::1", "'http://[::1' is not a web address (it cannot be read: Invalid IPv6 URL); write "
                                "base_url = \"https://<host>\""),
    ("b2b_url", "ftp://user:pw@b2b.test", "'ftp://***@b2b.test' is not a web address (the scheme is 'ftp', not "
                                          "http or https); write b2b_url = \"https://<host>\""),
])
def test_a_bad_address_is_a_config_error_naming_the_key_before_any_request(
        tmp_path: Path, fake: FakeBigCommerce, monkeypatch: pytest.MonkeyPatch, key: str, url: str, said: str) -> None:
    monkeypatch.setenv("BC_TOKEN", TOKEN)
    with serve(fake) as good:
        root = _ws(tmp_path, good)
        config = (root / "workspace.toml").read_text()
        (root / "workspace.toml").write_text(config.replace(f'base_url = "{good}"', f'{key} = "{url}"'))
        result = CliRunner().invoke(app, ["pull", "-w", str(root)])
    assert result.exit_code == 5, result.output
    assert (f"1 problem(s) in the workspace configuration: - sources.bc.api.{key}: {said} (the vendor's address: "
            f"docs/connectors.md)") in " ".join(result.stderr.split())
    assert "internal error" not in result.output and "pw@" not in result.output
    assert fake.requests == []


@pytest.mark.parametrize(("hours", "status"), [(47, "fresh"), (72, "stale")])
def test_data_pulled_longer_than_max_age_before_the_as_of_is_stale(tmp_path: Path, fake: FakeBigCommerce,
                                                                    monkeypatch: pytest.MonkeyPatch, hours: int,
                                                                    status: str) -> None:
    """Scheduled pulls that stopped leave pages that look complete: a source last pulled more than max_age_hours
    (48) before the as-of time makes the result stale, naming it, even though that pull itself succeeded."""
    from datetime import UTC, datetime, timedelta

    demo = _pulled_demo(tmp_path, fake, monkeypatch)
    as_of = datetime(2026, 4, 15, 12, 0, tzinfo=UTC)
    manifest = demo / "pulled" / "bc" / ".pull.json"
    record = json.loads(manifest.read_text())
    record["pulled_at"] = (as_of - timedelta(hours=hours)).isoformat()
    manifest.write_text(json.dumps(record))
    result = CliRunner().invoke(app, ["run", "-w", str(demo), "--no-store", "--format", "json",
                                      "--as-of", "2026-04-15T12:00:00+00:00"])
    [card] = json.loads(result.stdout)
    assert card["freshness"]["status"] == status, card["freshness"]
    if status == "fresh":
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 6
    assert card["freshness"]["reasons"] == [
        "source bc_api: last pulled 2026-04-12T12:00:00Z, 72 hours before the as-of time (2026-04-15T12:00:00Z), "
        "more than max_age_hours = 48: its data may be out of date (run bridgewatch pull, or check the schedule that "
        "runs it)"]


def test_a_pull_running_now_is_named_as_running_not_as_interrupted(tmp_path: Path, fake: FakeBigCommerce,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A run while a pull of the workspace holds its lock reads the previous pull's pages: stale, and said as it
    is (a pull running since ...), not as a pull that was interrupted; after it, the same history reads
    interrupted. Times are UTC, written with Z."""
    from bridgewatch.connectors.state import pull_lock, record_attempt

    demo = _pulled_demo(tmp_path, fake, monkeypatch)
    manifest = demo / "pulled" / "bc" / ".pull.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "pulled_at": "2026-04-15T09:00:00+00:00"}))
    record_attempt(demo, "bc_api", started="2026-04-15T11:30:00+02:00", finished=None, error=None)
    args = ["run", "-w", str(demo), "--no-store", "--format", "json", "--as-of", "2026-04-15T12:00:00+00:00"]
    with pull_lock(demo):
        during = CliRunner().invoke(app, args)
    after = CliRunner().invoke(app, args)
    assert (during.exit_code, after.exit_code) == (6, 6)
    assert json.loads(during.stdout)[0]["freshness"]["reasons"] == [
        "source bc_api: a pull is running now (started 2026-04-15T09:30:00Z); its data is from the pull of "
        "2026-04-15T09:00:00Z; run again when it ends"]
    assert json.loads(after.stdout)[0]["freshness"]["reasons"] == [
        "source bc_api: the last pull interrupted (no error recorded); its data is from the pull of "
        "2026-04-15T09:00:00Z"]


def _pulled_demo(tmp_path: Path, fake: FakeBigCommerce, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The Sage demo workspace with a BigCommerce API source ``bc_api``, pulled once from ``fake``."""
    from bridgewatch.demo import write_demo

    demo = write_demo(tmp_path / "demo")[0]
    monkeypatch.setenv("BC_TOKEN", TOKEN)
    with serve(fake) as url:
        extra = (f'\n[sources.bc_api]\nreader = "bigcommerce_api"\npath = "pulled/bc"\n[sources.bc_api.api]\n'
                 f'store = "{STORE}"\nbase_url = "{url}"\nresources = ["customers"]\n'
                 f'secrets = {{ token = "BC_TOKEN" }}\n')
        (demo / "workspace.toml").write_text((demo / "workspace.toml").read_text() + extra)
        pulled = CliRunner().invoke(app, ["pull", "-w", str(demo)])
    assert pulled.exit_code == 0, pulled.output
    return demo
