"""``bridgewatch watch``: keep workspaces current: every period, for each workspace, (pull →) run → store → alert.

* **One watcher per workspace.** A cycle holds ``<workspace>/.bridgewatch/watch.lock`` (an exclusive
  ``flock``, released by the kernel if the process dies) while it runs the workspace; a second watcher
  finds it taken and skips that workspace for the cycle.
* **Clean stop.** SIGINT or SIGTERM lets the current cycle finish (its run stored, its alerts sent),
  then the loop ends; the wait between cycles is interrupted at once.
* **A missed cycle runs once.** When a cycle overruns the period (or the machine slept), the next one
  starts at once, and the cadence continues from there: never a burst of catch-up cycles.
* **One line per cycle**: duration, and per workspace and card the count, alert state and freshness,
  and what alerting did.
* **One workspace cannot stop the rest.** Whatever one workspace's cycle raises (bad input, an OS error
  such as permission denied, even a bridgewatch bug) is recorded as a failed run when the store can
  take it, shown as ``FAILED (…)`` in the cycle line, and the other workspaces and the next cycle run.
  A ``workspace.toml`` that this watch read before and can no longer read (removed, unreadable, invalid)
  is a failed run too, in the store and for the receivers of its last good read; one never read has no
  workspace id or store to record it in, so only the cycle line says it.
* **Pull.** Before each workspace's run, :func:`connector_pull` fetches its ``[sources.<name>.api]``
  sources (``bridgewatch pull``); a workspace without API sources is read as it is. A source that could
  not be refreshed (or a pull that could not start) makes the result stale, with the reason, so its
  alert goes ``unknown`` instead of reading old data as new.
"""

from __future__ import annotations

import fcntl
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from bridgewatch.engine import EngineChoice
from bridgewatch.errors import BridgewatchError, InternalError, StoreError, translate

log = logging.getLogger("bridgewatch.watch")
LOCK_FILE = "watch.lock"
Pull = Callable[[Path], Sequence[str]]
"""Refresh a workspace's inputs; returns a problem per source that could not be refreshed."""


@dataclass
class WorkspaceCycle:
    """What one cycle did for one workspace."""

    folder: Path
    workspace: str | None = None
    cards: list[tuple[str, int, str, str]] = field(default_factory=list)
    """(card, count, alert state, freshness) per card."""
    alerts: str | None = None
    error: str | None = None
    failure: BridgewatchError | None = None
    """The error ``error`` is the first line of (its ``exit_code`` gives ``watch --cycles``'s)."""
    skipped: str | None = None

    def failed(self, error: BridgewatchError) -> None:
        self.failure, self.error = error, _first_line(error)

    def describe(self) -> str:
        name = self.workspace or self.folder.name
        if self.skipped:
            return f"{name}: skipped ({self.skipped})"
        if self.error and not self.cards:
            return f"{name}: FAILED ({self.error})"
        cards = ", ".join(f"{card} {count} {state} ({fresh})" for card, count, state, fresh in self.cards)
        return f"{name}: {cards}" + (f"; {self.alerts}" if self.alerts else "")


