"""docs/errors.md and the exit-code table of docs/cli.md name every error class and exit code that exists."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from bridgewatch import errors
from bridgewatch.cli.main import EXIT_INTERRUPTED

ROOT = Path(__file__).resolve().parents[2]


def _error_classes() -> list[type[errors.BridgewatchError]]:
    found, todo = [], [errors.BridgewatchError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return [c for c in found if c.__module__ == errors.__name__]


def _exit_codes() -> set[int]:
    cli_app = importlib.import_module("bridgewatch.cli.app")
    constants = {v for k, v in vars(cli_app).items() if k.startswith("EXIT_") and isinstance(v, int)}
    return constants | {c.exit_code for c in _error_classes()} | {EXIT_INTERRUPTED}


def _table_codes(doc: str, heading: str) -> set[int]:
    section = doc.split(heading, 1)[1].split("\n## ", 1)[0]
    return {int(m) for m in re.findall(r"^\| (\d+) \|", section, flags=re.MULTILINE)}


def test_every_exit_code_is_in_both_tables() -> None:
    assert _exit_codes() == {0, 1, 2, 3, 4, 5, 6, 7, 8, 130, 141}
    for doc in ("docs/cli.md", "docs/errors.md"):
        assert _table_codes((ROOT / doc).read_text(encoding="utf-8"), "## Exit codes") == _exit_codes(), doc


def test_every_error_class_is_in_errors_md() -> None:
    text = (ROOT / "docs/errors.md").read_text(encoding="utf-8")
    missing = [c.__name__ for c in _error_classes() if f"`{c.__name__}`" not in text]
    assert missing == ["BridgewatchError"] or missing == [], missing


def test_the_error_tree_in_errors_py_names_every_class() -> None:
    tree = (errors.__doc__ or "").split("The tree::", 1)[1]
    drawn = ["BridgewatchError", *re.findall(r"[├└]── (\w+)", tree)]
    assert sorted(c.__name__ for c in _error_classes()) == sorted(drawn)
