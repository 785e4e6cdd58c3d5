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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from bridgewatch.atomic import atomic_dir, os_errors
from bridgewatch.cards.compute import Outcome, compute_all
from bridgewatch.config import CONFIG_FILE, card_fit_warning, load_config
from bridgewatch.engine import Engine, open_engine
from bridgewatch.errors import (
    BridgewatchError,
    ConfigError,
    EngineError,
    EnvironmentProblem,
    InternalError,
    translate,
)
from bridgewatch.inputs import check_readable
from bridgewatch.report.render import render_csv, render_json
from bridgewatch.report.result import CardResult
from bridgewatch.staging import (  # noqa: F401  (re-exported: staging used to live here)
    ACCOUNTING_FILE,
    STAGED_DIR,
    stage_many,
    stage_workspace,
    staged_tables,
    staged_workspace,
)
from bridgewatch.workspace import Workspace, load_workspace

log = logging.getLogger(__name__)

OUTPUT_FORMATS = {"json": render_json, "csv": render_csv}
"""How each workspace's results are written (``OUT/<workspace>.<format>``)."""


@dataclass(frozen=True)
class WorkspaceRun:
    """What happened to one workspace of a batch."""

    name: str
    """The workspace id, or the folder name when its configuration could not be read."""
    folder: Path | None
    results: tuple[CardResult, ...] = ()
    error: BridgewatchError | None = None
    output: Path | None = None
    warnings: tuple[str, ...] = ()
    """E.g. a card run on a workspace whose ERP it is not made for."""

    @property
    def ok(self) -> bool:
        return self.error is None


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
    def exit_code(self) -> int:
        """0 when every workspace was computed; else see :func:`exit_code`."""
        return exit_code([r.error for r in self.failed if r.error is not None])


def exit_code(errors: Sequence[BridgewatchError]) -> int:
    """The exit code for a group with these failures: a bug (1) outranks the machine (7), then the highest."""
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


def compute_batch(workspaces: Sequence[Workspace], *, engine: Engine, cards: Sequence[str] | None = None,
                  as_of: datetime | None = None) -> Outcome:
    """Every workspace's cards in one pass; if the pass itself fails, isolate the workspace(s) to blame.

    A failing SQL step (or an unreadable staged file, or a bug) fails the pass for everyone, so
    only then are workspaces computed one by one: the ones that work still get results, the others
    carry their error. Errors about the request itself (an unknown card) are raised.
    """
    try:
        return compute_all(workspaces, engine=engine, cards=cards, as_of=as_of)
    except (EngineError, OSError) as exc:
        failure: Exception = exc
    except BridgewatchError:
        raise
    except Exception as exc:  # noqa: BLE001 - isolate the workspace(s) to blame, below
        failure = exc
    if len(workspaces) == 1:
        return Outcome(errors={workspaces[0].id: translate(failure, f"computing workspace '{workspaces[0].id}'")})
    log.warning("batch pass failed (%s); computing workspaces one by one", failure)
    outcome = Outcome()
    for ws in workspaces:
        single = compute_batch([ws], engine=engine, cards=cards, as_of=as_of)
        outcome.results.extend(single.results)
        outcome.errors.update(single.errors)
    return outcome


def run_batch(source: Path | str | Sequence[Path], *, engine: Engine, cards: Sequence[str] | None = None,
              as_of: datetime | None = None, staged: bool = False, tables_root: str | None = None) -> Batch:
    """Find, load and compute the workspaces named by ``source`` (see :func:`find_workspaces`)."""
    started = time.perf_counter()
    folders = find_workspaces(source) if isinstance(source, (str, Path)) else list(source)
    loaded = load_many(folders, staged=staged, tables_root=tables_root)
    workspaces = [w for w in loaded if isinstance(w, Workspace)]
    load_s = time.perf_counter() - started
    outcome = compute_batch(workspaces, engine=engine, cards=cards, as_of=as_of) if workspaces else Outcome()
    runs = tuple(w if isinstance(w, WorkspaceRun) else _run_of(w, outcome, cards) for w in loaded)
    timings = {"load_s": load_s, "compute_s": time.perf_counter() - started - load_s}
    return Batch(runs, engine.dialect.name, timings)


def _run_of(ws: Workspace, outcome: Outcome, cards: Sequence[str] | None) -> WorkspaceRun:
    results = tuple(r for r in outcome.results if r.workspace == ws.id)
    warnings = tuple(w for c in (cards or ws.config.cards) if (w := card_fit_warning(ws.config, c)))
    return WorkspaceRun(ws.id, ws.config.root, results, outcome.errors.get(ws.id), warnings=warnings)


