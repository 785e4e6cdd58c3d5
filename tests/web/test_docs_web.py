"""The dashboard's documentation describes what exists: commands, options, pictures, the way to start it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bridgewatch.cli import app
from bridgewatch.cli.users import users_app

ROOT = Path(__file__).resolve().parents[2]


def _read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("command", [c.name for c in users_app.registered_commands])
def test_every_users_command_is_documented(command: str) -> None:
    assert f"bridgewatch users {command}" in _read("docs/cli.md")
    assert f"bridgewatch users {command}" in _read("docs/web.md")


def test_every_serve_option_is_documented() -> None:
    from typer.main import get_command

    command = get_command(app).commands["serve"]  # type: ignore[attr-defined]
    options = [param.opts[0] for param in command.params if param.opts[0].startswith("--")]
    cli_doc = _read("docs/cli.md")
    assert len(options) == 11 and all(o in cli_doc for o in options), options


def test_every_picture_in_the_web_doc_exists_and_every_page_has_one() -> None:
    doc = _read("docs/web.md")
    pictures = re.findall(r"!\[[^\]]*\]\((img/web/[^)]+)\)", doc)
    assert pictures and all((ROOT / "docs" / p).is_file() for p in pictures)
    for page in ("overview", "card", "worklist", "customer", "history", "alerts", "users", "card-phone"):
        assert f"img/web/{page}.jpg" in pictures


def test_the_readme_says_how_to_start_it_after_make_demo() -> None:
    readme = _read("README.md")
    assert "after `make demo`, `make serve`" in readme and "docs/web.md" in readme
    assert "\nserve: $(STAMP)" in _read("Makefile")
