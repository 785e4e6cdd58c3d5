"""Workspaces for the alert tests: a Sage workspace whose absent customers, freshness and alerts settings
are stated by hand, and one monitored run (compute, store, alert) of it."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from bridgewatch.alerts.notify import AlertReport, notify
from bridgewatch.config import load_config
from bridgewatch.engine import open_engine
from bridgewatch.history import Store, StoredCardRun
from bridgewatch.monitor import run_workspace
from bridgewatch.scenario import Scenario
from bridgewatch.workspace import load_workspace

from ..cards.builders import company, erp, event, sage

LATE = ("2026-04-14T10:00:00Z",)
"""Eight hours before the as-of time: fresh."""
AS_OF = "2026-04-14T18:00:00Z"
STALE_AS_OF = "2026-04-18T18:00:00Z"
"""Four days later: the newest order is 104 hours old (max_age_hours = 48): stale."""
NOW = datetime(2026, 4, 14, 19, 0)


class Rewritten(Scenario):
    """A scenario whose ``write`` first removes the tables of the previous write (an optional table left out now
    must not survive from before)."""

    def write(self, root: Path | str) -> Path:
        shutil.rmtree(Path(root) / "data", ignore_errors=True)
        return super().write(root)


def scenario(absent: int, *, failed: int = 0, alerts: Mapping[str, Any] | None = None, as_of: str = AS_OF,
             threshold: int = 2, orders: tuple[str, ...] = LATE) -> Rewritten:
    """``absent`` B2B companies A01… absent from Intacct (never synced; A01 blocks the most), of which the first
    ``failed`` had their create rejected, plus one present company, each ordering at ``orders``; ``[alerts]`` as
    given."""
    s = sage(alert_threshold=threshold, as_of=as_of, name="UK Trade")
    for n in range(1, absent + 1):
        cid = f"A{n:02d}"
        company(s, cid, vat=f"GB{n:09d}", total=f"{1000 - n * 10}.00", orders=orders)
        if n <= failed:
            event(s, cid, "failed", "2026-04-13T06:00:00Z", "Missing NAME")
    company(s, "HERE", vat="GB444444444", orders=orders)
    erp(s, "C4", vat_number="444444444", country="GB")
    if alerts is not None:
        s.config["alerts"] = dict(alerts)
    return Rewritten(s.config, s.rows)


def monitor(root: Path, *, now: datetime = NOW, environ: Mapping[str, str] | None = None,
            url: str | None = None) -> tuple[list[StoredCardRun], AlertReport]:
    """One cycle as `bridgewatch run` does it: compute, store, then evaluate and deliver the alerts."""
    config = load_config(root)
    with Store(url or f"sqlite:///{root / '.bridgewatch' / 'history.sqlite'}") as store:
        with open_engine("duckdb") as engine:
            done = run_workspace(load_workspace(root), engine=engine, store=store)
        return done.stored, notify(store, config, environ=environ or {}, now=now)