@dataclass
class Watcher:
    """Runs workspaces on a schedule; see the module docstring."""

    folders: Sequence[Path]
    every: timedelta
    environ: Mapping[str, str]
    engine: str | EngineChoice = "duckdb"
    """The engine each cycle opens: a name, or an :class:`~bridgewatch.engine.EngineChoice` with its options."""
    history_url: str | None = None
    alerts: bool = True
    pull: Pull | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    say: Callable[[str], None] = log.info
    missed: int = 0
    """Cycles skipped while the last one overran (reported on the next cycle's line, then reset)."""
    known: dict[Path, Any] = field(default_factory=dict)
    """The last ``workspace.toml`` read per folder (a ``WorkspaceConfig``): when it can no longer be read, its
    workspace id, store and receivers are those of the last good read."""

    def run(self, *, cycles: int | None = None, on_cycle: Callable[[int, list[WorkspaceCycle]], None] | None = None
            ) -> int:
        """Run cycles until stopped (or ``cycles`` have run); returns how many ran."""
        period, done = self.every.total_seconds(), 0
        due = time.monotonic()
        while not self.stop.is_set():
            results = self.cycle(done + 1)
            done += 1
            if on_cycle is not None:
                on_cycle(done, results)
            if self.stop.is_set() or (cycles is not None and done >= cycles):
                break
            due = self._next(due, period)
            self.stop.wait(max(0.0, due - time.monotonic()))
        return done

    def _next(self, due: float, period: float) -> float:
        due += period
        now = time.monotonic()
        if due <= now:
            self.missed = int((now - due) // period) + 1 if period > 0 else 0
            return now
        return due

    def cycle(self, number: int) -> list[WorkspaceCycle]:
        """One pass over every workspace, and its one log line."""
        started = time.monotonic()
        results = [self.workspace(folder) for folder in self.folders]
        seconds = time.monotonic() - started
        missed, self.missed = self.missed, 0
        late = f" (run once for {missed} missed)" if missed else ""
        self.say(f"cycle {number} {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ} {seconds:.1f}s{late} | "
                 + " | ".join(r.describe() for r in results))
        return results

    def workspace(self, folder: Path) -> WorkspaceCycle:
        result = WorkspaceCycle(folder)
        try:
            with workspace_lock(folder) as held:
                if not held:
                    result.skipped = "another watcher is running it"
                    return result
                self._run(folder, result)
        except Exception as exc:  # noqa: BLE001 - one workspace must never stop the others (docs/operations.md)
            result.failed(_failure(exc, f"watching {folder}"))
        return result

    def _run(self, folder: Path, result: WorkspaceCycle) -> None:
        from bridgewatch.config import load_config
        from bridgewatch.history import Store, store_url

        try:
            config = load_config(folder)
        except Exception as exc:  # noqa: BLE001 - re-raised unless the folder was read before
            if folder not in self.known:
                raise  # never read: no workspace id nor store to record the failure in (the cycle line says it)
            self._unreadable(folder, self.known[folder], exc, result)
            return
        self.known[folder] = config
        result.workspace = config.id
        with Store(store_url(config, override=self.history_url, environ=self.environ)) as store:
            self._compute(folder, config, store, result)
            if self.alerts:
                self._alert(store, config, result)

    def _unreadable(self, folder: Path, config: Any, exc: Exception, result: WorkspaceCycle) -> None:
        """A ``workspace.toml`` that was read before and no longer can be (gone, unreadable, invalid): the monitor is
        blind for that workspace, so a failed run is recorded in its store (as the last good read names it) and its
        receivers, as configured then, are told."""
        from bridgewatch.history import Store, store_url

        started = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        error = _failure(exc, f"reading workspace '{config.id}' ({folder / 'workspace.toml'})")
        result.workspace = config.id
        result.failed(error)
        with Store(store_url(config, override=self.history_url, environ=self.environ)) as store:
            store.record_failure(config, str(error), started_at=started, engine_name=self._engine_name)
            if self.alerts:
                self._alert(store, config, result)

    def _compute(self, folder: Path, config: Any, store: Any, result: WorkspaceCycle) -> None:
        from bridgewatch.engine import open_engine
        from bridgewatch.monitor import run_workspace, source_problems
        from bridgewatch.workspace import load_workspace

        started = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        try:
            problems = list(self.pull(folder)) if self.pull is not None else []
            with open_engine(self.engine) as engine:
                also = (lambda ws, as_of: [*source_problems(ws, as_of), *problems]) if problems else None
                done = run_workspace(load_workspace(folder), engine=engine, store=store, pull_problems=also)
            result.cards = [(s.card, s.count, s.alert_state, s.freshness) for s in done.stored]
        except StoreError:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded as a failed run; the watch goes on
            error = _failure(exc, f"running workspace '{config.id}'")
            result.failed(error)
            store.record_failure(config, str(error), started_at=started, engine_name=self._engine_name)

    @property
    def _engine_name(self) -> str:
        return self.engine if isinstance(self.engine, str) else self.engine.name

    def _alert(self, store: Any, config: Any, result: WorkspaceCycle) -> None:
        from bridgewatch.alerts.notify import configured, notify

        if not configured(config):
            return
        try:
            result.alerts = notify(store, config, environ=self.environ).line()
        except Exception as exc:  # noqa: BLE001 - the run is stored; alerting is tried again next cycle
            result.alerts = f"alerts not evaluated: {_first_line(_failure(exc, 'evaluating the alerts'))}"


def _failure(exc: Exception, doing: str) -> BridgewatchError:
    """``exc`` as a bridgewatch error (an OSError as the environment, anything unforeseen as a bug, logged with
    its traceback at debug level)."""
    error = translate(exc, doing)
    if isinstance(error, InternalError):
        log.debug("%s", error, exc_info=exc)
    return error


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]


def connector_pull(environ: Mapping[str, str]) -> Pull:
    """The connectors' pull as a watch step. Sources that fail are recorded in their pull status, which every
    run reads (``monitor.source_problems``); a pull that could not start at all is returned as a problem."""
    def pull(folder: Path) -> list[str]:
        from bridgewatch.config import load_config
        from bridgewatch.connectors import pull_workspace

        config = load_config(folder)
        if not any(spec.api is not None for spec in config.sources.values()):
            return []
        try:
            pull_workspace(folder, environ=environ)  # a source that fails is in its pull status: the result is stale
        except BridgewatchError as exc:
            return [f"the API sources could not be pulled: {str(exc).splitlines()[0]}"]
        return []
    return pull


@contextmanager
def workspace_lock(folder: Path) -> Iterator[bool]:
    """Hold the workspace's watch lock (yields False when another process holds it)."""
    path = Path(folder) / ".bridgewatch" / LOCK_FILE
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise BridgewatchError(f"cannot create the watch lock {path}: {exc.strerror}; check the folder's "
                               f"permissions.") from None
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def stop_on_signals(stop: threading.Event, say: Callable[[str], None] = log.info) -> Iterator[None]:
    """While inside, SIGINT and SIGTERM set ``stop`` (the current cycle finishes) instead of killing the process.

    The handler runs in the main thread between two of its bytecodes, possibly while that thread holds the
    event's own lock (entering ``stop.wait``): setting the event there would wait for that lock forever.
    So a short thread sets it, once the main thread has let the lock go.
    """
    def handler(signum: int, _frame: FrameType | None) -> None:
        if not stop.is_set():
            say(f"watch: {signal.Signals(signum).name} received; stopping after the current cycle")
        threading.Thread(target=stop.set, name="watch-stop", daemon=True).start()

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)
