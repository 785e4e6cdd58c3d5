"""The engine contract and the pipeline of named SQL steps that every card is built from.

An engine implements four primitives (``register``, ``execute``, ``exists``, ``fetch``); the
orchestration (making each step the relation ``__bw__<step>``, debug printing, error wrapping)
is final here so that DuckDB and Spark cannot drift apart.

A step is materialised (a table, computed once) or a view (computed when read, so the engine can
fuse it into the query that reads it and push that query's filters into it). Views suit
relations that are read once, or only for one account at a time (the evidence ``explain``
shows); tables suit relations several later steps read in full.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridgewatch.engine.dialect import Dialect
from bridgewatch.errors import BridgewatchError, EngineError

log = logging.getLogger(__name__)

STEP_PREFIX = "__bw__"


@dataclass(frozen=True)
class Step:
    """One named SQL step; it becomes the relation ``__bw__<name>`` (written in the DuckDB dialect)."""

    name: str
    sql: str
    view: bool = False
    """Define a view (computed where it is read) instead of materialising a table."""
    prepared: bool = False
    """The result depends only on the relations in ``inputs`` (staged tables, settings, other prepared
    steps), not on the as-of time or window: an engine with a prepared store may keep and reuse it."""
    inputs: tuple[str, ...] = ()
    """For a prepared step: every relation its SQL reads."""

    @property
    def table(self) -> str:
        return f"{STEP_PREFIX}{self.name}"


class SqlPipeline:
    """An ordered list of steps; later steps refer to earlier ones as ``__bw__<name>``."""

    def __init__(self, steps: Iterable[Step] = ()) -> None:
        self.steps: list[Step] = list(steps)

    def add(self, *steps: Step) -> SqlPipeline:
        self.steps.extend(steps)
        return self

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.steps)


def parquet_paths(data: Any) -> list[str] | None:
    """The Parquet path(s) ``data`` names (a path, or a list of them), or None when it is in-memory data.

    Staged canonical tables are handed to engines this way so big inputs are scanned where they
    lie (local disk or object storage) instead of passing through Python.
    """
    items = data if isinstance(data, (list, tuple)) else [data]
    if items and all(isinstance(i, (str, Path)) for i in items):
        return [str(i) for i in items]
    return None


class Engine(ABC):
    """A SQL engine that can hold canonical tables and run pipelines over them."""

    dialect: Dialect
    debug: bool = False
    writes_csv: bool = False
    """True when :meth:`write_csv` writes files itself (else callers stream the rows and write them)."""
    repeatable: bool = False
    """True while the registered pass can be asked again exactly (every as-of time given, not the clock):
    an engine that keeps results may then keep its window-dependent steps too (see ``engine.prepared``)."""

    @property
    def keeps_steps(self) -> bool:
        """True when a table step run now would be kept for a later run (a repeatable pass with a store to keep it).

        A step read once is worth making a table only then; otherwise a view lets the engine pipeline it.
        """
        return False

    @abstractmethod
    def register(self, name: str, data: Any) -> None:
        """Make ``data`` available to SQL under ``name`` (replacing any previous one).

        ``data`` is an Arrow table, or Parquet path(s) (see :func:`parquet_paths`).
        """

    @abstractmethod
    def _execute(self, name: str, sql: str, view: bool = False) -> None:
        """Make the (already dialect-translated) ``sql`` the table ``name`` (a view with ``view``)."""

    @abstractmethod
    def exists(self, name: str) -> bool:
        """True when a table or view called ``name`` is registered."""

    @abstractmethod
    def _fetch(self, sql: str) -> list[dict[str, Any]]:
        """Run a (translated) query and return its rows as dicts."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources held by the engine."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def _write_parquet(self, sql: str, path: str) -> None:
        """Write the rows of a (translated) query as Parquet at ``path``, from the engine's own writer."""

    def write_parquet(self, sql: str, path: str) -> None:
        """Write a query's rows (DuckDB dialect) to Parquet without passing them through Python.

        DuckDB writes one file; Spark writes a folder of part files from its executors.
        """
        translated = self.dialect.translate(sql)
        try:
            self._write_parquet(translated, path)
        except BridgewatchError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._failed(f"Writing Parquet to {path}", exc, sql=translated) from exc

    def write_csv(self, sql: str, path: str) -> int | None:
        """Write a query's rows (DuckDB dialect, every column text) as CSV at ``path`` with the engine's own writer.

        The CSV is what Python's csv module writes for the same rows: a header, ``\\n`` line ends, a
        cell quoted only when it holds a comma, a quote or a line break, NULL as an empty cell.
        Returns the number of rows written, or None when the engine has no such writer (the caller then
        writes the rows itself).
        """
        return None

    # -- final orchestration ------------------------------------------------------------------
    def run(self, pipeline: SqlPipeline | Sequence[Step]) -> None:
        """Make every step's relation in order, wrapping failures with the step's name and SQL."""
        for step in pipeline:
            sql = self.dialect.translate(step.sql)
            log.info("step %s", step.name)
            log.debug("SQL for %s:\n%s", step.name, sql)
            try:
                self._execute_step(step, sql)
            except BridgewatchError:
                raise
            except Exception as exc:  # noqa: BLE001 - translated at this one boundary
                raise self._failed(f"SQL step '{step.name}'", exc, sql=sql, step=step.name) from exc
            if self.debug:
                self._print_sample(step)

    def _failed(self, doing: str, exc: Exception, *, sql: str, step: str | None = None) -> BridgewatchError:
        """The error to raise for ``exc``, met while ``doing`` (e.g. ``SQL step 'accounts'``); engines that
        can tell the machine's limits (memory) from a failed query override this."""
        return EngineError(f"{doing} failed on {self.dialect.name}: {exc}", step=step, sql=sql)

    def _execute_step(self, step: Step, sql: str) -> None:
        """Make ``step``'s relation from its translated ``sql``; engines with a prepared store override this."""
        self._execute(step.table, sql, step.view)

    def _stream(self, sql: str, batch: int) -> Iterator[dict[str, Any]]:
        """Rows of a (translated) query, a batch at a time; engines that can, override this."""
        yield from self._fetch(sql)

    def stream(self, sql: str, batch: int = 20_000) -> Iterator[dict[str, Any]]:
        """Like :meth:`fetch`, but rows are produced a batch at a time, for results too big to list at once."""
        translated = self.dialect.translate(sql)
        try:
            yield from self._stream(translated, batch)
        except BridgewatchError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._failed("Query", exc, sql=translated) from exc

    def fetch(self, sql: str) -> list[dict[str, Any]]:
        """Run a query written in the DuckDB dialect and return its rows."""
        translated = self.dialect.translate(sql)
        try:
            return self._fetch(translated)
        except BridgewatchError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise self._failed("Query", exc, sql=translated) from exc

    def rows(self, table: str, order_by: str | None = None) -> list[dict[str, Any]]:
        """All rows of a table, optionally ordered."""
        order = f" ORDER BY {order_by}" if order_by else ""
        return self.fetch(f"SELECT * FROM {table}{order}")

    def _print_sample(self, step: Step) -> None:
        sample = self.fetch(f"SELECT * FROM {step.table} LIMIT 5")
        print(f"-- {step.table}\n{self.dialect.translate(step.sql)}\n-- sample: {sample}")
