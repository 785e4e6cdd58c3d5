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

import pyarrow.parquet as pq
from rich.console import Console

from bridgewatch.config import CONFIG_FILE, load_config
from bridgewatch.engine import Engine, open_engine
from bridgewatch.errors import BridgewatchError, ConfigError, EngineError, InputError
from bridgewatch.history import Store, store_url
from bridgewatch.ingest.accounting import Accounting
from bridgewatch.model.tables import TABLES
from bridgewatch.monitor import live_view, source_problems, stored_view
from bridgewatch.report.output import ResultView, write_results
from bridgewatch.report.result import CardSummary
from bridgewatch.results import Run, compute
from bridgewatch.results.run import CardRun
from bridgewatch.workspace import Workspace, load_workspace

log = logging.getLogger(__name__)

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

    @property
    def ok(self) -> bool:
        return self.error is None

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


# -- staged workspaces: canonical tables already written as Parquet ---------------------------------

STAGED_DIR = "canonical"
"""Folder (inside a workspace) holding its staged canonical tables, ``<table>.parquet``."""


ACCOUNTING_FILE = "ingest.json"
"""Written next to the staged tables: the ingest accounting of the load that produced them."""


def stage_workspace(ws: Workspace, out: Path | str | None = None) -> Path:
    """Write a loaded workspace's canonical tables as Parquet (default ``<workspace>/canonical``).

    The staged form is what big runs read: engines scan it in place (DuckDB views, Spark readers,
    object storage on a cluster) instead of holding every table in Python memory. The load's
    ingest accounting goes with it as ``ingest.json``, so what was used, excluded or quarantined
    stays on record.
    """
    target = Path(out) if out is not None else ws.config.root / STAGED_DIR
    target.mkdir(parents=True, exist_ok=True)
    for name, table in ws.tables.items():
        pq.write_table(table, target / f"{name}.parquet")
    accounting = {"workspace": ws.id, "files": ws.accounting.to_record()}
    (target / ACCOUNTING_FILE).write_text(json.dumps(accounting, indent=2, default=str) + "\n", encoding="utf-8")
    return target


def stage_many(source: Path | str, tables_root: str | None = None) -> list[tuple[str, Path]]:
    """Load every workspace ``source`` names and stage it: ``<tables_root>/<id>/`` or ``<workspace>/canonical``.

    Raises:
        ConfigError / InputError: the first workspace that cannot be loaded (staging is a
        preparation step, so it stops rather than leaving a partial set unnoticed).
    """
    if tables_root and "://" in tables_root:
        raise ConfigError(f"stage writes local folders, not {tables_root}; stage to a folder and copy it to "
                          f"object storage (aws s3 sync, azcopy, gsutil rsync), then batch --tables-root "
                          f"{tables_root}.")
    staged = []
    for folder in find_workspaces(source):
        ws = load_workspace(folder)
        out = Path(tables_root) / ws.id if tables_root else None
        staged.append((ws.id, stage_workspace(ws, out)))
    return staged


def staged_tables(config_root: Path, workspace_id: str, tables_root: str | None) -> str:
    """Where a workspace's staged tables are: ``<tables_root>/<id>`` or ``<workspace>/canonical``."""
    return f"{tables_root.rstrip('/')}/{workspace_id}" if tables_root else str(config_root / STAGED_DIR)


def staged_workspace(root: Path | str, tables_root: str | None = None) -> Workspace:
    """A workspace whose tables are its staged Parquet files (see :func:`staged_tables`).

    ``tables_root`` may be an object-storage URI (``s3a://bucket/bw``) that only the engine reads;
    a local folder is checked here, so a missing table, or tables staged under another workspace
    id (they would silently match nothing), are reported up front.

    Raises:
        ConfigError: the configuration is invalid.
        InputError: a local staged folder lacks a table, or was staged for another workspace.
    """
    config = load_config(root)
    base = staged_tables(config.root, config.id, tables_root)
    paths = {t.name: f"{base.rstrip('/')}/{t.name}.parquet" for t in TABLES}
    if "://" in base:
        return Workspace(config, paths)
    missing = [p for p in paths.values() if not Path(p).is_file()]
    if missing:
        raise InputError(f"Workspace '{config.id}' is not staged: missing {', '.join(missing)}. "
                         f"Stage it first: bridgewatch stage -w {config.root}.")
    return Workspace(config, paths, _staged_accounting(Path(base), config.id))


