"""Many workspaces, one pass: load them all, compute every card in one SQL pass, write one result each.

A group with many brands and entities runs ``bridgewatch batch``: the workspaces' tables are
stacked (``workspace_id`` is a column throughout the card SQL), so DuckDB or Spark plans one job
instead of one per workspace. A workspace that cannot be loaded or computed is reported with its
error and left out; the others are still computed and written.
"""

from __future__ import annotations

import json
import logging
import time
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from bridgewatch.atomic import atomic_dir, os_errors
from bridgewatch.config import CONFIG_FILE, card_fit_warning, load_config
from bridgewatch.engine import Engine, EngineChoice, open_engine
from bridgewatch.errors import (
    BridgewatchError,
    ConfigError,
    EngineError,
    EnvironmentProblem,
    InternalError,
    translate,
)
from bridgewatch.inputs import check_readable
from bridgewatch.model.money import places, text
from bridgewatch.monitor import live_view, shown_view, source_problems
from bridgewatch.report.output import ResultView, write_results
from bridgewatch.report.result import CardSummary
from bridgewatch.results import Run, compute
from bridgewatch.results.run import CardRun
from bridgewatch.staging import (  # noqa: F401  (re-exported: staging used to live here)
    ACCOUNTING_FILE,
    STAGED_DIR,
    stage_many,
    stage_workspace,
    staged_tables,
    staged_workspace,
)
from bridgewatch.workspace import Workspace, load_workspace

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only by a batch that stores: `batch --no-store` never needs it
    from bridgewatch.history import Store

log = logging.getLogger(__name__)

STALE_EXIT = 6
"""Exit code when a workspace's data is stale or missing (as ``run``; ``--allow-stale`` gives 0)."""
OUTPUT_FORMATS = ("json", "csv")
"""How each workspace's results are written (``OUT/<workspace>.<format>``)."""


@dataclass(frozen=True)
class WorkspaceRun:
    """What happened to one workspace of a batch."""

    name: str
    """The workspace id, or the folder name when its configuration could not be read."""
    folder: Path | None
    results: tuple[CardRun, ...] = ()
    error: BridgewatchError | None = None
    output: Path | None = None
    started_at: datetime = field(default_factory=lambda: _now())
    engine: str = "duckdb"
    summaries_: tuple[CardSummary, ...] | None = None
    """The summaries as written (with their place in the history when stored)."""
    warnings: tuple[str, ...] = ()
    """E.g. a card run on a workspace whose ERP it is not made for."""
    as_of: datetime | None = None
    """The as-of the batch asked for (``--as-of``), if any: a failure of a backfill is stored as one."""

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def stale(self) -> bool:
        """Computed, but at least one card's data is stale or missing (its alert state is unknown)."""
        return self.ok and any(s.freshness.status != "fresh" for s in self.summaries)

    @property
    def summaries(self) -> tuple[CardSummary, ...]:
        return self.summaries_ if self.summaries_ is not None else tuple(r.summary for r in self.results)


@dataclass(frozen=True)
class Batch:
    """The outcome of one batch: a run per workspace, in the order they were listed."""

    runs: tuple[WorkspaceRun, ...]
    engine: str
    timings: dict[str, float] = field(default_factory=dict)
    """Seconds spent loading, computing and writing."""

    @property
    def failed(self) -> tuple[WorkspaceRun, ...]:
        return tuple(r for r in self.runs if not r.ok)

    @property
    def stale(self) -> tuple[WorkspaceRun, ...]:
        return tuple(r for r in self.runs if r.stale)

    @property
    def exit_code(self) -> int:
        """0 when every workspace was computed on fresh data; else a failure's code (see :func:`exit_code`),
        else 6 when a workspace's data is stale or missing, as ``run`` does (see :meth:`failed_code`)."""
        return self.failed_code or (STALE_EXIT if self.stale else 0)

    @property
    def failed_code(self) -> int:
        """The exit code for the failed workspaces alone (what ``batch --allow-stale`` exits with)."""
        return exit_code([r.error for r in self.failed if r.error is not None])


