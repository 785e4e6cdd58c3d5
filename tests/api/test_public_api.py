"""The public API: what ``bridgewatch`` exports, that importing it stays light, and the docs' script runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import bridgewatch

ROOT = Path(__file__).resolve().parents[2]
EXPORTED = ["BridgewatchError", "CardResult", "CardRun", "CardSummary", "CustomerRow", "Engine", "EngineChoice",
            "Explanation", "Run",
            "Store", "StoredCardRun", "Workspace", "Worklist", "__version__", "compute", "explain", "load_workspace",
            "open_engine", "open_store"]


def test_all_lists_exactly_the_public_names() -> None:
    assert sorted(bridgewatch.__all__) == sorted(EXPORTED)
    for name in bridgewatch.__all__:
        assert getattr(bridgewatch, name) is not None, name
    with pytest.raises(AttributeError):
        bridgewatch.nope  # noqa: B018


def test_every_public_name_is_documented() -> None:
    doc = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for name in EXPORTED:
        if not name.startswith("_") and name not in ("CardResult", "CustomerRow", "Engine", "Workspace",
                                                      "StoredCardRun", "Explanation"):
            assert f"`{name}" in doc, name


def test_importing_bridgewatch_loads_no_engine_or_database() -> None:
    code = "import sys, bridgewatch; print(sorted(m for m in ('duckdb', 'pyspark', 'sqlalchemy', 'sqlglot') " \
           "if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_run_loads_no_library_it_does_not_use(tmp_path: Path) -> None:
    """``bridgewatch run`` on a demo workspace: no Spark, no SQL transpiler, no store's ORM without a store,
    and no pandas, which pyarrow imports (≈ 0.17 s) the first time it converts a Python value when
    pandas is installed (so this check only bites where it is, as in the bench's environment)."""
    from bridgewatch.demo import write_demo

    write_demo(tmp_path)
    workspace = next(p for p in sorted(tmp_path.iterdir()) if p.is_dir())
    code = ("import sys\nfrom bridgewatch.cli import main\nsys.argv = ['bridgewatch', 'run', '-w', sys.argv[1], "
            "'--no-store', '--allow-stale', '--format', 'json']\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('pandas', 'pyspark', 'sqlalchemy', 'sqlglot') if m in sys.modules), "
            "file=sys.stderr)")
    for folder in (workspace, next(p for p in sorted(tmp_path.iterdir()) if p.is_dir() and p != workspace)):
        result = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True)
        assert result.stderr.strip().splitlines()[-1] == "[]", result.stderr


def test_a_batch_without_a_store_loads_no_database_library(tmp_path: Path) -> None:
    """``bridgewatch batch --no-store`` imports neither SQLAlchemy nor the store (≈ 0.15 s of a batch process)."""
    from bridgewatch.demo import write_demo

    write_demo(tmp_path / "group")
    code = ("import sys\nfrom bridgewatch.cli import main\nsys.argv = ['bridgewatch', 'batch', '--workspaces', "
            "sys.argv[1], '--out', sys.argv[2], '--no-store', '--allow-stale']\ntry:\n    main()\n"
            "except SystemExit as done:\n    print(done.code, file=sys.stderr)\n"
            "print(sorted(m for m in ('pyspark', 'sqlalchemy', 'sqlglot') if m in sys.modules), file=sys.stderr)")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "group"), str(tmp_path / "out")],
                            capture_output=True, text=True)
    assert result.stderr.strip().splitlines()[-2:] == ["0", "[]"], result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "batch.json", "uk-trade-sage.json", "us-distributor-d365.json"]


def test_the_documented_script_runs(tmp_path: Path) -> None:
    """docs/api.md's example, run as written on the demo workspace."""
    from bridgewatch.demo import write_demo

    write_demo(tmp_path / "demo-workspaces")
    script = re.search(r"```python\n(.*?)```", (ROOT / "docs" / "api.md").read_text(), re.S)
    assert script is not None
    result = subprocess.run([sys.executable, "-c", script.group(1)], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "sage_customer_master_gap 14 firing"
    assert (tmp_path / "sage_customer_master_gap.csv").read_text().count("\n") == 15
    assert len(script.group(1).strip().splitlines()) <= 10
