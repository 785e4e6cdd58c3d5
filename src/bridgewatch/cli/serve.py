"""`serve`: the web dashboard over the stored runs of one workspace or a group of them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bridgewatch.cli.app import EXIT_USAGE, HistoryUrlOpt, app, err, guard, out

if TYPE_CHECKING:
    from bridgewatch.web.settings import ServedWorkspace

UsersUrlOpt = Annotated[str | None, typer.Option(
    "--users-url", help="Where users and grants live (default: $BRIDGEWATCH_USERS_URL, else the workspace's run "
                        "store, or <group>/.bridgewatch/users.sqlite with --workspaces).")]
OneWorkspaceOpt = Annotated[Path | None, typer.Option("--workspace", "-w", help="Serve this workspace folder.")]
GroupOpt = Annotated[Path | None, typer.Option("--workspaces", help="Serve every workspace in this folder (or "
                                                                     "listed in this manifest).")]


def served(workspace: Path | None, workspaces: Path | None,
           history_url: str | None) -> tuple[tuple[ServedWorkspace, ...], Path | None]:
    """The served workspaces and the group folder (None for one workspace), from the command line."""
    from bridgewatch.batch import find_workspaces
    from bridgewatch.web.settings import served_workspaces

    if workspace is not None and workspaces is None:
        folders = [workspace]
    elif workspaces is not None and workspace is None:
        folders = find_workspaces(workspaces)
    else:
        raise typer.BadParameter("give exactly one of --workspace DIR or --workspaces DIR", param_hint="--workspace")
    return served_workspaces(folders, environ=os.environ, history_url=history_url), workspaces


@app.command()
def serve(workspace: OneWorkspaceOpt = None, workspaces: GroupOpt = None,
          host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8000,
          allow_anonymous: Annotated[bool, typer.Option(
              "--allow-anonymous", help="Serve read-only without sign-in (loopback addresses only).")] = False,
          trusted_header: Annotated[str | None, typer.Option(
              "--trusted-header", help="Single sign-on behind a reverse proxy: take the user name from this "
                                       "header (e.g. X-Forwarded-Email). Needs --trusted-proxy.")] = None,
          trusted_proxy: Annotated[list[str] | None, typer.Option(
              "--trusted-proxy", help="Address or network of the proxy allowed to set --trusted-header "
                                      "(repeatable).")] = None,
          tls_cert: Annotated[Path | None, typer.Option("--tls-cert", help="Serve HTTPS with this certificate.")]
          = None,
          tls_key: Annotated[Path | None, typer.Option("--tls-key", help="The certificate's private key.")] = None,
          users_url: UsersUrlOpt = None, history_url: HistoryUrlOpt = None) -> None:
    """Serve the dashboard: the cards, their drills, worklists and each customer's evidence, from stored runs."""
    from bridgewatch.web.settings import is_loopback

    if allow_anonymous and not is_loopback(host):
        err.print(f"error: --allow-anonymous serves every workspace to anyone who can reach the server, so it is "
                  f"refused on {host}: use --host 127.0.0.1 (or sign-in).", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE)
    if trusted_header and not trusted_proxy:
        raise typer.BadParameter("--trusted-header needs --trusted-proxy (the proxy's address)",
                                 param_hint="--trusted-proxy")
    if (tls_cert is None) != (tls_key is None):
        raise typer.BadParameter("give both --tls-cert and --tls-key", param_hint="--tls-cert")

    def go() -> None:
        import uvicorn

        from bridgewatch.errors import WebError

        if allow_anonymous and (trusted_header or trusted_proxy):
            raise WebError("--allow-anonymous cannot be combined with --trusted-proxy/--trusted-header: anonymous "
                           "reading is for this machine only, and a proxy would pass every visitor through as "
                           "local. Use sign-in (or SSO) behind a proxy.")

        from bridgewatch.web import require_extra

        require_extra()
        from bridgewatch.web.app import create_app
        from bridgewatch.web.settings import WebSettings, networks, session_secret
        from bridgewatch.web.settings import users_url as where_users

        ws, group = served(workspace, workspaces, history_url)
        settings = WebSettings(ws, where_users(ws, group=group, override=users_url, environ=os.environ),
                               secret=session_secret(os.environ), allow_anonymous=allow_anonymous,
                               trusted_header=trusted_header, trusted_proxies=networks(trusted_proxy or []))
        web = create_app(settings)
        scheme = "https" if tls_cert else "http"
        out.print(f"bridgewatch dashboard on {scheme}://{host}:{port}/ serving {', '.join(w.id for w in ws)}"
                  + (" (anonymous read-only)" if allow_anonymous else ""), highlight=False, markup=False)
        uvicorn.run(web, host=host, port=port, proxy_headers=False, server_header=False, log_level="warning",
                    ssl_certfile=str(tls_cert) if tls_cert else None, ssl_keyfile=str(tls_key) if tls_key else None)

    guard(go)