def _staged_accounting(base: Path, workspace_id: str) -> Accounting:
    """The ingest accounting stored with the staged tables (empty when the file is absent).

    Raises:
        InputError: the record is unreadable, or names another workspace id than the config.
    """
    record = base / ACCOUNTING_FILE
    if not record.is_file():
        return Accounting()
    try:
        data = json.loads(record.read_text(encoding="utf-8"))
        staged_id, accounting = data["workspace"], Accounting.from_record(data["files"])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{record}: not an ingest accounting written by bridgewatch stage ({exc}); "
                         f"stage the workspace again.") from exc
    if staged_id != workspace_id:
        raise InputError(f"{base} was staged for workspace '{staged_id}', but workspace.toml now says "
                         f"'{workspace_id}'; its rows would match nothing. Stage the workspace again.")
    return accounting


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
        try:
            ws = staged_workspace(folder, tables_root) if staged else load_workspace(folder)
        except BridgewatchError as exc:
            loaded.append(WorkspaceRun(folder.name, folder, error=exc))
            continue
        if ws.id in seen:
            loaded.append(WorkspaceRun(ws.id, folder, error=ConfigError(
                f"{folder}: workspace id '{ws.id}' is already used by {seen[ws.id]}; "
                f"give each workspace its own [workspace] id.")))
            continue
        seen[ws.id] = folder
        loaded.append(ws)
    return loaded


Handler = Callable[["WorkspaceRun"], "WorkspaceRun"]
"""Called with each workspace's results while its worklists can still be read (write them, store them)."""


def compute_batch(workspaces: Sequence[Workspace], *, engine: Engine, cards: Sequence[str] | None = None,
                  as_of: datetime | None = None, handle: Handler | None = None) -> list[WorkspaceRun]:
    """Every workspace's cards in one pass; if the pass itself fails, isolate the workspace(s) to blame.

    A failing SQL step fails the pass for everyone, so only then are workspaces computed one by
    one: the ones that work still get results, the others carry the engine error. ``handle`` sees
    each workspace's results before the engine moves on (a later pass replaces the card tables).
    """
    handle = handle or (lambda r: r)
    try:
        run = compute(workspaces, engine=engine, cards=cards, as_of=as_of, on_error="collect",
                      pull_problems=source_problems)
    except EngineError as exc:
        if len(workspaces) == 1:
            return [handle(WorkspaceRun(workspaces[0].id, workspaces[0].config.root, error=exc,
                                        engine=engine.dialect.name))]
        log.warning("batch pass failed (%s); computing workspaces one by one", exc)
        return [r for ws in workspaces for r in compute_batch([ws], engine=engine, cards=cards, as_of=as_of,
                                                              handle=handle)]
    return [handle(_run_of(ws, run)) for ws in workspaces]


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
    runs = tuple(w if isinstance(w, WorkspaceRun) else done[w.id] for w in loaded)
    timings = {"load_s": load_s, "compute_s": time.perf_counter() - started - load_s}
    return Batch(runs, engine.dialect.name, timings)


def _run_of(ws: Workspace, run: Run) -> WorkspaceRun:
    return WorkspaceRun(ws.id, ws.config.root, tuple(run.for_workspace(ws.id)), run.errors.get(ws.id),
                        started_at=run.started_at, engine=run.engine.dialect.name)


# -- writing -------------------------------------------------------------------------------------------

