"""`alerts list|silence|unsilence|send|test|log`: the alert states, silences and the notification log of a
workspace; and the alerting step `run` takes after storing a run."""

from __future__ import annotations

import getpass
import os
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from bridgewatch.cli.app import FormatOpt, HistoryUrlOpt, WorkspaceOpt, app, check_format, err, guard, out
from bridgewatch.errors import BridgewatchError
from bridgewatch.report.safe import cell, json_text, plain

alerts_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                         help="Alert states, silences, the notification log; send pending alerts or a test message.")
app.add_typer(alerts_app, name="alerts")


def after_run(store: Any, config: Any, no_alerts: bool) -> None:
    """Evaluate and deliver the workspace's alerts after a stored (or failed) run; never fails the run."""
    if no_alerts or store is None or not config.alerts.receivers:
        return  # nothing to deliver: the alerting modules (HTTP, SMTP clients) are not even imported
    from bridgewatch.alerts.notify import configured, notify

    if not configured(config):
        return
    try:
        report = notify(store, config, environ=os.environ)
    except BridgewatchError as exc:
        err.print(plain(f"warning: alerts were not evaluated: {exc}"), markup=False, highlight=False)
        return
    err.print(plain(report.line()), markup=False, highlight=False)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _open(workspace: Any, history_url: str | None) -> tuple[Any, Any]:
    from bridgewatch.cli.app import open_cli_store
    from bridgewatch.config import load_config

    config = load_config(workspace)
    return config, open_cli_store(config, history_url)


@alerts_app.command("list")
def list_alerts(workspace: WorkspaceOpt, fmt: FormatOpt = "table", history_url: HistoryUrlOpt = None) -> None:
    """Each alert's state (since when, count, threshold), the last notification per receiver, the active
    silences and how many messages wait."""
    check_format(fmt, ("table", "json"))

    def go() -> None:
        from bridgewatch.alerts.status import alert_list

        config, store = _open(workspace, history_url)
        with store:
            found = alert_list(store, config, now=_now())
        if fmt == "json":
            sys.stdout.write(json_text(found.to_dict()) + "\n")
            return
        _table("Alerts", ("dedup_key", "state", "since", "count", "threshold", "reason"), found.states)
        _table("Last notification per alert and receiver",
               ("dedup_key", "receiver", "role", "event", "status", "state", "created_at", "attempts", "last_error"),
               found.last)
        _table("Active silences", ("id", "card", "entity", "ends_at", "reason", "created_by"),
               [vars(s) | {"ends_at": f"{s.ends_at:%Y-%m-%dT%H:%M:%SZ}"} for s in found.silences])
        out.print(f"{found.waiting} message(s) waiting for delivery or a digest", highlight=False)

    guard(go)


