"""`bridgewatch demo --via-api`: the worked examples pulled from fake vendors on 127.0.0.1 give the seeds' numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bridgewatch.cli import app
from bridgewatch.connectors.fakes.demo import DEMO_ENV, pull_demo
from bridgewatch.demo import write_demo
from bridgewatch.results import collect
from bridgewatch.workspace import load_workspace


@pytest.fixture(scope="module")
def pulled(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return pull_demo(tmp_path_factory.mktemp("via-api"))


def test_pulled_examples_give_the_same_cards_as_the_files(pulled: list[Path], tmp_path: Path) -> None:
    files = write_demo(tmp_path)
    for api, exported in zip(pulled, files, strict=True):
        assert api.name == exported.name
        via_api = [r.to_dict() | {"ingest": None} for r in collect([load_workspace(api)])]
        assert via_api == [r.to_dict() | {"ingest": None} for r in collect([load_workspace(exported)])]


def test_cli_prints_the_seeds_numbers(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--via-api", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = re.sub(r"\s+", " ", result.output)
    assert "14 customers with active orders absent from the master (39 active orders; blocked £24,680.57)" in text
    assert "17 customers with active orders absent from the master (23 active orders; blocked $61,200.00)" in text


def test_every_source_is_pulled_from_a_local_fake(pulled: list[Path]) -> None:
    import tomllib

    for root in pulled:
        sources = tomllib.loads((root / "workspace.toml").read_text())["sources"]
        local = ("http://127.0.0.1:", "https://127.0.0.1:")
        assert all(s["api"]["base_url"].startswith(local) for s in sources.values())
        assert all((root / s["path"]).is_symlink() for s in sources.values())


def test_no_secret_in_any_page_log_or_state(pulled: list[Path], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    pull_demo(pulled[0].parent)  # again, with every log captured
    secrets = [v.encode() for v in DEMO_ENV.values()]
    for root in pulled:
        for path in root.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                assert not [s for s in secrets if s in content], path
    logs = caplog.text.encode()
    assert not [s for s in secrets if s in logs]
    assert b"fake-access-" not in logs  # Entra access tokens obtained while pulling
