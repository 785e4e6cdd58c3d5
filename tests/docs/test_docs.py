"""The documentation describes what exists: generated parts match, every command/key/cause is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from bridgewatch.cards import CARDS
from bridgewatch.cli import app
from bridgewatch.model.docs import render
from bridgewatch.report.csv_out import WORKLIST_COLUMNS

ROOT = Path(__file__).resolve().parents[2]


def _read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def test_model_doc_is_generated_from_the_code() -> None:
    assert _read("docs/model.md") == render(), "run: python -m bridgewatch.model.docs > docs/model.md"


def test_readme_opens_with_the_two_commands() -> None:
    head = _read("README.md").split("## ", 1)[0]
    assert "make demo" in head and "make test" in head


@pytest.mark.parametrize("command", [c.name or c.callback.__name__ for c in app.registered_commands])  # type: ignore[union-attr]
def test_every_cli_command_is_documented(command: str) -> None:
    assert f"bridgewatch {command}" in _read("docs/cli.md")


@pytest.mark.parametrize("card", sorted(CARDS))
def test_every_card_and_cause_is_documented(card: str) -> None:
    assert card in _read("README.md")
    cards_doc = _read("docs/cards.md")
    for cause in CARDS[card].cause_ids:
        assert f"`{cause}`" in cards_doc
        assert cause in _read("docs/output.md")


def test_every_json_and_csv_key_is_documented(tmp_path: Path) -> None:
    from bridgewatch.demo import write_demo
    from bridgewatch.results import collect
    from bridgewatch.workspace import load_workspace

    folder = write_demo(tmp_path)[1]
    result = collect([load_workspace(folder)])[0].to_dict()
    output_doc = _read("docs/output.md")
    for key in [*result, *result["customers"][0], *WORKLIST_COLUMNS]:
        assert f"`{key}`" in output_doc or key in output_doc.split("## CSV worklist")[1], key


def test_every_alert_state_freshness_and_verdict_is_documented() -> None:
    from bridgewatch.report.explanation import VERDICTS
    from bridgewatch.report.result import ALERT_STATES, FRESHNESS_STATES

    output_doc = _read("docs/output.md")
    alert_row = next(line for line in output_doc.splitlines() if line.startswith("| `alert` |"))
    freshness_row = next(line for line in output_doc.splitlines() if line.startswith("| `freshness` |"))
    verdicts = output_doc.split("`verdict` (", 1)[1].split(")", 1)[0]
    assert [s for s in ALERT_STATES if f"`{s}`" not in alert_row] == []
    assert [s for s in FRESHNESS_STATES if f"`{s}`" not in freshness_row] == []
    assert [v for v in VERDICTS if f"`{v}`" not in verdicts.replace("\n", " ")] == []
