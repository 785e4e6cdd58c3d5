"""Imports run one way: a module never imports (at module level) from a layer above its own.

Layers, bottom to top. A lookup in a higher registry inside a function (config reading the card
registry for its defaults) is allowed; module-level imports are what make the architecture.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "bridgewatch"
LAYERS = [
    {"errors", "model", "sql"},
    {"matching", "config", "fingerprint", "atomic"},
    {"ingest", "sources", "engine", "scenario"},
    {"workspace", "staging", "inputs", "connectors"},
    {"cards"},
    {"report"},
    {"results"},
    {"history"},
    {"monitor", "api", "batch", "alerts", "watch"},
    {"demo", "web", "cli", "__init__", "entry"},
]


def _layer(name: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if name in layer)


def _top(module: Path) -> str:
    parts = module.relative_to(SRC).with_suffix("").parts
    return parts[0]


def _imports(module: Path) -> set[str]:
    tree = ast.parse(module.read_text(encoding="utf-8"))
    found = set()
    for node in tree.body:  # module level only
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bridgewatch."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("bridgewatch.")}
    return found


MODULES = sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.parts)


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_imports_only_from_its_layer_or_below(module: Path) -> None:
    own = _layer(_top(module))
    above = {name for name in _imports(module) if _layer(name) > own}
    assert not above, f"{module.relative_to(SRC)} imports from a higher layer: {sorted(above)}"
