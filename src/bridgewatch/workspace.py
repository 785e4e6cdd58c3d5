"""A workspace = its validated config + its canonical tables + the accounting of how they were read.

``load_workspace`` is the one entry point the CLI, the batch runner and the tests use. The
workspace's settings are also turned into small tables (``bw_params``, ``bw_field_map``,
``bw_entities``, ``bw_entity_rules``, ``bw_holding``, ``bw_card_params``) so that the card SQL
reads configuration like data and one pass can serve many workspaces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from bridgewatch.config import RULE_KINDS, WorkspaceConfig, load_config
from bridgewatch.errors import ConfigError, InputError, Problem
from bridgewatch.ingest.accounting import Accounting, OnBadRow
from bridgewatch.ingest.canonical import load_folder, load_table, local_connection
from bridgewatch.ingest.pyvalues import rows_table, table_of
from bridgewatch.matching.normalise import fold, upper_key
from bridgewatch.model.tables import TABLES


@dataclass
class Workspace:
    """One workspace ready to compute."""

    config: WorkspaceConfig
    tables: dict[str, pa.Table]
    accounting: Accounting = field(default_factory=Accounting)

    @property
    def id(self) -> str:
        return self.config.id


def load_workspace(root: Path | str, *, on_bad_row: OnBadRow | None = None) -> Workspace:
    """Read ``workspace.toml`` and every table the workspace names.

    Canonical files in ``data_dir`` are read when that folder exists; vendor files named under
    ``[sources]`` are read by their readers. A table given by both is an error (ambiguous).

    Raises:
        ConfigError: the configuration is invalid.
        InputError: a file is missing or holds bad values (or, with quarantine, is unreadable).
    """
    config = load_config(root)
    policy = on_bad_row or (OnBadRow.QUARANTINE if config.sources else OnBadRow.RAISE)
    tables: dict[str, pa.Table] = {}
    accounting = Accounting()
    data_dir = config.root / config.data_dir
    if data_dir.exists() or not config.sources:  # a file where the folder belongs is said, not passed over
        tables, accounting = load_folder(data_dir, workspace_id=config.id, timezone=config.workspace.timezone,
                                         on_bad_row=policy, require=not config.sources)
    if config.sources:
        _merge_sources(config, policy, tables, accounting)
    _fill_missing(config, tables)
    for name in ENTITY_COLUMNS:
        tables[name] = _canonical_entities(config, name, tables[name])
    tables["staging_records"] = _canonical_entities(config, "staging_records", tables["staging_records"],
                                                    keep_unknown=True)
    return Workspace(config, tables, accounting)


def _merge_sources(config: WorkspaceConfig, policy: OnBadRow, tables: dict[str, pa.Table],
                   accounting: Accounting) -> None:
    from bridgewatch.sources import read_sources

    try:
        read = read_sources(config, on_bad_row=policy)
    except ConfigError as exc:
        raise _in_config_file(config, exc) from None
    source_tables = read.tables
    for account in read.accounts:
        accounting.add(account)
    accounting.warnings += read.warnings
    clash = sorted(set(source_tables) & {t for t, v in tables.items() if v.num_rows})
    if clash:
        raise InputError(f"Workspace '{config.id}': table(s) {', '.join(clash)} come both from {config.data_dir}/ "
                         f"and from [sources]; keep one so no row is counted twice.")
    tables.update(source_tables)


def _in_config_file(config: WorkspaceConfig, exc: ConfigError) -> ConfigError:
    """A reader's option problems (``sources.<name>.options.<key>: ...``, one a line) named by the file that holds
    them, as ``load_config`` names its own; any other configuration error unchanged."""
    from bridgewatch.config import CONFIG_FILE, format_problems

    lines = str(exc).splitlines()
    if not lines or not all(line.startswith("sources.") for line in lines):
        return exc
    return ConfigError(format_problems(str(config.root / CONFIG_FILE), lines))


ENTITY_COLUMNS = ("erp_customers", "sync_events")
"""Tables whose ``legal_entity`` must name a configured entity."""


def _canonical_entities(config: WorkspaceConfig, name: str, table: pa.Table, keep_unknown: bool = False) -> pa.Table:
    """Spell ``legal_entity`` as configured (entity ids match case-insensitively); unknown ones are errors.

    ``keep_unknown``: an unknown value is kept as written (a Dataverse company need not be an entity of the
    workspace: a D365 Sales record's company, or a company GUID the ``companies`` option does not map).
    """
    ids = [e.id for e in config.legal_entities]
    column = table.column("legal_entity")
    known = table_of({"id": ids}, {"id": pa.string()}).column("id").combine_chunks()
    position = pc.index_in(pc.utf8_lower(column), value_set=pc.utf8_lower(known))
    if keep_unknown:
        spelled = pc.if_else(pc.is_null(position), column, pc.take(known, position))
        return table.set_column(table.schema.get_field_index("legal_entity"), "legal_entity", spelled)
    unknown = table.filter(pc.and_(pc.is_valid(column), pc.is_null(position)))
    if unknown.num_rows:
        hint = (f"unknown legal entity; configured: {', '.join(ids)}. Add it to [[legal_entities]] in "
                f"workspace.toml or fix the value")
        problems = [Problem(r["source_file"], r["source_row"], "legal_entity", r["legal_entity"], hint)
                    for r in unknown.select(["source_file", "source_row", "legal_entity"]).to_pylist()]
        raise InputError(f"Workspace '{config.id}': {name} names entities that are not configured:", problems)
    spelled = pc.take(known, position)
    return table.set_column(table.schema.get_field_index("legal_entity"), "legal_entity", spelled)


def _fill_missing(config: WorkspaceConfig, tables: dict[str, pa.Table]) -> None:
    missing = [t for t in TABLES if t.name not in tables]
    required = [t.name for t in missing if not t.optional]
    if required:
        raise InputError(f"Workspace '{config.id}' has no data for required table(s) {', '.join(required)}. "
                         f"Add {config.data_dir}/<table>.csv files or [sources] entries that produce them.")
    con = local_connection()
    for table in missing:
        tables[table.name] = load_table(con, table, None, workspace_id=config.id)[0]
    con.close()


# -- configuration as tables ---------------------------------------------------------------------

def resolve_as_of(config: WorkspaceConfig, override: datetime | None = None) -> datetime:
    """The aligned as-of time: the explicit override, else workspace.as_of, else now (UTC).

    Raises:
        ConfigError: the override is no usable time (``as_of_problem``), or it or workspace.as_of is later than
            now (``future_as_of_problem``).
    """
    from bridgewatch.config import as_of_problem, future_as_of_problem, naive_utc

    if override is not None and (problem := as_of_problem(override)):
        raise ConfigError(f"as_of: {problem}.")
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    where = "as-of" if override is not None else "workspace.as_of"
    problem = future_as_of_problem(override if override is not None else config.as_of_utc(), where, now)
    if problem:
        raise ConfigError(f"Workspace '{config.id}': {problem}.")
    return naive_utc(override) or config.as_of_utc() or now


def config_tables(configs: Sequence[WorkspaceConfig], as_of: Mapping[str, datetime],
                  cards: Mapping[str, Sequence[str]]) -> dict[str, pa.Table]:
    """The settings of every workspace as tables the card SQL joins to."""
    return {
        "bw_params": _params(configs, as_of),
        "bw_field_map": rows_table([
            {"workspace_id": c.id, "card": card, "key_type": key, "priority": i + 1}
            for c in configs for card in cards[c.id] for i, key in enumerate(c.keys_for(card))
        ], {"workspace_id": pa.string(), "card": pa.string(), "key_type": pa.string(), "priority": pa.int32()}),
        "bw_entities": rows_table([
            {"workspace_id": c.id, "entity": e.id, "name": e.name, "currency": e.currency,
             "country": e.countries[0] if e.countries else None}
            for c in configs for e in c.legal_entities
        ], {"workspace_id": pa.string(), "entity": pa.string(), "name": pa.string(), "currency": pa.string(),
            "country": pa.string()}),
        "bw_entity_rules": rows_table(_entity_rules(configs), {
            "workspace_id": pa.string(), "kind": pa.string(), "value": pa.string(), "platform": pa.string(),
            "entity": pa.string(), "rank": pa.int32()}),
        "bw_holding": rows_table([
            {"workspace_id": c.id, "account": upper_key(h.account.strip()), "entity": h.entity or None}
            for c in configs for h in c.holding_customers
        ], {"workspace_id": pa.string(), "account": pa.string(), "entity": pa.string()}),
        "bw_card_params": rows_table([
            {"workspace_id": c.id, "card": card, "threshold": c.threshold_for(card)}
            for c in configs for card in cards[c.id]
        ], {"workspace_id": pa.string(), "card": pa.string(), "threshold": pa.int64()}),
    }


def _params(configs: Sequence[WorkspaceConfig], as_of: Mapping[str, datetime]) -> pa.Table:
    rows = []
    for c in configs:
        w = c.workspace
        t = as_of[c.id]
        default = w.default_entity or (c.legal_entities[0].id if len(c.legal_entities) == 1 else None)
        rows.append({
            "workspace_id": c.id, "as_of": t, "window_start": t - timedelta(days=w.window_days),
            "grace_start": t - timedelta(minutes=w.grace_minutes), "home_country": w.home_country,
            "sync_recent_from": t - timedelta(hours=w.max_age_hours),
            "reporting_currency": w.reporting_currency, "vat_supply": w.vat_supply, "default_entity": default,
            "window_days": w.window_days, "grace_minutes": w.grace_minutes, "timezone": w.timezone,
            "fx_max_age_days": w.fx_max_age_days,
        })
    return rows_table(rows, {
        "workspace_id": pa.string(), "as_of": pa.timestamp("us"), "window_start": pa.timestamp("us"),
        "grace_start": pa.timestamp("us"), "sync_recent_from": pa.timestamp("us"),
        "home_country": pa.string(), "reporting_currency": pa.string(),
        "vat_supply": pa.string(), "default_entity": pa.string(), "window_days": pa.int32(),
        "grace_minutes": pa.int32(), "timezone": pa.string(), "fx_max_age_days": pa.int32()})


def _entity_rules(configs: Sequence[WorkspaceConfig]) -> list[dict[str, Any]]:
    rank = {kind: i + 1 for i, kind in enumerate(RULE_KINDS)}
    rows = []
    for c in configs:
        for r in c.entity_rules:
            value = fold(r.value.strip()) if r.kind == "tag" else r.value.strip()
            value = value.upper() if r.kind == "country" else value
            rows.append({"workspace_id": c.id, "kind": r.kind, "value": value, "platform": r.platform,
                         "entity": r.entity, "rank": rank[r.kind]})
        for e in c.legal_entities:
            rows += [{"workspace_id": c.id, "kind": "country", "value": country, "platform": None,
                      "entity": e.id, "rank": rank["country"]} for country in e.countries]
    return rows