def writer(out: Path | str, fmt: str = "json", *, store_for: StoreUrl | None = None) -> Handler:
    """A handler that stores each workspace's run (when ``store_for`` gives its store) and writes
    ``OUT/<workspace>.<fmt>``: read back from the store when stored (so it equals ``bridgewatch show``),
    else streamed from the engine."""
    if fmt not in OUTPUT_FORMATS:
        raise ConfigError(f"Unknown batch output format '{fmt}'; use one of {', '.join(OUTPUT_FORMATS)}.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)

    def handle(run: WorkspaceRun) -> WorkspaceRun:
        if store_for is None:
            return _write(run, [live_view(r) for r in run.results], out, fmt) if run.ok else run
        with Store(store_for(run)) as store:
            if not run.ok:
                _record_failure(store, run)
                return run
            stored = store.save_workspace(run.results[0].workspace, run.results, started_at=run.started_at,
                                          finished_at=_now(), engine_name=run.engine)
            return _write(run, [stored_view(store, s) for s in stored], out, fmt)

    return handle


def _write(run: WorkspaceRun, views: list[ResultView], out: Path, fmt: str) -> WorkspaceRun:
    path = out / f"{run.name}.{fmt}"
    with path.open("w", newline="", encoding="utf-8") as fh:
        write_results(views, fmt, fh=fh, console=Console(file=fh))
    return replace(run, output=path, summaries_=tuple(v.summary for v in views))


def _record_failure(store: Store, run: WorkspaceRun) -> None:
    if run.folder is None:
        return
    try:
        config = load_config(run.folder)
    except BridgewatchError:
        return  # no readable configuration: nothing to attach the failure to
    store.record_failure(config, str(run.error), started_at=run.started_at, engine_name=run.engine)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


StoreUrl = Callable[[WorkspaceRun], str]
"""Given a workspace's run, the URL of the store it is saved to."""


def store_urls(override: str | None, environ: Mapping[str, str]) -> StoreUrl:
    """Each workspace's store: ``override`` (one store for the group) or its own (``[history]`` / default)."""
    def url(run: WorkspaceRun) -> str:
        return store_url(load_config(run.folder or Path(run.name)), override=override, environ=environ)

    return url


def write_summary(batch: Batch, out: Path | str) -> None:
    """``OUT/batch.json``: every workspace's status, cards, counts, blocked value or error."""
    (Path(out) / "batch.json").write_text(json.dumps(summary(batch), indent=2) + "\n", encoding="utf-8")


def summary(batch: Batch) -> dict[str, object]:
    """The batch as plain data: per workspace its status, cards, counts, blocked value or error."""
    return {
        "engine": batch.engine,
        "workspaces": len(batch.runs),
        "failed": len(batch.failed),
        "timings": {k: round(v, 3) for k, v in batch.timings.items()},
        "runs": [_run_summary(r) for r in batch.runs],
    }


def _run_summary(run: WorkspaceRun) -> dict[str, object]:
    base: dict[str, object] = {"workspace": run.name, "folder": str(run.folder) if run.folder else None,
                               "status": "ok" if run.ok else "failed"}
    if not run.ok:
        return base | {"error_type": type(run.error).__name__, "error": str(run.error)}
    cards = [{"card": s.card, "count": s.count, "alert": s.alert.fired, "alert_state": s.alert.state,
              "freshness": s.freshness.status, "reporting_currency": s.reporting_currency,
              "blocked_value_reporting": f"{s.blocked_value_reporting:.2f}", "run_id": s.run.run_id}
             for s in run.summaries]
    return base | {"output": str(run.output) if run.output else None, "cards": cards}


def summary_lines(batch: Batch) -> list[str]:
    """A plain-text summary: one line per workspace, then the totals."""
    lines = []
    for run in batch.runs:
        if run.ok:
            cards = "; ".join(f"{s.card}: {s.count} absent, {s.reporting_currency} {s.blocked_value_reporting:,.2f} "
                              f"blocked{_state_note(s.alert.state)}" for s in run.summaries)
            lines.append(f"ok      {run.name}: {cards or 'no cards'}" + (f" -> {run.output}" if run.output else ""))
        else:
            lines.append(f"FAILED  {run.name}: {type(run.error).__name__}: {run.error}")
    timing = ", ".join(f"{k.removesuffix('_s')} {v:.1f}s" for k, v in batch.timings.items())
    lines.append(f"{len(batch.runs) - len(batch.failed)} of {len(batch.runs)} workspace(s) computed on "
                 f"{batch.engine} ({timing}); {len(batch.failed)} failed.")
    return lines


def _state_note(state: str) -> str:
    return {"firing": " (ALERT)", "unknown": " (STALE: alert state unknown)"}.get(state, "")


def run_and_write(source: Path | str, out: Path | str, *, engine: str = "duckdb", spark_master: str | None = None,
                  fmt: str = "json", cards: Sequence[str] | None = None, as_of: datetime | None = None,
                  staged: bool = False, tables_root: str | None = None, store_for: StoreUrl | None = None) -> Batch:
    """What ``bridgewatch batch`` does: open the engine, compute every workspace in one pass, store and write.

    Raises:
        ConfigError: ``source`` names no workspace, or ``fmt`` is unknown (before any work is done).
    """
    handle = writer(out, fmt, store_for=store_for)
    folders = find_workspaces(source)
    with open_engine(engine, spark_master=spark_master) as opened:
        batch = run_batch(folders, engine=opened, cards=cards, as_of=as_of, staged=staged, tables_root=tables_root,
                          handle=handle)
    write_summary(batch, out)
    return batch