def _table(title: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    table = Table(title=title, title_justify="left")
    for name in columns:
        table.add_column(name)
    for row in rows:
        table.add_row(*(cell(row.get(c)) for c in columns))
    out.print(table)


@alerts_app.command()
def silence(workspace: WorkspaceOpt,
            card: Annotated[str, typer.Option("--card", help="The card whose alert to silence.")],
            duration: Annotated[str, typer.Option("--for", help="How long: 30m, 4h, 2d.")],
            reason: Annotated[str, typer.Option("--reason", help="Why (shown in `alerts list`).")],
            entity: Annotated[str | None, typer.Option("--entity", help="Only this entity's alert (default: the "
                                                                        "card-wide alert and every entity's).")] = None,
            by: Annotated[str | None, typer.Option("--by", help="Who silences (default: the login name).")] = None,
            history_url: HistoryUrlOpt = None) -> None:
    """Silence a card's alert for a while: messages are recorded as suppressed, not sent."""
    from bridgewatch.config import parse_duration

    try:
        length = parse_duration(duration)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--for") from None
    if length <= timedelta(0):
        raise typer.BadParameter("a silence must last longer than zero (e.g. 30m, 4h, 2d)", param_hint="--for")
    if not reason.strip():
        raise typer.BadParameter("say why (it is shown to everyone who lists the alerts)", param_hint="--reason")

    def go() -> None:
        from bridgewatch.alerts.silences import add_silence
        from bridgewatch.alerts.status import unknown_card, unknown_entity

        config, store = _open(workspace, history_url)
        if card not in config.cards:
            store.close()
            raise unknown_card(config, card)
        if entity is not None and (wrong := unknown_entity(config, entity)) is not None:
            store.close()
            raise wrong
        with store:
            made = add_silence(store, config.id, card, entity=entity, duration=length, reason=reason,
                               created_by=by or _login(), now=_now())
        out.print(plain(f"silence {made.id}: {card}{' / ' + entity if entity else ''} until "
                        f"{made.ends_at:%Y-%m-%dT%H:%M:%SZ} ({reason})"), markup=False, highlight=False)

    guard(go)


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@alerts_app.command()
def unsilence(workspace: WorkspaceOpt, silence_id: Annotated[int, typer.Argument(help="The silence's id (alerts "
                                                                                        "list).")],
              history_url: HistoryUrlOpt = None) -> None:
    """End a silence now (alerts that changed meanwhile are notified at the next evaluation)."""
    def go() -> None:
        from bridgewatch.alerts.silences import end_silence

        config, store = _open(workspace, history_url)
        with store:
            ended = end_silence(store, config.id, silence_id, now=_now())
        out.print(f"silence {ended.id} ended", highlight=False)

    guard(go)


@alerts_app.command()
def send(workspace: WorkspaceOpt, history_url: HistoryUrlOpt = None) -> None:
    """Evaluate the alerts from the latest stored runs and deliver what is due (what `run` does after storing)."""
    def go() -> None:
        from bridgewatch.alerts.notify import configured, notify

        config, store = _open(workspace, history_url)
        if not configured(config):
            out.print("no receivers configured ([alerts] receivers): nothing to send", highlight=False, markup=False)
            return
        with store:
            report = notify(store, config, environ=os.environ)
        out.print(plain(report.line()), markup=False, highlight=False)

    guard(go)


@alerts_app.command()
def test(workspace: WorkspaceOpt, receiver: Annotated[str, typer.Option("--receiver", help="The receiver's name.")]
         ) -> None:
    """Send a test message to one receiver now; exit 5 with the reason when it does not arrive."""
    def go() -> None:
        from bridgewatch.alerts.status import send_test
        from bridgewatch.config import load_config

        failed = send_test(load_config(workspace), receiver, environ=os.environ)
        if failed is not None:
            raise BridgewatchError(f"the test message to '{receiver}' was not delivered: {failed}")
        out.print(f"test message delivered to '{receiver}'", highlight=False)

    guard(go)


@alerts_app.command()
def log(workspace: WorkspaceOpt, limit: Annotated[int, typer.Option("--limit", min=1, help="How many messages.")]
        = 20, fmt: FormatOpt = "table", history_url: HistoryUrlOpt = None) -> None:
    """The newest notifications, newest first, with every delivery attempt."""
    check_format(fmt, ("table", "json"))

    def go() -> None:
        from bridgewatch.alerts.status import alert_log

        config, store = _open(workspace, history_url)
        with store:
            found = alert_log(store, config, limit=limit)
        if fmt == "json":
            sys.stdout.write(json_text(found) + "\n")
            return
        rows = [n | {"attempt_log": "; ".join(f"{a['attempt']}: {a['outcome']}"
                                              + (f" {a['status_code']}" if a["status_code"] else "")
                                              + (f" ({a['error']})" if a["error"] else "") for a in n["attempt_log"])}
                for n in found]
        _table("Notifications, newest first", ("id", "created_at", "dedup_key", "receiver", "event", "status",
                                              "state", "last_error", "attempt_log"), rows)

    guard(go)