def exit_code(errors: Sequence[BridgewatchError]) -> int:
    """The exit code for a group with these failures: a bug (1) outranks the machine (8), then the highest."""
    codes = {e.exit_code for e in errors}
    return next((c for c in (InternalError.exit_code, EnvironmentProblem.exit_code) if c in codes),
                max(codes, default=0))


# -- finding workspaces ----------------------------------------------------------------------------

def find_workspaces(source: Path | str) -> list[Path]:
    """The workspace folders named by ``source``.

    ``source`` is a folder holding ``workspace.toml`` (one workspace), a folder whose subfolders
    hold one each, or a manifest: a TOML file with ``workspaces = ["path", ...]`` or a text file
    with one path per line (``#`` starts a comment). Manifest paths are relative to the manifest.

    Raises:
        ConfigError: ``source`` does not exist, or names no workspace.
    """
    source = Path(source)
    with os_errors(f"listing the workspaces in {source}"):
        return _workspace_folders(source)


def _workspace_folders(source: Path) -> list[Path]:
    if source.is_dir():
        folders = [source] if (source / CONFIG_FILE).is_file() else sorted(
            p for p in source.iterdir() if (p / CONFIG_FILE).is_file())
    elif source.is_file():
        folders = [(source.parent / p) for p in _manifest_entries(source)]
    else:
        raise ConfigError(f"{source} does not exist; give a folder of workspaces or a manifest file.")
    if not folders:
        raise ConfigError(f"{source} names no workspace: no {CONFIG_FILE} in it or in its subfolders.")
    return folders


def _manifest_entries(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".toml":
        try:
            entries = tomllib.loads(text).get("workspaces")
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc}).") from exc
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ConfigError(f'{path}: expected workspaces = ["folder", ...].')
        return entries
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


# -- loading and computing ---------------------------------------------------------------------

def load_many(folders: Sequence[Path], *, staged: bool = False,
              tables_root: str | None = None) -> list[Workspace | WorkspaceRun]:
    """Load every folder, in order; a folder that fails (or reuses an earlier workspace id) becomes a failed run.

    With ``staged``, each workspace's tables are its staged Parquet (see :func:`staged_tables`),
    scanned by the engine, instead of its source files.
    """
    loaded: list[Workspace | WorkspaceRun] = []
    seen: dict[str, Path] = {}
    for folder in folders:
        ws = _load_one(folder, staged, tables_root)
        if isinstance(ws, WorkspaceRun):
            loaded.append(ws)
            continue
        if ws.id in seen:
            loaded.append(WorkspaceRun(ws.id, folder, error=ConfigError(
                f"{folder}: workspace id '{ws.id}' is already used by {seen[ws.id]}; "
                f"give each workspace its own [workspace] id.")))
            continue
        seen[ws.id] = folder
        loaded.append(ws)
    return loaded


def _load_one(folder: Path, staged: bool, tables_root: str | None) -> Workspace | WorkspaceRun:
    """One workspace, or a failed run: any error (a bug included) stays with this workspace."""
    try:
        if staged:
            return staged_workspace(folder, tables_root)
        check_readable(load_config(folder))
        return load_workspace(folder)
    except Exception as exc:  # noqa: BLE001 - one workspace's failure (a bug included) must not stop the others
        return WorkspaceRun(folder.name, folder, error=translate(exc, f"reading workspace {folder}"))


Handler = Callable[["WorkspaceRun"], "WorkspaceRun"]
"""Called with each workspace's results while its worklists can still be read (write them, store them)."""


