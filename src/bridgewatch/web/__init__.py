"""The web dashboard: stored runs in a browser, with users and roles (the ``web`` extra).

``bridgewatch serve`` runs it; :func:`bridgewatch.web.app.create_app` builds the FastAPI app from
:class:`bridgewatch.web.settings.WebSettings`. It reads stored runs only (``bridgewatch.history``)
and never computes a card inside a request. Layout:

* ``settings``: what is served (workspaces, their stores, the users store) and how (access options);
* ``users`` / ``schema``: users, grants and sessions in the run store (argon2 hashes);
* ``access`` / ``security`` / ``ratelimit``: who is asking, cookies and CSRF, headers, sign-in limits;
* ``index`` / ``reads``: stored worklists indexed in memory for paging; rows and evidence by id;
* ``pages`` / ``charts`` / ``formats``: what each page shows, its SVG charts, numbers in the locale;
* ``routes`` / ``routes_auth`` / ``exports`` / ``alerts``: the HTTP surface, downloads, the alerts readouts;
* ``templates/`` and ``static/`` (with the vendored htmx and its licence).
"""

from __future__ import annotations

import importlib.util

from bridgewatch.errors import WebError

EXTRA_MODULES = ("fastapi", "jinja2", "uvicorn", "argon2", "itsdangerous", "multipart", "xlsxwriter")


def require_extra() -> None:
    """Raises: WebError: the ``web`` extra is not installed (naming what is missing and how to add it)."""
    missing = [m for m in EXTRA_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        raise WebError(f"The dashboard needs the web extra ({', '.join(missing)} missing): "
                       f"pip install 'bridgewatch[web]'.")