# -- writing -------------------------------------------------------------------------------------------

def write_batch(batch: Batch, out: Path | str, fmt: str = "json") -> Batch:
    """Write ``OUT/<workspace>.<fmt>`` per computed workspace and ``OUT/batch.json`` (every status).

    ``OUT`` is replaced whole (built aside, then swapped in), so it always holds one complete
    batch: a crash leaves the previous results, never a mix of old and new files. It must
    therefore be a folder bridgewatch owns: new, empty, or holding a previous batch.

    Raises:
        ConfigError: ``OUT`` holds files that are not a previous batch's.
        EnvironmentProblem: ``OUT`` cannot be written (permissions, disk full).
    """
    if fmt not in OUTPUT_FORMATS:
        raise ConfigError(f"Unknown batch output format '{fmt}'; use one of {', '.join(OUTPUT_FORMATS)}.")
    started = time.perf_counter()
    out = Path(out)
    check_out_folder(out)
    with atomic_dir(out) as tmp:
        runs = tuple(_write_run(run, tmp, out, fmt) for run in batch.runs)
        written = Batch(runs, batch.engine, {**batch.timings, "write_s": time.perf_counter() - started})
        (tmp / BATCH_SUMMARY).write_text(json.dumps(summary(written), indent=2) + "\n", encoding="utf-8")
    return written


BATCH_SUMMARY = "batch.json"
"""The status of every workspace of a batch, written into ``OUT`` with the results."""


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


def _write_run(run: WorkspaceRun, tmp: Path, out: Path, fmt: str) -> WorkspaceRun:
    if not run.ok:
        return run
    text = OUTPUT_FORMATS[fmt](run.results)
    (tmp / f"{run.name}.{fmt}").write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    return replace(run, output=out / f"{run.name}.{fmt}")


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
                               "status": "ok" if run.ok else "failed", "warnings": list(run.warnings)}
    if not run.ok:
        return base | {"error_type": type(run.error).__name__, "error": str(run.error)}
    cards = [{"card": r.card, "count": r.count, "alert": r.alert.fired, "reporting_currency": r.reporting_currency,
              "blocked_value_reporting": f"{r.blocked_value_reporting:.2f}"} for r in run.results]
    return base | {"output": str(run.output) if run.output else None, "cards": cards}


def summary_lines(batch: Batch) -> list[str]:
    """A plain-text summary: one line per workspace, then the totals."""
    lines = []
    for run in batch.runs:
        if run.ok:
            cards = "; ".join(f"{r.card}: {r.count} absent, {r.reporting_currency} {r.blocked_value_reporting:,.2f} "
                              f"blocked{' (ALERT)' if r.alert.fired else ''}" for r in run.results)
            lines.append(f"ok      {run.name}: {cards or 'no cards'}" + (f" -> {run.output}" if run.output else ""))
            lines += [f"WARNING {run.name}: {w}" for w in run.warnings]
        else:
            lines.append(f"FAILED  {run.name}: {type(run.error).__name__}: {run.error}")
    timing = ", ".join(f"{k.removesuffix('_s')} {v:.1f}s" for k, v in batch.timings.items())
    lines.append(f"{len(batch.runs) - len(batch.failed)} of {len(batch.runs)} workspace(s) computed on "
                 f"{batch.engine} ({timing}); {len(batch.failed)} failed.")
    return lines


def run_and_write(source: Path | str, out: Path | str, *, engine: str = "duckdb", spark_master: str | None = None,
                  fmt: str = "json", cards: Sequence[str] | None = None, as_of: datetime | None = None,
                  staged: bool = False, tables_root: str | None = None) -> Batch:
    """What ``bridgewatch batch`` does: open the engine, compute every workspace in one pass, write results.

    Raises:
        ConfigError: ``source`` names no workspace, or ``fmt`` is unknown (before any work is done).
    """
    if fmt not in OUTPUT_FORMATS:
        raise ConfigError(f"Unknown batch output format '{fmt}'; use one of {', '.join(OUTPUT_FORMATS)}.")
    check_out_folder(Path(out))
    folders = find_workspaces(source)
    opened = open_engine(engine, spark_master=spark_master)
    try:
        batch = run_batch(folders, engine=opened, cards=cards, as_of=as_of, staged=staged, tables_root=tables_root)
        return write_batch(batch, out, fmt)
    finally:
        opened.close()