def compute_batch(workspaces: Sequence[Workspace], *, engine: Engine, cards: Sequence[str] | None = None,
                  as_of: datetime | None = None, handle: Handler | None = None) -> list[WorkspaceRun]:
    """Every workspace's cards in one pass; if the pass itself fails, isolate the workspace(s) to blame.

    A failing SQL step (or an unreadable staged file, or a bug) fails the pass for everyone, so
    only then are workspaces computed one by one: the ones that work still get results, the others
    carry their error. Errors about the request itself (an unknown card) are raised. ``handle`` sees
    each workspace's results before the engine moves on (a later pass replaces the card tables).
    """
    handle = handle or (lambda r: r)
    try:
        run = compute(workspaces, engine=engine, cards=cards, as_of=as_of, on_error="collect",
                      pull_problems=source_problems)
    except (EngineError, OSError) as exc:
        failure: Exception = exc
    except BridgewatchError:
        raise
    except Exception as exc:  # noqa: BLE001 - isolate the workspace(s) to blame, below
        failure = exc
    else:
        return [handle(replace(_run_of(ws, run, cards), as_of=as_of)) for ws in workspaces]
    if len(workspaces) == 1:
        error = translate(failure, f"computing workspace '{workspaces[0].id}'")
        return [handle(WorkspaceRun(workspaces[0].id, workspaces[0].config.root, error=error,
                                    engine=engine.dialect.name, as_of=as_of))]
    log.warning("batch pass failed (%s); computing workspaces one by one", failure)
    return [r for ws in workspaces for r in compute_batch([ws], engine=engine, cards=cards, as_of=as_of,
                                                          handle=handle)]


def run_batch(source: Path | str | Sequence[Path], *, engine: Engine, cards: Sequence[str] | None = None,
              as_of: datetime | None = None, staged: bool = False, tables_root: str | None = None,
              handle: Handler | None = None) -> Batch:
    """Find, load and compute the workspaces named by ``source`` (see :func:`find_workspaces`)."""
    started = time.perf_counter()
    folders = find_workspaces(source) if isinstance(source, (str, Path)) else list(source)
    loaded = load_many(folders, staged=staged, tables_root=tables_root)
    workspaces = [w for w in loaded if isinstance(w, Workspace)]
    load_s = time.perf_counter() - started
    done = {r.name: r for r in compute_batch(workspaces, engine=engine, cards=cards, as_of=as_of,
                                             handle=handle)} if workspaces else {}
    handle = handle or (lambda r: r)
    runs = tuple(handle(replace(w, as_of=as_of)) if isinstance(w, WorkspaceRun) else done[w.id]
                 for w in loaded)  # failures are stored too
    timings = {"load_s": load_s, "compute_s": time.perf_counter() - started - load_s}
    return Batch(runs, engine.dialect.name, timings)


def _run_of(ws: Workspace, run: Run, cards: Sequence[str] | None) -> WorkspaceRun:
    warnings = tuple(w for c in (cards or ws.config.cards) if (w := card_fit_warning(ws.config, c)))
    return WorkspaceRun(ws.id, ws.config.root, tuple(run.for_workspace(ws.id)), run.errors.get(ws.id),
                        started_at=run.started_at, engine=run.engine.dialect.name, warnings=warnings)


# -- writing -------------------------------------------------------------------------------------------

def writer(out: Path | str, fmt: str = "json", *, store_for: StoreUrl | None = None,
           shown_as: Path | None = None) -> Handler:
    """A handler that stores each workspace's run (when ``store_for`` gives its store) and writes
    ``OUT/<workspace>.<fmt>``: read back from the store when stored (so it equals ``bridgewatch show``),
    else streamed from the engine. ``shown_as`` is the folder ``out`` will become (the results are
    written into a folder that is renamed into place when the batch is complete)."""
    check_format(fmt)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    final = shown_as or out

    def handle(run: WorkspaceRun) -> WorkspaceRun:
        try:
            return store_and_write(run)
        except BridgewatchError as exc:  # this workspace's store (or output) failed; the others go on
            return run if not run.ok else replace(run, error=exc, output=None)

    def store_and_write(run: WorkspaceRun) -> WorkspaceRun:
        if store_for is None:
            return _write(run, [live_view(r) for r in run.results], out, fmt, final) if run.ok else run
        from bridgewatch.history import Store

        with Store(store_for(run)) as store:
            if not run.ok:
                _record_failure(store, run)
                return run
            stored = store.save_workspace(run.results[0].workspace, run.results, started_at=run.started_at,
                                          finished_at=_now(), engine_name=run.engine)
            return _write(run, [shown_view(store, s, r) for s, r in zip(stored, run.results, strict=True)], out,
                          fmt, final)

    return handle


