"""Where a workspace's runs are stored: ``--history-url`` > ``BRIDGEWATCH_HISTORY_URL`` > ``[history] url`` > default.

The default is SQLite inside the workspace, ``<workspace>/.bridgewatch/history.sqlite``. A
PostgreSQL URL should not hold the password: name an environment variable in
``[history] password_env`` instead. The environment is only read when the caller passes it
(the CLI does), never deep in the library.
"""

from __future__ import annotations

from collections.abc import Mapping

from bridgewatch.config import WorkspaceConfig
from bridgewatch.errors import ConfigError

ENV_URL = "BRIDGEWATCH_HISTORY_URL"
STORE_DIR = ".bridgewatch"
STORE_FILE = "history.sqlite"


def default_url(config: WorkspaceConfig) -> str:
    return f"sqlite:///{(config.root / STORE_DIR / STORE_FILE).resolve()}"


def store_url(config: WorkspaceConfig, *, override: str | None = None,
              environ: Mapping[str, str] | None = None) -> str:
    """The store URL for a workspace, with the password filled in from ``[history] password_env`` (a SQLite file
    takes no password: for one, say a local copy given by ``--history-url``, the variable is neither read nor
    required).

    Raises:
        ConfigError: ``password_env`` names a variable that is not set.
        StoreError: the URL the password goes into is not a database URL.
    """
    from bridgewatch.errors import StoreError
    from bridgewatch.history.database import parse_url

    env = environ or {}
    url = override or env.get(ENV_URL) or config.history.url or default_url(config)
    try:
        parsed = parse_url(url)
    except StoreError as exc:  # an unparsable URL is not shown (it may hold a password): say where it was given
        origin = ("--history-url" if override else f"${ENV_URL} (set in the environment)" if env.get(ENV_URL)
                  else f"[history] url in {config.root / 'workspace.toml'}")
        raise StoreError(f"{exc} It was given by {origin}.") from None
    name = config.history.password_env
    if name is None or environ is None:
        return url
    if parsed.get_backend_name() == "sqlite":
        return url
    if name not in env:
        raise ConfigError(f"[history] password_env names {name}, which is not set; export it (the database "
                          f"password) or remove password_env.")
    return parsed.set(password=env[name]).render_as_string(hide_password=False)
