"""Workspaces with pulled sources, and the pull entry point wired to fakes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import tomli_w

from bridgewatch.connectors.fakes.base import FakeClock
from bridgewatch.connectors.pull import PullReport, pull_workspace
from bridgewatch.sources import get_reader
from bridgewatch.sources.base import ReadContext


def workspace(root: Path, sources: Mapping[str, Mapping[str, Any]], erp: str = "sage_intacct") -> Path:
    """A workspace folder whose ``[sources]`` are ``sources``."""
    root.mkdir(parents=True, exist_ok=True)
    config = {"workspace": {"id": "ws", "erp": erp, "home_country": "GB", "reporting_currency": "GBP"},
              "legal_entities": [{"id": "UK01", "currency": "GBP", "countries": ["GB"]}],
              "sources": dict(sources)}
    (root / "workspace.toml").write_text(tomli_w.dumps(config), encoding="utf-8")
    return root


def pull(root: Path, handler: Any, env: Mapping[str, str], clock: FakeClock | None = None, **kw: Any) -> PullReport:
    clock = clock or FakeClock()
    return pull_workspace(root, environ=env, transport=httpx.MockTransport(handler), sleep=clock.sleep,
                          clock=clock, **kw)


def read_back(root: Path, source: str, reader: str, options: Mapping[str, Any] | None = None) -> Any:
    """The reader's tables for the pulled pages of ``source``."""
    folder = root / "pulled" / source
    paths = sorted(p for p in folder.iterdir() if not p.name.startswith("."))
    return get_reader(reader).read(paths, ReadContext(workspace_id="ws", options=options or {}, source=source))


def files(root: Path, source: str) -> dict[str, bytes]:
    folder = root / "pulled" / source
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}