def check_format(fmt: str) -> None:
    """Raises ConfigError for a batch output format that does not exist."""
    if fmt not in OUTPUT_FORMATS:
        raise ConfigError(f"Unknown batch output format '{fmt}'; use one of {', '.join(OUTPUT_FORMATS)}.")


def _write(run: WorkspaceRun, views: list[ResultView], out: Path, fmt: str, final: Path) -> WorkspaceRun:
    name = f"{run.name}.{fmt}"
    with (out / name).open("w", newline="", encoding="utf-8") as fh:
        write_results(views, fmt, fh=fh, console=Console(file=fh))
    return replace(run, output=final / name, summaries_=tuple(v.summary for v in views))


def _record_failure(store: Store, run: WorkspaceRun) -> None:
    if run.folder is None:
        return
    try:
        config = load_config(run.folder)
    except BridgewatchError:
        return  # no readable configuration: nothing to attach the failure to
    store.record_failure(config, str(run.error), started_at=run.started_at, engine_name=run.engine, as_of=run.as_of)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


StoreUrl = Callable[[WorkspaceRun], str]
"""Given a workspace's run, the URL of the store it is saved to."""


def store_urls(override: str | None, environ: Mapping[str, str]) -> StoreUrl:
    """Each workspace's store: ``override`` (one store for the group) or its own (``[history]`` / default)."""
    from bridgewatch.history import store_url

    def url(run: WorkspaceRun) -> str:
        return store_url(load_config(run.folder or Path(run.name)), override=override, environ=environ)

    return url


BATCH_SUMMARY = "batch.json"
"""The status of every workspace of a batch, written into ``OUT`` with the results."""


def write_summary(batch: Batch, out: Path | str) -> None:
    """``OUT/batch.json``: every workspace's status, cards, counts, blocked value or error."""
    (Path(out) / BATCH_SUMMARY).write_text(json.dumps(summary(batch), indent=2) + "\n", encoding="utf-8")


def check_out_folder(out: Path) -> None:
    """Refuse to replace a folder that is not a batch output (a previous ``batch.json`` marks one).

    Raises:
        ConfigError: ``out`` is a file, or a folder holding other files.
    """
    with os_errors(f"checking the output folder {out}"):
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out {out} is a file; give a folder for the batch results.")
        if out.is_dir() and any(out.iterdir()) and not (out / BATCH_SUMMARY).is_file():
            raise ConfigError(f"--out {out} already holds files that are not batch results (no {BATCH_SUMMARY}); "
                              f"batch replaces its output folder whole, so give it a new or empty folder.")


def check_out_apart(out: Path, folders: Sequence[Path]) -> None:
    """Refuse an ``OUT`` that is the current folder or holds a workspace (replacing it would delete them).

    Raises:
        ConfigError: naming what ``OUT`` resolves to.
    """
    with os_errors(f"checking the output folder {out}"):
        where, here = out.resolve(), Path.cwd().resolve()
        held = [f for f in folders if where == f.resolve() or where in f.resolve().parents]
    if where == here or where in here.parents or held:
        what = f"holds the workspace {held[0]}" if held else "is the current folder or one above it"
        raise ConfigError(f"--out {out} ({where}) {what}; batch replaces its output folder whole, so give it a "
                          f"folder of its own, e.g. --out bridgewatch-results.")


