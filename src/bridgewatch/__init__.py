"""bridgewatch: which customers are buying from us right now who do not exist in our ERP's customer master?

The library is the product; the ``bridgewatch`` command and the web dashboard are thin skins over
it (docs/api.md)::

    import bridgewatch as bw

    ws = bw.load_workspace("demo-workspaces/uk-trade-sage")
    with bw.open_engine("duckdb") as engine, bw.open_store(ws) as store:
        run = bw.compute([ws], engine=engine)
        store.save(run)
        for result in run.results:
            print(result.summary.count, result.summary.alert.state)
            result.worklist.to_csv("worklist.csv")

Names are imported on first use, so ``import bridgewatch`` stays light (no DuckDB, Spark or
SQLAlchemy until needed).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from bridgewatch.errors import BridgewatchError

if TYPE_CHECKING:
    from bridgewatch.api import explain
    from bridgewatch.engine import Engine, EngineChoice, open_engine
    from bridgewatch.history import Store, StoredCardRun, open_store
    from bridgewatch.report.explanation import Explanation
    from bridgewatch.report.result import CardResult, CardSummary, CustomerRow
    from bridgewatch.results import CardRun, Run, Worklist, compute
    from bridgewatch.workspace import Workspace, load_workspace

_LAZY = {
    "CardResult": "bridgewatch.report.result", "CardRun": "bridgewatch.results", "CardSummary":
    "bridgewatch.report.result", "CustomerRow": "bridgewatch.report.result", "Engine": "bridgewatch.engine",
    "EngineChoice": "bridgewatch.engine",
    "Explanation": "bridgewatch.report.explanation", "Run": "bridgewatch.results", "Store": "bridgewatch.history",
    "StoredCardRun": "bridgewatch.history", "Workspace": "bridgewatch.workspace", "Worklist": "bridgewatch.results",
    "compute": "bridgewatch.results", "explain": "bridgewatch.api", "load_workspace": "bridgewatch.workspace",
    "open_engine": "bridgewatch.engine", "open_store": "bridgewatch.history",
}

__all__ = ["BridgewatchError", "CardResult", "CardRun", "CardSummary", "CustomerRow", "Engine", "EngineChoice",
           "Explanation", "Run",
           "Store", "StoredCardRun", "Workspace", "Worklist", "__version__", "compute", "explain", "load_workspace",
           "open_engine", "open_store"]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("bridgewatch")
        except PackageNotFoundError:
            return "0+unknown"
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bridgewatch' has no attribute {name!r}")
