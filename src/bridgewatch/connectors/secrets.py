"""Credentials from the environment (or a secrets file), typed so they never print.

The workspace configuration only *names* where a secret lives (``secrets = { token = "SHOPIFY_TOKEN" }``);
:func:`resolve_secrets` reads the values at the edge, from an environment mapping the caller passes,
then from the optional ``secrets_file``. A :class:`Secret` shows its origin, never its value, in
``repr``, ``str`` and f-strings; only :meth:`Secret.reveal` gives the value, at the point of use.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from bridgewatch.config import ApiSettings
from bridgewatch.errors import ConfigError

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
"""Characters no credential holds: in a header they stop the request before it is sent (httpx refuses it, which
read as the vendor being down), in Intacct's XML body they are a different password."""


class Secret:
    """A credential value that never prints."""

    __slots__ = ("_value", "origin")

    def __init__(self, value: str, origin: str) -> None:
        self._value = value
        self.origin = origin
        """Where the value came from (an environment variable or secrets-file key): safe to show."""

    def reveal(self) -> str:
        """The value itself, for the one place that sends it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.origin}=***)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


def resolve_secrets(api: ApiSettings, *, source: str, root: Path, environ: Mapping[str, str],
                    roles: Mapping[str, str]) -> dict[str, Secret]:
    """The secret of every role in ``roles`` (role → what it is), all problems reported at once.

    Raises:
        ConfigError: a role is not named under ``secrets``, or its variable is set nowhere.
    """
    file_values, problems = _secrets_file(api, source, root)
    found: dict[str, Secret] = {}
    for role, what in roles.items():
        name = api.secrets.get(role)
        where = f"sources.{source}.api.secrets.{role}"
        if not name:
            problems.append(f"{where}: name the environment variable holding the {what} "
                            f"(e.g. secrets = {{ {role} = \"{source.upper()}_{role.upper()}\" }})")
        elif environ.get(name) or file_values.get(name):
            origin = name if environ.get(name) else f"{api.secrets_file}:{name}"
            value = (environ.get(name) or file_values[name]).rstrip("\r\n")  # a file's last line break
            if CONTROL.search(value):
                held = f"environment variable {name}" if origin == name else f"{name} in {api.secrets_file}"
                problems.append(f"{where}: {held} holds a control character (a line break, tab or the like) inside "
                                f"its value; set it to the {what} alone")
            else:
                found[role] = Secret(value, origin)
        else:
            also = f" nor in {api.secrets_file}" if api.secrets_file else ""
            problems.append(f"{where}: environment variable {name} is not set{also}; set it to the {what}")
    unknown = sorted(set(api.secrets) - set(roles))
    if unknown:
        problems.append(f"sources.{source}.api.secrets: unknown role(s) {', '.join(unknown)}; this connector uses "
                        f"{', '.join(roles) or 'none'}")
    if problems:
        raise ConfigError(f"source '{source}': cannot pull, secrets missing:\n" +
                          "\n".join(f"  - {p}" for p in problems))
    return found


def _secrets_file(api: ApiSettings, source: str, root: Path) -> tuple[dict[str, str], list[str]]:
    if not api.secrets_file:
        return {}, []
    path = Path(api.secrets_file).expanduser()
    path = path if path.is_absolute() else root / path
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, [f"sources.{source}.api.secrets_file: {path} does not exist"]
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        return {}, [f"sources.{source}.api.secrets_file: {path} is not a readable TOML file "
                    f"({type(exc).__name__})"]
    return {str(k): str(v) for k, v in raw.items() if isinstance(v, str | int)}, []
