"""The dashboard application: ``create_app(settings)`` gives a FastAPI app serving stored runs, read-only.

The :class:`Site` holds what every request shares: the settings, one ``Store`` per run-store URL,
the users store, the in-memory worklist index, the cookie signer and the sign-in limiter. Every
response carries the security headers; every request gets a CSRF nonce cookie; errors become a
page that says what happened (never a traceback).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bridgewatch.errors import BridgewatchError, LookupFailed, StoreError
from bridgewatch.history import Store
from bridgewatch.history.database import stored_before
from bridgewatch.web import access
from bridgewatch.web.access import Visitor
from bridgewatch.web.index import WorklistIndex
from bridgewatch.web.ratelimit import SignInLimiter
from bridgewatch.web.security import CSRF_COOKIE, HEADERS, HSTS, Signer, new_nonce, redact
from bridgewatch.web.settings import ServedWorkspace, WebSettings
from bridgewatch.web.templating import templates
from bridgewatch.web.users import Users

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
CSRF_MAX_AGE_S = 30 * 24 * 3600


class SignInRequired(Exception):
    """Raised by a page that needs a visitor who may read; answered with the sign-in page."""


@dataclass
class Site:
    """What every request of one app shares."""

    settings: WebSettings
    users: Users
    stores: dict[str, Store]
    index: WorklistIndex
    signer: Signer
    limiter: SignInLimiter
    templates: Jinja2Templates

    def store(self, ws: ServedWorkspace) -> Store:
        return self.stores[ws.store_url]

    def visible(self, visitor: Visitor) -> list[ServedWorkspace]:
        return [w for w in self.settings.workspaces if visitor.sees(w.id)]

    def warm(self) -> None:
        """Index the latest run of every card in the background, so the first page is fast too."""
        threading.Thread(target=self._warm, name="bridgewatch-index-warm", daemon=True).start()

    def _warm(self) -> None:
        for ws in self.settings.workspaces:
            for card in ws.cards:
                try:
                    latest = self.store(ws).latest(ws.id, card)
                    if latest:
                        self.index.table(self.store(ws), latest)
                except Exception as exc:  # noqa: BLE001 - a page will say what is wrong when it is opened
                    log.warning("could not index %s/%s ahead of time: %s", ws.id, card, exc)

    def close(self) -> None:
        for store in self.stores.values():
            store.close()
        self.users.close()
        self.index.close()


def open_site(settings: WebSettings, *, hasher: PasswordHasher | None = None) -> Site:
    """Open every store the settings name (creating and migrating them as needed).

    Raises:
        StoreError: a store cannot be opened.
    """
    urls = dict.fromkeys(w.store_url for w in settings.workspaces)
    stores = {url: Store(url, read_only=stored_before(url), no_store=False) for url in urls}
    return Site(settings, Users(settings.users_url, hasher=hasher), stores, WorklistIndex(max_rows=settings.index_rows),
                Signer(settings.secret), SignInLimiter(limit=settings.sign_in_failures,
                                                       window_s=settings.sign_in_window_s), templates())


def create_app(settings: WebSettings, *, hasher: PasswordHasher | None = None, warm: bool = True) -> FastAPI:
    """The dashboard for ``settings`` (stores opened now; closed when the app shuts down)."""
    from bridgewatch.web import routes, routes_auth

    site = open_site(settings, hasher=hasher)
    app = FastAPI(title="bridgewatch", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=_lifespan(site))
    app.state.site = site
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(routes_auth.router)
    app.include_router(routes.router)
    app.middleware("http")(_guard(site))
    app.add_middleware(HeadAsGet)
    _errors(app, site)
    if warm:
        site.warm()
    return app


def _lifespan(site: Site) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def span(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            site.close()

    return span


class HeadAsGet:
    """A ``HEAD`` request answered as its ``GET`` is, headers only (RFC 9110 §9.3.2: a server that answers ``GET``
    answers ``HEAD``). FastAPI's routes take ``GET`` only, so an uptime check or ``curl -I`` met 405 on every page.
    The request runs as ``GET`` (so its guard, access rules and headers are the ``GET``'s), and the body is
    dropped: ``Content-Length`` stays the length a ``GET`` would receive."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


Handler = Callable[[Request], Awaitable[Response]]


def _guard(site: Site) -> Callable[[Request, Handler], Awaitable[Response]]:
    async def guard(request: Request, call_next: Handler) -> Response:
        started = time.perf_counter()
        nonce = site.signer.unsign(request.cookies.get(CSRF_COOKIE), CSRF_MAX_AGE_S)
        fresh = nonce is None
        request.state.csrf_nonce = nonce or new_nonce()
        response = await call_next(request)
        response.headers.update(HEADERS)
        if access.over_tls(request, site.settings.trusted_proxies):  # never over plain HTTP (RFC 6797)
            response.headers["Strict-Transport-Security"] = HSTS
        static = request.url.path.startswith("/static/")
        response.headers.setdefault("Cache-Control", "public, max-age=3600" if static else "no-store")
        response.headers["Vary"] = "HX-Request, Cookie"
        if fresh and not any(c.startswith(f"{CSRF_COOKIE}=") for c in response.headers.getlist("set-cookie")):
            response.set_cookie(CSRF_COOKIE, site.signer.sign(request.state.csrf_nonce), max_age=CSRF_MAX_AGE_S,
                                httponly=True, samesite="lax", path="/",
                                secure=access.over_tls(request, site.settings.trusted_proxies))
        log.info("%s %s %s %.0f ms", request.method, request.url.path, response.status_code,
                 (time.perf_counter() - started) * 1000)
        return response

    return guard


def _errors(app: FastAPI, site: Site) -> None:
    def page(request: Request, status: int, title: str, message: str) -> Response:
        message = redact(message)  # an error may quote a store URL, whose query can hold a password
        if request.url.path.startswith("/static/"):
            response: Response = PlainTextResponse(title, status_code=status)
        else:
            nonce = getattr(request.state, "csrf_nonce", None) or new_nonce()
            visitor = getattr(request.state, "visitor", Visitor())
            response = site.templates.TemplateResponse(
                request, "error.html", {"title": title, "message": message, "status": status, "locale": None,
                                        "visitor": visitor, "nav": site.visible(visitor), "ws": None,
                                        "csrf_token": site.signer.csrf_token(nonce)}, status_code=status)
        response.headers.update(HEADERS)
        return response

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _exc: Exception) -> Response:
        target = "/signin?" + _next_query(request)
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        titles = {400: "Bad request", 404: "Not found", 403: "Not allowed", 405: "Method not allowed",
                  429: "Too many attempts"}
        return page(request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: Exception) -> Response:
        from bridgewatch.web.routes import BAD_VALUE

        return page(request, 400, "Bad request", BAD_VALUE)

    @app.exception_handler(LookupFailed)
    async def not_found(request: Request, exc: Exception) -> Response:
        return page(request, 404, "Not found", str(exc))

    @app.exception_handler(StoreError)
    async def store_error(request: Request, exc: Exception) -> Response:
        return page(request, 503, "The run store cannot be read", str(exc))

    @app.exception_handler(BridgewatchError)
    async def bw_error(request: Request, exc: Exception) -> Response:
        return page(request, 500, "Something is wrong with this request", str(exc))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s", request.url.path)
        return page(request, 500, "Internal error", "This is a bridgewatch bug; the server log has the details.")


def _next_query(request: Request) -> str:
    from urllib.parse import urlencode

    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return urlencode({"next": target})
