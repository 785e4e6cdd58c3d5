"""Pull history per source, for freshness: when the data on disk was pulled, and how the last try went.

``<workspace>/.bridgewatch/pulls.json`` records each source's last attempt (start, end, error);
the time the data now on disk was pulled comes from the current generation's manifest, so the two
can never disagree about what readers see. :func:`pull_status` is what a result's freshness reads:
a source whose last attempt failed or was interrupted after its last success is *stale* — its
previous data is still read, and must be shown as old, never as new.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from bridgewatch.config import WorkspaceConfig, load_config
from bridgewatch.connectors.store import STATE_DIR, PageStore, sync_dir, write_synced
from bridgewatch.errors import ConnectorError

STATE_FILE = "pulls.json"
LOCK_FILE = "pull.lock"
State = Literal["fresh", "failed", "interrupted", "running", "never"]


@dataclass(frozen=True)
class PullStatus:
    """Freshness of one pulled source."""

    source: str
    state: State
    """fresh: the last attempt succeeded; failed / interrupted: it did not, the data is from
    ``last_success``; running: a pull of the workspace is running now (the data is still the previous
    pull's, or none); never: nothing pulled yet (or only failed attempts)."""
    last_success: datetime | None
    """When the data the readers now see was pulled (UTC)."""
    last_attempt: datetime | None
    last_error: str | None
    records: dict[str, int] = field(default_factory=dict)

    @property
    def stale(self) -> bool:
        return self.state != "fresh"

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "state": self.state, "stale": self.stale,
                "last_success": _iso(self.last_success), "last_attempt": _iso(self.last_attempt),
                "last_error": self.last_error, "records": self.records}


def pull_status(root: Path | str, config: WorkspaceConfig | None = None) -> dict[str, PullStatus]:
    """The freshness of every ``[sources.<name>.api]`` source of the workspace at ``root``."""
    config = config or load_config(root)
    history = read_history(config.root)
    running = pull_running(config.root)
    out = {}
    for name, spec in config.sources.items():
        if spec.api is None:
            continue
        manifest = PageStore(config.root, name, spec.path).current()
        out[name] = _status(name, history.get(name, {}), manifest.pulled_at if manifest else None,
                            manifest.totals() if manifest else {}, running)
    return out


def _status(name: str, h: dict[str, Any], pulled_at: str | None, records: dict[str, int],
            running: bool = False) -> PullStatus:
    success = _time(pulled_at)
    started, ended, error = _time(h.get("started")), _time(h.get("finished")), h.get("error")
    state: State
    if started is None or (success is not None and started <= success):
        state = "fresh" if success else "never"
    elif ended is None or ended < started:
        state = "running" if running else ("interrupted" if success else "never")
    else:
        state = ("failed" if success else "never") if error else "fresh"
    return PullStatus(name, state, success, started, error if state in ("failed", "never") else None, records)


def read_history(root: Path) -> dict[str, dict[str, Any]]:
    path = root / STATE_DIR / STATE_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return dict(raw.get("sources", {}))


def record_attempt(root: Path, source: str, **fields: str | None) -> None:
    """Merge ``fields`` (started, finished, error) into the source's history, atomically."""
    history = read_history(root)
    history[source] = {**history.get(source, {}), **fields}
    folder = root / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".{STATE_FILE}.{os.getpid()}"
    write_synced(temp, json.dumps({"sources": history}, indent=1, sort_keys=True).encode())
    os.replace(temp, folder / STATE_FILE)
    sync_dir(folder)


@contextmanager
def pull_lock(root: Path) -> Iterator[None]:
    """One pull per workspace at a time.

    Raises:
        ConnectorError: another pull of this workspace is running.
    """
    folder = root / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConnectorError(f"another bridgewatch pull of {root} is running; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def pull_running(root: Path) -> bool:
    """True while a pull of the workspace at ``root`` holds its lock (:func:`pull_lock`), in any process."""
    try:
        with open(root / STATE_DIR / LOCK_FILE, "rb") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
    except OSError:
        return False  # no lock file (never pulled) or none this user may open: no pull is known to run
    return False


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
