"""A workspace's own files in shapes a user meets on a fresh machine. Before: ``workspace.toml`` saved by Notepad
as "Unicode" (UTF-16) or "ANSI" (Windows-1252) was "not valid TOML: 'utf-8' codec can't decode byte 0xff ...
Fix the syntax" (the syntax is fine: the encoding is not); a folder named ``workspace.toml`` was "No
workspace.toml at ..."; a file where ``data_dir`` belongs was passed over when the workspace has sources, so its
tables were missing and the run stopped on "no FX rate from EUR into GBP", far from the cause. Each is now
named for what it is, with the fix; exit 5."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from bridgewatch.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo"))[0]  # uk-trade-sage: vendor sources, fx_rates in data/


def _run(root: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["run", "-w", str(root), "--no-store"])
    return result.exit_code, " ".join(result.stderr.split())


def test_a_workspace_toml_saved_in_utf16_or_windows_1252(demo: Path, tmp_path: Path) -> None:
    toml = demo / "workspace.toml"
    text = toml.read_text(encoding="utf-8")
    try:
        toml.write_bytes(text.encode("utf-16"))
        assert _run(demo) == (5, f"error: {toml}: not UTF-8 text (byte 0xff at position 0: saved as UTF-16?). A "
                                 f"TOML file must be UTF-8: save it again choosing the UTF-8 encoding, then run again.")
        assert 'name = "' in text
        at = text.index('name = "') + len('name = "')
        toml.write_bytes((text[:at] + "Café " + text[at:]).encode("cp1252"))
        assert _run(demo) == (5, f"error: {toml}: not UTF-8 text (byte 0xe9 at position {at + 3}: saved as "
                                 f"Windows-1252 or another encoding?). A TOML file must be UTF-8: save it again "
                                 f"choosing the UTF-8 encoding, then run again.")
    finally:
        toml.write_text(text, encoding="utf-8")


def test_a_folder_named_workspace_toml(tmp_path: Path) -> None:
    (tmp_path / "ws" / "workspace.toml").mkdir(parents=True)
    where = tmp_path / "ws" / "workspace.toml"
    assert _run(tmp_path / "ws") == (5, f"error: {where} is a folder, not a file: a workspace's settings are the "
                                        f"file workspace.toml. Move the folder aside and write the file (see "
                                        f"docs/configuration.md), or point --workspace at a workspace folder.")


def test_a_file_where_the_data_folder_belongs(demo: Path) -> None:
    data = demo / "data"
    aside = demo / "data.aside"
    data.rename(aside)
    try:
        data.write_text("currency,rate_date,rate\n")
        assert _run(demo) == (5, f"error: Data folder {data} is a file, not a folder, so the canonical tables in it "
                                 f"(fx_rates, ...) cannot be read. Move the file aside and put the table files in a "
                                 f"folder of that name, or set data_dir in workspace.toml.")
    finally:
        data.unlink()
        aside.rename(data)


def test_alerts_send_without_receivers_names_the_table_to_add(demo: Path) -> None:
    """The message's ``[alerts]`` was read as rich markup and dropped: "no receivers configured ( receivers)"."""
    result = runner.invoke(app, ["alerts", "send", "-w", str(demo)])
    assert (result.exit_code, result.stdout) == (0, "no receivers configured ([alerts] receivers): nothing to send\n")
