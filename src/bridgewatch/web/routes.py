"""The read-only pages: overview, card, worklist (and its downloads), inputs (and the quarantined cells as CSV),
customer, history, alerts.

Each route: find the visitor, find the workspace they may see (else the same 404 as a workspace
that does not exist), build the page from stored runs (``pages``), render it. Ids from the URL are
passed to the store as bound parameters only.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException

from bridgewatch.history import StoredCardRun
from bridgewatch.history.store import FailedRun
from bridgewatch.report.csv_out import meta_of
from bridgewatch.report.words import DEFAULT_LOCALE
from bridgewatch.web import exports, inputs, pages, reads
from bridgewatch.web.access import LENSES, Visitor
from bridgewatch.web.alerts import alert_feed
from bridgewatch.web.app import SignInRequired, Site
from bridgewatch.web.index import SORTS
from bridgewatch.web.security import SESSION_COOKIE
from bridgewatch.web.settings import ServedWorkspace

BAD_VALUE = "A value in the address is not valid here; go back and try again."
NOT_FOUND = "There is no such page."
Text = Annotated[str | None, Query(max_length=500)]
Direction = Annotated[str, Query(alias="dir", pattern="^(natural|reverse)?$")]


def no_nul(request: Request) -> None:
    """Raises: HTTPException: 400, a NUL in the address (no id, filter or user name holds one, and PostgreSQL text
    cannot: bound as a value it came back as a store error)."""
    if "\x00" in request.scope["path"] or any("\x00" in v for v in request.query_params.values()):
        raise HTTPException(400, BAD_VALUE)


router = APIRouter(dependencies=[Depends(no_nul)])


def site_of(request: Request) -> Site:
    site: Site = request.app.state.site
    return site


def visitor_of(request: Request) -> Visitor:
    """The visitor of this request (trusted SSO header from a proxy > session cookie > anonymous > nobody)."""
    if hasattr(request.state, "visitor"):
        found: Visitor = request.state.visitor
        return found
    site, settings = site_of(request), site_of(request).settings
    visitor = Visitor(anonymous=settings.allow_anonymous and _local_peer(request, site))
    header = settings.trusted_header
    name = request.headers.get(header) if header and _from_proxy(request, site) else None
    token = site.signer.unsign(request.cookies.get(SESSION_COOKIE), settings.session_hours * 3600)
    if name:
        user = site.users.find(name)
        visitor = Visitor(user=user, unknown_sso_name=None if user else name)
    elif token and (user := site.users.session_user(token)):
        visitor = Visitor(user=user, session_token=token)
    request.state.visitor = visitor
    return visitor


def _local_peer(request: Request, site: Site) -> bool:
    """True when the request comes straight from this machine (a loopback peer that is not a configured proxy) and
    asks for this machine by name (its Host is ``localhost`` or a loopback address): the only visitors
    ``--allow-anonymous`` lets read without signing in. The Host check stops DNS rebinding, where a page on another
    site makes its own name resolve to 127.0.0.1 and reads the answers as its own."""
    from bridgewatch.web.access import peer
    from bridgewatch.web.settings import is_loopback

    return (is_loopback(peer(request)) and not _from_proxy(request, site)
            and is_loopback(request.url.hostname or ""))


def _from_proxy(request: Request, site: Site) -> bool:
    from bridgewatch.web.access import from_proxy

    return from_proxy(request, site.settings.trusted_proxies)


def reader(request: Request) -> Visitor:
    """The visitor, who must be allowed to read (else the sign-in page, or 403 for an unknown SSO user)."""
    visitor = visitor_of(request)
    if visitor.unknown_sso_name:
        raise HTTPException(403, f"You are signed in as {visitor.unknown_sso_name}, who is not a bridgewatch user. "
                                 f"Ask an owner to add you (`bridgewatch users add`).")
    if not visitor.may_read:
        raise SignInRequired()
    return visitor


def workspace(request: Request, visitor: Visitor, ws_id: str) -> ServedWorkspace:
    ws = site_of(request).settings.workspace(ws_id)
    if ws is None or not visitor.sees(ws_id):
        raise HTTPException(404, NOT_FOUND)
    return ws


def render(request: Request, template: str, visitor: Visitor, ws: ServedWorkspace | None = None,
           status: int = 200, **context: Any) -> Response:
    site = site_of(request)
    base = {"visitor": visitor, "nav": site.visible(visitor), "ws": ws, "locale": ws.locale if ws else DEFAULT_LOCALE,
            "csrf_token": site.signer.csrf_token(request.state.csrf_nonce), "lenses": LENSES}
    return site.templates.TemplateResponse(request, template, {**base, **context}, status_code=status)


def _quote(value: str) -> str:
    return quote(value, safe="")


def _card_run(request: Request, ws: ServedWorkspace, card_id: str, run_id: str | None) -> tuple[Any, Any]:
    site = site_of(request)
    card = pages.card_of(ws, card_id)
    return card, pages.stored_run(site.store(ws), ws, card, run_id)


def _picked_run(request: Request, ws: ServedWorkspace, card_id: str, run_id: str | None) -> tuple[Any, Any, Any]:
    """The card, the run a page with a run picker shows (``run_id``, else the latest) and the runs it lists."""
    store, card = site_of(request).store(ws), pages.card_of(ws, card_id)
    recent = store.recent(ws.id, card.id, limit=pages.PICKER_RUNS)
    return card, pages.stored_run(store, ws, card, run_id, recent), recent


def _failed(request: Request, ws: ServedWorkspace, stored: StoredCardRun | None) -> FailedRun | None:
    """The workspace's latest live run (not a backfill) when it failed after ``stored``'s run (one read per request)."""
    return pages.failure_after(site_of(request).store(ws).latest_failure(ws.id, live_only=True), stored)


@router.get("/healthz", include_in_schema=False)
def healthz() -> Response:
    return PlainTextResponse("ok")


@router.get("/")
def overview(request: Request) -> Response:
    visitor = reader(request)
    site = site_of(request)
    tiles = [t for ws in site.visible(visitor) for t in pages.tiles(site.store(ws), ws)]
    return render(request, "overview.html", visitor, tiles=tiles)


@router.get("/w/{ws_id}")
def workspace_home(request: Request, ws_id: str) -> Response:
    ws = workspace(request, reader(request), ws_id)
    return RedirectResponse(f"/w/{_quote(ws.id)}/cards/{_quote(ws.cards[0])}", status_code=303)


@router.get("/w/{ws_id}/cards/{card_id}")
def card_page(request: Request, ws_id: str, card_id: str, run: Text = None, lens: Text = None, cause: Text = None,
              segment: Text = None, entity: Text = None, platform: Text = None) -> Response:
    visitor = reader(request)
    ws = workspace(request, visitor, ws_id)
    card, stored, recent = _picked_run(request, ws, card_id, run)
    chosen = lens if lens in LENSES else visitor.lens(ws.id)
    if stored is None:
        return render(request, "no_run.html", visitor, ws, card=card, failed=_failed(request, ws, None))
    filters = _filters(card, {"cause": cause, "segment": segment, "entity": entity, "platform": platform})
    site = site_of(request)
    view = pages.card_view(site.store(ws), site.index, ws, card, stored, filters, recent=recent)
    return render(request, "card.html", visitor, ws, view=view, lens=chosen, failed=_failed(request, ws, stored))


@router.get("/w/{ws_id}/cards/{card_id}/worklist")
def worklist(request: Request, ws_id: str, card_id: str, run: Text = None, cause: Text = None,
             segment: Text = None, entity: Text = None, platform: Text = None, sort: str = "rank",
             direction: Direction = "natural", page: Annotated[int, Query(ge=1, le=10_000_000)] = 1,
             size: int = 50) -> Response:
    visitor = reader(request)
    ws = workspace(request, visitor, ws_id)
    card, stored = _card_run(request, ws, card_id, run)
    if stored is None:
        return render(request, "no_run.html", visitor, ws, card=card, failed=_failed(request, ws, None))
    filters = _filters(card, {"cause": cause, "segment": segment, "entity": entity, "platform": platform})
    _sort(sort)
    if size not in pages.PAGE_SIZES:
        raise HTTPException(400, f"Unknown page size {size}; sizes: {', '.join(map(str, pages.PAGE_SIZES))}.")
    site = site_of(request)
    view = pages.worklist_view(site.store(ws), site.index, ws, card, stored, filters, sort=sort,
                               reverse=direction == "reverse", page=page, size=size)
    partial = bool(request.headers.get("hx-request")) and request.headers.get("hx-target") == "worklist-results"
    return render(request, "_worklist_table.html" if partial else "worklist.html", visitor, ws, view=view,
                  run_param=run, failed=_failed(request, ws, stored))


def _filters(card: Any, values: dict[str, str | None]) -> dict[str, str]:
    """The filters of the address, cleaned.

    Raises:
        HTTPException: 400, a cause the card does not have (a typo would otherwise show every drill at zero, which
            reads as an all-clear, and download an empty worklist).
    """
    filters = pages.clean_filters(values)
    cause = filters.get("cause")
    if cause is not None and cause not in card.cause_ids:
        raise HTTPException(400, f"Unknown cause '{cause[:50]}' on this card; causes: {', '.join(card.cause_ids)}.")
    return filters


def _sort(sort: str) -> None:
    """Raises: HTTPException: 400, an unknown sort key (before any response has started)."""
    if sort not in SORTS:
        raise HTTPException(400, f"Unknown worklist sort '{sort[:50]}'; sorts: {', '.join(SORTS)}.")


def _download(request: Request, ws_id: str, card_id: str, run: str | None, filters: dict[str, str | None],
              sort: str, reverse: bool) -> tuple[ServedWorkspace, StoredCardRun, Any]:
    visitor = reader(request)
    ws = workspace(request, visitor, ws_id)
    card, stored = _card_run(request, ws, card_id, run)
    if stored is None:
        raise HTTPException(404, "This card has no stored run yet.")
    clean = _filters(card, filters)
    _sort(sort)
    site = site_of(request)
    store = site.store(ws)
    batches = site.index.ordered(store, stored, filters=clean, sort=sort, reverse=reverse)
    rows = (row for batch in batches for row in reads.rows(store, stored, batch))
    return ws, stored, rows


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/w/{ws_id}/cards/{card_id}/worklist.{fmt}")
def worklist_download(request: Request, ws_id: str, card_id: str, fmt: Literal["csv", "xlsx"], run: Text = None,
                      cause: Text = None, segment: Text = None, entity: Text = None, platform: Text = None,
                      sort: str = "rank", direction: Direction = "natural") -> Response:
    """The filtered worklist as CSV (formula-safe) or XLSX, in the page's order, streamed."""
    filters = {"cause": cause, "segment": segment, "entity": entity, "platform": platform}
    ws, stored, rows = _download(request, ws_id, card_id, run, filters, sort, direction == "reverse")
    name = exports.filename(ws.id, stored.card, stored.run_id, fmt)
    meta = meta_of(stored.summary)
    body = exports.csv_stream(meta, rows) if fmt == "csv" else exports.xlsx_stream(meta, rows, title=stored.card)
    return StreamingResponse(body, media_type="text/csv; charset=utf-8" if fmt == "csv" else XLSX,
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/w/{ws_id}/cards/{card_id}/inputs")
def inputs_page(request: Request, ws_id: str, card_id: str, run: Text = None) -> Response:
    """What a stored card run was computed from: its ingest accounting (files, rows, exclusions, quarantine)."""
    visitor = reader(request)
    ws = workspace(request, visitor, ws_id)
    card, stored, recent = _picked_run(request, ws, card_id, run)
    if stored is None:
        return render(request, "no_run.html", visitor, ws, card=card, failed=_failed(request, ws, None))
    view = inputs.inputs_view(site_of(request).store(ws), ws, card, stored, recent=recent)
    return render(request, "inputs.html", visitor, ws, view=view, failed=_failed(request, ws, stored))


@router.get("/w/{ws_id}/cards/{card_id}/inputs/quarantine.csv")
def quarantine_download(request: Request, ws_id: str, card_id: str, run: Text = None) -> Response:
    """Every quarantined cell of a stored card run's inputs as CSV (formula-safe)."""
    visitor = reader(request)
    ws = workspace(request, visitor, ws_id)
    _card, stored = _card_run(request, ws, card_id, run)
    if stored is None:
        raise HTTPException(404, "This card has no stored run yet.")
    body = inputs.quarantine_csv(reads.accounting(site_of(request).store(ws), stored))
    name = exports.filename(ws.id, stored.card, stored.run_id, "quarantine.csv")
    return StreamingResponse(body, media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/w/{ws_id}/cards/{card_id}/customers/{customer_id:path}")
def customer(request: Request, ws_id: str, card_id: str, customer_id: str, run: Text = None) -> Response:
    visitor = reader(request)
    ws = workspace(request, visitor, ws_id)
    card, stored = _card_run(request, ws, card_id, run)
    if stored is None:
        return render(request, "no_run.html", visitor, ws, card=card, failed=_failed(request, ws, None))
    site = site_of(request)
    view = pages.customer_view(site.store(ws), site.index, ws, card, stored, customer_id[:500])
    return render(request, "customer.html", visitor, ws, view=view, run_param=run,
                  failed=_failed(request, ws, stored))


@router.get("/w/{ws_id}/cards/{card_id}/history")
def history(request: Request, ws_id: str, card_id: str,
            before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None) -> Response:
    visitor = reader(request)
    ws = workspace(request, visitor, ws_id)
    card = pages.card_of(ws, card_id)
    site = site_of(request)
    view = pages.history_view(site.store(ws), site.index, ws, card, before=before)
    latest = view.trend.latest if view.trend else None
    return render(request, "history.html", visitor, ws, view=view, failed=_failed(request, ws, latest))


@router.get("/w/{ws_id}/alerts")
def alerts(request: Request, ws_id: str) -> Response:
    visitor = reader(request)
    ws = workspace(request, visitor, ws_id)
    site = site_of(request)
    tiles = pages.states(site.store(ws), ws)
    return render(request, "alerts.html", visitor, ws, tiles=tiles, feed=alert_feed(site.store(ws), ws.config))
