"""Settings past what the calendar, the run store or a clock can hold were accepted and then stopped the command
with ``internal error: OverflowError`` (exit 1, "a bridgewatch bug"): ``max_age_hours = 100000000`` (the
staleness limit fell before year 1), ``alert_threshold`` past 64 bits (the store's driver), an as-of in year 1
(the window started before the calendar), a duration of a million years (``repeat_interval``, ``--for``), an
infinite ``timeout_seconds``; a negative ``repeat_interval`` was taken, and a silence of zero length recorded.
Each is now a configuration or usage error naming the key and the range it must fall in."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bridgewatch.cli import app

from ..cards.builders import sage

runner = CliRunner()


def _workspace(tmp_path: Path, workspace_keys: str, tail: str = "") -> Path:
    root = sage().write(tmp_path / "ws")
    toml = root / "workspace.toml"
    text = toml.read_text()
    assert "[workspace]\n" in text and "as_of = " in text
    text = "\n".join(line for line in text.splitlines() if not line.startswith("as_of = ")) + "\n"
    toml.write_text(text.replace("[workspace]\n", f"[workspace]\n{workspace_keys}", 1) + tail)
    return root


def test_out_of_range_numbers_dates_and_durations_in_workspace_toml_are_config_errors(tmp_path: Path) -> None:
    root = _workspace(
        tmp_path,
        "as_of = 0001-01-01T00:00:00Z\nmax_age_hours = 100000000\nalert_threshold = 99999999999999999999\n",
        '\n[card.sage_customer_master_gap]\nalert_threshold = 2147483648\n'
        '\n[alerts]\nrepeat_interval = "99999999999999d"\nfor_runs = 99999999999999999999\n'
        '\n[alerts.delivery]\nbudget = -5\n')
    result = runner.invoke(app, ["run", "-w", str(root), "--no-store"])
    assert result.exit_code == 5, result.output
    assert result.stderr == (
        f"error: {root / 'workspace.toml'}: 7 problem(s) in the workspace configuration:\n"
        "  - workspace.as_of: 0001-01-01T00:00:00+00:00 is not a usable as-of time: the year must be 1900 to 2999 "
        "(a typo in the year?)\n"
        "  - workspace.alert_threshold: Input should be less than or equal to 2147483647 (got 99999999999999999999)\n"
        "  - workspace.max_age_hours: Input should be less than or equal to 87840 (got 100000000)\n"
        "  - card.sage_customer_master_gap.alert_threshold: Input should be less than or equal to 2147483647 "
        "(got 2147483648)\n"
        "  - alerts.repeat_interval: not a usable duration: '99999999999999d' (from 0 to 36600d; use e.g. 30s, 15m, "
        "4h, 1d, 1h30m)\n"
        "  - alerts.for_runs: Input should be less than or equal to 2147483647 (got 99999999999999999999)\n"
        "  - alerts.delivery.budget: not a usable duration: -5 (from 0 to 36600d; use e.g. 30s, 15m, 4h, 1d, "
        "1h30m)\n")


def test_the_largest_settings_allowed_still_run(tmp_path: Path) -> None:
    # the earliest as-of allowed (a later one than now is refused: tests/cli/test_future_as_of.py), the window and
    # the ten-year staleness limit counted back from it
    root = _workspace(tmp_path, "as_of = 1900-01-01T00:00:00Z\nmax_age_hours = 87840\nalert_threshold = 2147483647\n",
                      '\n[alerts]\nrepeat_interval = "36600d"\n')
    result = runner.invoke(app, ["run", "-w", str(root), "--format", "json", "--allow-stale"])
    assert result.exit_code == 0, result.output
    assert '"threshold": 2147483647' in result.stdout and '"as_of": "1900-01-01T00:00:00Z"' in result.stdout


def test_an_as_of_outside_the_calendar_is_a_usage_error(tmp_path: Path) -> None:
    root = sage().write(tmp_path / "ws")
    for given, shown in (("0001-01-01", "0001-01-01T00:00:00"),
                         ("9999-12-31T23:59:59-0100", "9999-12-31T23:59:59-01:00")):
        result = runner.invoke(app, ["run", "-w", str(root), "--no-store", "--as-of", given])
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines()[-1].strip("│ ") == (
            f"Error: Invalid value for '--as-of': {shown} is not a usable as-of time: the year must be 1900 to 2999 "
            f"(a typo in the year?)")


def test_a_silence_of_a_million_years_or_of_none_is_a_usage_error(tmp_path: Path) -> None:
    root = sage().write(tmp_path / "ws")
    assert runner.invoke(app, ["run", "-w", str(root), "--format", "json", "--allow-stale"]).exit_code == 0
    for length, why in (("999999999999d", "not a usable duration: '999999999999d' (from 0 to 36600d; use e.g. 30s, "
                                          "15m, 4h, 1d, 1h30m)"),
                        ("0s", "a silence must last longer than zero (e.g. 30m, 4h, 2d)")):
        result = runner.invoke(app, ["alerts", "silence", "-w", str(root), "--card", "sage_customer_master_gap",
                                     "--for", length, "--reason", "month end"])
        assert result.exit_code == 2, result.output
        assert result.stderr.splitlines()[-1].strip("│ ") == f"Error: Invalid value for --for: {why}"
    listed = runner.invoke(app, ["alerts", "list", "-w", str(root), "--format", "json"])
    assert json.loads(listed.stdout)["silences"] == []


def test_an_infinite_api_timeout_is_a_config_error(tmp_path: Path) -> None:
    root = _workspace(tmp_path, "", '\n[sources.shop]\nreader = "shopify_api"\npath = "pulled/shop"\n'
                                    '\n[sources.shop.api]\nbase_url = "http://127.0.0.1:9"\ntimeout_seconds = inf\n'
                                    'full_every_hours = 1e300\nsecrets = { token = "SHOP_TOKEN" }\n')
    result = runner.invoke(app, ["pull", "-w", str(root)], env={"SHOP_TOKEN": "x"})
    assert result.exit_code == 5, result.output
    assert result.stderr == (
        f"error: {root / 'workspace.toml'}: 2 problem(s) in the workspace configuration:\n"
        "  - sources.shop.api.full_every_hours: Input should be less than or equal to 87840 (got 1e+300)\n"
        "  - sources.shop.api.timeout_seconds: Input should be a finite number (got inf)\n")
