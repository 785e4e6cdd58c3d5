"""What a dashboard serves and how: the workspaces (each with its run store), the users store, access options.

Built once at start-up by the ``serve`` command (the only place that reads the environment) and
handed to :func:`bridgewatch.web.app.create_app`. Nothing here opens a socket or a database.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bridgewatch.config import WorkspaceConfig, load_config
from bridgewatch.errors import WebError
from bridgewatch.history import store_url
from bridgewatch.report.words import locale_for

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
ENV_USERS_URL = "BRIDGEWATCH_USERS_URL"
ENV_SECRET = "BRIDGEWATCH_SESSION_SECRET"
USERS_FILE = "users.sqlite"


@dataclass(frozen=True)
class ServedWorkspace:
    """One workspace on the dashboard: its configuration, where its runs are stored, how to show numbers."""

    id: str
    name: str
    store_url: str
    locale: str
    cards: tuple[str, ...]
    reporting_currency: str
    timezone: str = "UTC"
    config: WorkspaceConfig | None = field(default=None, repr=False, compare=False)
    """The workspace's configuration (the alerts page reads its ``[alerts]``)."""

    @classmethod
    def from_config(cls, config: WorkspaceConfig, *, environ: Mapping[str, str] | None = None,
                    history_url: str | None = None) -> ServedWorkspace:
        w = config.workspace
        return cls(config.id, w.name or config.id, store_url(config, override=history_url, environ=environ),
                   locale_for(w.home_country, w.locale), tuple(config.cards), w.reporting_currency, w.timezone,
                   config)


@dataclass(frozen=True)
class WebSettings:
    """Everything the app needs to know; frozen, passed explicitly."""

    workspaces: tuple[ServedWorkspace, ...]
    users_url: str
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    """Signs the session and CSRF cookies; random per process unless ``BRIDGEWATCH_SESSION_SECRET`` is set."""
    allow_anonymous: bool = False
    """Serve read-only without sign-in (loopback addresses only)."""
    trusted_header: str | None = None
    """Single sign-on: take the user name from this header (e.g. ``X-Forwarded-Email``) ..."""
    trusted_proxies: tuple[Network, ...] = ()
    """... but only on requests whose peer address is in one of these networks."""
    session_hours: int = 12
    sign_in_failures: int = 5
    """Failed sign-ins allowed per user name (and four times as many per address) in ``sign_in_window_s``."""
    sign_in_window_s: int = 900
    index_rows: int = 2_000_000
    """Rows of stored worklists kept indexed in memory for paging, across runs (least recently used go)."""

    def workspace(self, workspace_id: str) -> ServedWorkspace | None:
        return next((w for w in self.workspaces if w.id == workspace_id), None)


def served_workspaces(folders: Sequence[Path | str], *, environ: Mapping[str, str],
                      history_url: str | None = None) -> tuple[ServedWorkspace, ...]:
    """Read each folder's ``workspace.toml`` (every problem of every folder is reported by ``load_config``).

    Raises:
        ConfigError: a configuration is invalid.
        WebError: two folders hold the same workspace id.
    """
    served = [ServedWorkspace.from_config(load_config(f), environ=environ, history_url=history_url) for f in folders]
    ids = [w.id for w in served]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise WebError(f"Workspace id(s) {', '.join(duplicates)} appear in more than one folder; each served "
                       f"workspace needs its own id.")
    return tuple(served)


def users_url(served: Sequence[ServedWorkspace], *, group: Path | None, override: str | None,
              environ: Mapping[str, str]) -> str:
    """Where users live: ``--users-url`` > ``$BRIDGEWATCH_USERS_URL`` > the one store every workspace shares
    > ``<group folder>/.bridgewatch/users.sqlite`` (``--workspaces``)."""
    chosen = override or environ.get(ENV_USERS_URL)
    if chosen:
        return chosen
    urls = {w.store_url for w in served}
    if len(urls) == 1:
        return urls.pop()
    if group is None:
        raise WebError("Cannot tell where users are kept; pass --users-url.")
    folder = group if group.is_dir() else group.parent
    return f"sqlite:///{(folder / '.bridgewatch' / USERS_FILE).resolve()}"


def session_secret(environ: Mapping[str, str]) -> bytes:
    """The signing secret: ``$BRIDGEWATCH_SESSION_SECRET`` (at least 32 characters), else a random one."""
    given = environ.get(ENV_SECRET)
    if given is None:
        return secrets.token_bytes(32)
    if len(given) < 32:
        raise WebError(f"{ENV_SECRET} is too short: use at least 32 random characters (e.g. `openssl rand -hex 32`).")
    return given.encode()


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def networks(values: Sequence[str]) -> tuple[Network, ...]:
    """Parse proxy addresses or networks (``10.0.0.5``, ``10.0.0.0/24``, ``::1``).

    Raises:
        WebError: a value is not an address or network.
    """
    out = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise WebError(f"--trusted-proxy {value!r} is not an IP address or network (e.g. 10.0.0.5 or "
                           f"10.0.0.0/24).") from None
    return tuple(out)