def summary(batch: Batch) -> dict[str, object]:
    """The batch as plain data: per workspace its status, cards, counts, blocked value or error."""
    return {
        "engine": batch.engine,
        "workspaces": len(batch.runs),
        "failed": len(batch.failed),
        "stale": len(batch.stale),
        "timings": {k: round(v, 3) for k, v in batch.timings.items()},
        "runs": [_run_summary(r) for r in batch.runs],
    }


def _run_summary(run: WorkspaceRun) -> dict[str, object]:
    base: dict[str, object] = {"workspace": run.name, "folder": str(run.folder) if run.folder else None,
                               "status": "failed" if not run.ok else "stale" if run.stale else "ok",
                               "warnings": list(run.warnings)}
    if not run.ok:
        return base | {"error_type": type(run.error).__name__, "error": str(run.error)}
    cards = [{"card": s.card, "count": s.count, "alert": s.alert.fired, "alert_state": s.alert.state,
              "freshness": s.freshness.status, "reporting_currency": s.reporting_currency,
              "blocked_value_reporting": text(s.blocked_value_reporting, s.reporting_currency), "run_id": s.run.run_id}
             for s in run.summaries]
    return base | {"output": str(run.output) if run.output else None, "cards": cards}


def summary_lines(batch: Batch) -> list[str]:
    """A plain-text summary: one line per workspace, then the totals."""
    lines = []
    for run in batch.runs:
        if run.ok:
            cards = "; ".join(f"{s.card}: {s.count} absent, {s.reporting_currency} "
                              f"{s.blocked_value_reporting:,.{places(s.reporting_currency)}f} "
                              f"blocked{_state_note(s.alert.state)}" for s in run.summaries)
            lines.append(f"{'STALE' if run.stale else 'ok':8}{run.name}: {cards or 'no cards'}"
                         + (f" -> {run.output}" if run.output else ""))
            lines += [f"WARNING {run.name}: {w}" for w in run.warnings]
        else:
            lines.append(f"FAILED  {run.name}: {type(run.error).__name__}: {run.error}")
    timing = ", ".join(f"{k.removesuffix('_s')} {v:.1f}s" for k, v in batch.timings.items())
    lines.append(f"{len(batch.runs) - len(batch.failed)} of {len(batch.runs)} workspace(s) computed on "
                 f"{batch.engine} ({timing}); {len(batch.failed)} failed, {len(batch.stale)} on stale or no data.")
    return lines


def _state_note(state: str) -> str:
    return {"firing": " (ALERT)", "unknown": " (STALE: alert state unknown)"}.get(state, "")


def run_and_write(source: Path | str, out: Path | str, *, engine: str | EngineChoice = "duckdb",
                  spark_master: str | None = None,
                  fmt: str = "json", cards: Sequence[str] | None = None, as_of: datetime | None = None,
                  staged: bool = False, tables_root: str | None = None, store_for: StoreUrl | None = None) -> Batch:
    """What ``bridgewatch batch`` does: open the engine, compute every workspace in one pass, store and write.

    ``OUT`` is replaced whole (built aside, then swapped in), so it always holds one complete batch:
    a crash leaves the previous results, never a mix of old and new files. It must therefore be a
    folder bridgewatch owns: new, empty, or holding a previous batch.

    Raises:
        ConfigError: ``source`` names no workspace, ``fmt`` is unknown, or ``OUT`` holds other files
            (before any work is done).
        EnvironmentProblem: ``OUT`` cannot be written (permissions, disk full), or no Java for Spark.
    """
    check_format(fmt)
    out = Path(out)
    folders = find_workspaces(source)
    check_out_apart(out, folders)
    check_out_folder(out)
    with atomic_dir(out) as tmp:
        handle = writer(tmp, fmt, store_for=store_for, shown_as=out)
        with open_engine(engine, spark_master=spark_master) as opened:
            batch = run_batch(folders, engine=opened, cards=cards, as_of=as_of, staged=staged,
                              tables_root=tables_root, handle=handle)
        write_summary(batch, tmp)
    return batch
