"""`users`: who may sign in to the dashboard, and their roles per workspace.

Passwords are read from a prompt (typed twice, not echoed) or, when stdin is not a terminal, from
its first line: never from an argument, where they would land in the shell history and ``ps``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from bridgewatch.cli.app import HistoryUrlOpt, app, check_format, guard, out
from bridgewatch.cli.serve import GroupOpt, OneWorkspaceOpt, UsersUrlOpt
from bridgewatch.report.safe import cell, plain

if TYPE_CHECKING:
    from bridgewatch.web.users import Users

users_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                        help="Dashboard users: add, remove, set a password, grant and revoke roles, list.")
app.add_typer(users_app, name="users")

NameArg = Annotated[str, typer.Argument(help="User name (an email address; compared case-insensitively).")]
InOpt = Annotated[str | None, typer.Option("--in", help="Workspace id (default: the workspace of --workspace).")]


class _Where:
    """The users store and the workspace ids the command line points at."""

    def __init__(self, workspace: Path | None, workspaces: Path | None, users_url: str | None,
                 history_url: str | None) -> None:
        from bridgewatch.web import require_extra
        from bridgewatch.web.settings import users_url as where_users

        require_extra()
        self.ids: tuple[str, ...] = ()
        if workspace is None and workspaces is None:
            chosen = users_url or os.environ.get("BRIDGEWATCH_USERS_URL")
            if not chosen:
                raise typer.BadParameter("give --workspace DIR, --workspaces DIR or --users-url URL",
                                         param_hint="--workspace")
            self.url = chosen
            return
        from bridgewatch.cli.serve import served

        ws, group = served(workspace, workspaces, history_url)
        self.ids = tuple(w.id for w in ws)
        self.url = where_users(ws, group=group, override=users_url, environ=os.environ)

    def workspace_id(self, given: str | None) -> str:
        from bridgewatch.errors import did_you_mean

        if given is None:
            if len(self.ids) != 1:
                raise typer.BadParameter("say which workspace with --in WORKSPACE_ID", param_hint="--in")
            return self.ids[0]
        if self.ids and given not in self.ids:
            raise did_you_mean("workspace", given, self.ids)
        return given

    def open(self, *, read_only: bool = False) -> Users:
        from bridgewatch.web.users import Users

        return Users(self.url, read_only=read_only)


def read_password(confirm: bool = True) -> str:
    """From a prompt (twice) when stdin is a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=confirm))
    return sys.stdin.readline().rstrip("\r\n")


@users_app.command("add")
def add(name: NameArg, workspace: OneWorkspaceOpt = None, workspaces: GroupOpt = None, users_url: UsersUrlOpt = None,
        history_url: HistoryUrlOpt = None,
        sso_only: Annotated[bool, typer.Option("--sso-only", help="No password: signs in through the trusted "
                                                                   "single-sign-on header only.")] = False) -> None:
    """Add a user; the password is prompted for (or read from stdin), never given as an argument."""
    def go() -> None:
        where = _Where(workspace, workspaces, users_url, history_url)
        password = None if sso_only else read_password()
        with where.open() as users:
            user = users.add(name, password)
        out.print(Text(f"Added {user.name}; grant a role with `bridgewatch users grant {user.name} ROLE`."))

    guard(go)


@users_app.command("passwd")
def passwd(name: NameArg, workspace: OneWorkspaceOpt = None, workspaces: GroupOpt = None,
           users_url: UsersUrlOpt = None, history_url: HistoryUrlOpt = None) -> None:
    """Set a user's password (prompted for, or read from stdin); their open sessions end."""
    def go() -> None:
        where = _Where(workspace, workspaces, users_url, history_url)
        password = read_password()
        with where.open() as users:
            users.set_password(name, password)
        out.print(Text(f"Password of {plain(name.strip().lower())} changed; their sessions were ended."))

    guard(go)


@users_app.command("remove")
def remove(name: NameArg, workspace: OneWorkspaceOpt = None, workspaces: GroupOpt = None,
           users_url: UsersUrlOpt = None, history_url: HistoryUrlOpt = None) -> None:
    """Remove a user with all their grants and sessions."""
    def go() -> None:
        with _Where(workspace, workspaces, users_url, history_url).open() as users:
            users.remove(name)
        out.print(Text(f"Removed {plain(name.strip().lower())}."))

    guard(go)


@users_app.command("grant")
def grant(name: NameArg, role: Annotated[str, typer.Argument(help="owner, finance, marketing or operations.")],
          in_: InOpt = None, workspace: OneWorkspaceOpt = None, workspaces: GroupOpt = None,
          users_url: UsersUrlOpt = None, history_url: HistoryUrlOpt = None) -> None:
    """Grant a role in a workspace (the user then sees that workspace, and lands on the role's view)."""
    def go() -> None:
        where = _Where(workspace, workspaces, users_url, history_url)
        ws_id = where.workspace_id(in_)
        with where.open() as users:
            users.grant(name, ws_id, role)
        out.print(Text(f"Granted {role} in {plain(ws_id)} to {plain(name.strip().lower())}."))

    guard(go)


@users_app.command("revoke")
def revoke(name: NameArg, role: Annotated[str | None, typer.Argument(help="The role (default: every role).")] = None,
           in_: InOpt = None, workspace: OneWorkspaceOpt = None, workspaces: GroupOpt = None,
           users_url: UsersUrlOpt = None, history_url: HistoryUrlOpt = None) -> None:
    """Revoke a role (or every role) in a workspace."""
    def go() -> None:
        where = _Where(workspace, workspaces, users_url, history_url)
        ws_id = where.workspace_id(in_)
        with where.open() as users:
            n = users.revoke(name, ws_id, role)
        out.print(Text(f"Revoked {n} grant(s) in {plain(ws_id)} from {plain(name.strip().lower())}."))

    guard(go)


@users_app.command("list")
def list_users(in_: InOpt = None, workspace: OneWorkspaceOpt = None, workspaces: GroupOpt = None,
               users_url: UsersUrlOpt = None, history_url: HistoryUrlOpt = None,
               fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table") -> None:
    """List users and their roles per workspace (only those with a role in --in WORKSPACE_ID when given)."""
    check_format(fmt, ("table", "json"))

    def go() -> None:
        where = _Where(workspace, workspaces, users_url, history_url)
        with where.open(read_only=True) as users:
            listed = users.list(where.workspace_id(in_) if in_ else None)
        if fmt == "json":
            rows = [{"name": u.name, "password": u.has_password,
                     "roles": {ws: sorted(r) for ws, r in u.roles.items()}} for u in listed]
            sys.stdout.write(json.dumps(rows, indent=2) + "\n")
            return
        table = Table(title="Dashboard users", title_justify="left")
        for column in ("User", "Sign-in", "Roles"):
            table.add_column(column)
        for u in listed:
            roles = "; ".join(f"{ws}: {', '.join(sorted(r))}" for ws, r in u.roles.items()) or "none"
            table.add_row(cell(u.name, None), "password" if u.has_password else "single sign-on", cell(roles, None))
        out.print(table)

    guard(go)
