"""Currency and country codes in workspace.toml that fit the pattern but name nothing are config errors,
named by file and key (before: accepted, then every order failed its FX conversion)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bridgewatch.cli import app

from ..cards.builders import sage

runner = CliRunner()


def test_unknown_currency_and_country_codes_are_named_by_key(tmp_path: Path) -> None:
    root = sage().write(tmp_path / "ws")
    toml = root / "workspace.toml"
    text = toml.read_text()
    assert 'reporting_currency = "GBP"' in text and 'home_country = "GB"' in text
    toml.write_text(text.replace('reporting_currency = "GBP"', 'reporting_currency = "XXQ"')
                    .replace('home_country = "GB"', 'home_country = "UK"'))
    result = runner.invoke(app, ["run", "-w", str(root), "--no-store"])
    assert result.exit_code == 5, result.output
    assert result.stderr == (
        f"error: {toml}: 2 problem(s) in the workspace configuration:\n"
        "  - workspace.reporting_currency: 'XXQ' is not an ISO 4217 currency code (e.g. 'GBP', 'EUR', 'USD')\n"
        "  - workspace.home_country: 'UK' is not an ISO 3166 country code; write 'GB'\n")


def test_entity_codes_are_checked_too(tmp_path: Path) -> None:
    from bridgewatch.config import parse_config
    from bridgewatch.errors import ConfigError

    raw = {"workspace": {"id": "w", "erp": "d365_fo", "home_country": "US", "reporting_currency": "USD"},
           "legal_entities": [{"id": "USTI", "currency": "USD", "countries": ["us", "xk"]},
                              {"id": "EU01", "currency": "EUD", "countries": ["EU"]}]}
    try:
        parse_config(raw)
    except ConfigError as exc:
        assert str(exc).splitlines()[1:] == [
            "  - legal_entities[1].currency: 'EUD' is not an ISO 4217 currency code (e.g. 'GBP', 'EUR', 'USD')",
            "  - legal_entities[1].countries[0]: 'EU' is not an ISO 3166 country code (e.g. 'GB', 'DE', 'US')"]
    else:
        raise AssertionError("EUD and EU were accepted")


def test_a_reader_option_problem_names_the_file_that_holds_it(tmp_path: Path) -> None:
    """A reader's option problems were printed without the file (``error: sources.intacct.options.timezone: ...``);
    they are now listed under workspace.toml, as every other configuration problem is."""
    from bridgewatch.demo import write_demo

    root = write_demo(tmp_path)[0]
    toml = root / "workspace.toml"
    text = toml.read_text()
    assert '[sources.intacct.options]\ntimezone = "UTC"\n' in text
    toml.write_text(text.replace('[sources.intacct.options]\ntimezone = "UTC"\n',
                                 '[sources.intacct.options]\ntimezone = "Mars/Base"\n'))
    result = runner.invoke(app, ["run", "-w", str(root), "--no-store"])
    assert result.exit_code == 5, result.output
    assert result.stderr == (
        f"error: {toml}: 1 problem(s) in the workspace configuration:\n"
        "  - sources.intacct.options.timezone: unknown time zone 'Mars/Base' (use an IANA name such as "
        "'Europe/London')\n")


def test_a_boolean_where_a_number_belongs_is_a_config_error(tmp_path: Path) -> None:
    """`alert_threshold = true` was read as a threshold of 1 (and `max_age_hours = false` as 0, then refused as
    'greater than or equal to 1'): a boolean is now named as what it is."""
    root = sage().write(tmp_path / "ws")
    toml = root / "workspace.toml"
    text = toml.read_text()
    assert "[workspace]\n" in text
    toml.write_text(text.replace("[workspace]\n", "[workspace]\nalert_threshold = true\n", 1))
    result = runner.invoke(app, ["run", "-w", str(root), "--no-store"])
    assert result.exit_code == 5, result.output
    assert result.stderr == (f"error: {toml}: 1 problem(s) in the workspace configuration:\n"
                             "  - workspace.alert_threshold: expected a number, got true\n")


def test_a_password_written_in_the_history_url_is_refused_and_not_shown(tmp_path: Path) -> None:
    """docs/history.md: the password comes from password_env, never from the TOML. A URL holding one was accepted
    (and the file, with the password, goes wherever workspace folders go)."""
    root = sage().write(tmp_path / "ws")
    toml = root / "workspace.toml"
    base = toml.read_text()
    for url in ("postgresql+psycopg://bw:s3cret-pw@db.internal/bw", "postgresql+psycopg://bw@db/bw?password=s3cret-pw"):
        toml.write_text(base + f'\n[history]\nurl = "{url}"\n')
        result = runner.invoke(app, ["history", "-w", str(root)])
        assert result.exit_code == 5, result.output
        assert result.stderr == (
            f"error: {toml}: 1 problem(s) in the workspace configuration:\n"
            "  - history.url: holds a password; remove it and name the environment variable that holds it in "
            "[history] password_env (the value is not shown here)\n")
        assert "s3cret" not in result.output
