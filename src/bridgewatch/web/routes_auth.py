"""Signing in and out, and an owner's page for who may see their workspace: every form here changes state,
so every one carries a CSRF token and is refused without it.

Sign-in is rate-limited per user name and per address; a wrong name and a wrong password get the
same answer. New users and passwords are made with ``bridgewatch users`` (never over the web).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException

from bridgewatch.errors import BridgewatchError
from bridgewatch.report.result import ROLES
from bridgewatch.web import access
from bridgewatch.web.access import Visitor
from bridgewatch.web.routes import render, site_of, visitor_of, workspace
from bridgewatch.web.security import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE, new_nonce
from bridgewatch.web.users import Users, shown_name

router = APIRouter()
Field = Annotated[str, Form(max_length=1000)]
BAD_FORM = "This form has expired or did not come from this site: reload the page and try again."


def check_csrf(request: Request, token: str | None) -> None:
    """Raises: HTTPException: 403 when the form's token does not match this browser's nonce."""
    if not site_of(request).signer.csrf_ok(request.state.csrf_nonce, token):
        raise HTTPException(403, BAD_FORM)


def landing(request: Request, visitor: Visitor) -> str:
    """Where a visitor lands: straight on their card view when they see one workspace, else the overview."""
    visible = site_of(request).visible(visitor)
    if len(visible) == 1:
        ws = visible[0]
        return f"/w/{quote(ws.id, safe='')}/cards/{quote(ws.cards[0], safe='')}"
    return "/"


@router.get("/signin")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    visitor = visitor_of(request)
    if visitor.signed_in:
        return RedirectResponse(access.safe_next(next) if next else landing(request, visitor), status_code=303)
    return render(request, "signin.html", visitor, next=access.safe_next(next), error=None, name="")


@router.post("/signin")
def sign_in(request: Request, name: Field, password: Field, csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
            next: Annotated[str, Form()] = "/") -> Response:
    check_csrf(request, csrf_token)
    site = site_of(request)
    address = access.client_address(request, site.settings.trusted_proxies)
    wait = site.limiter.begin(name, address)  # counted as a failure until it succeeds
    if wait is not None:
        refused = render(request, "signin.html", Visitor(), status=429, next=access.safe_next(next), name=name,
                         error=f"Too many failed sign-ins. Try again in {wait} seconds.")
        refused.headers["Retry-After"] = str(wait)
        return refused
    user = site.users.verify(name, password)
    if user is None:
        return render(request, "signin.html", Visitor(), status=401, next=access.safe_next(next), name=name,
                      error="That user name and password do not match.")
    site.limiter.succeeded(name, address)
    held = visitor_of(request).session_token
    if held:  # signing in again in the same browser: the session it held ends, not only its cookie
        site.users.end_session(held)
    token = site.users.open_session(user, timedelta(hours=site.settings.session_hours))
    target = access.safe_next(next) if next and next != "/" else landing(request, Visitor(user=user))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, site.signer.sign(token), max_age=site.settings.session_hours * 3600,
                        httponly=True, samesite="lax", path="/",
                        secure=access.over_tls(request, site.settings.trusted_proxies))
    _new_csrf_nonce(request, response)
    return response


def _new_csrf_nonce(request: Request, response: Response) -> None:
    """Give the browser a new CSRF nonce: the form tokens of the one it held (which someone may have planted, or
    read before signing in) stop working."""
    from bridgewatch.web.app import CSRF_MAX_AGE_S

    site = site_of(request)
    response.set_cookie(CSRF_COOKIE, site.signer.sign(new_nonce()), max_age=CSRF_MAX_AGE_S, httponly=True,
                        samesite="lax", path="/", secure=access.over_tls(request, site.settings.trusted_proxies))


@router.post("/signout")
def sign_out(request: Request, csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(request, csrf_token)
    visitor = visitor_of(request)
    if visitor.session_token:
        site_of(request).users.end_session(visitor.session_token)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    _new_csrf_nonce(request, response)
    return response


def owner(request: Request, ws_id: str) -> tuple[Visitor, str]:
    """The signed-in owner of ``ws_id`` (404 when the workspace is not theirs to see, 403 when not an owner)."""
    visitor = visitor_of(request)
    if not visitor.may_read:
        from bridgewatch.web.app import SignInRequired

        raise SignInRequired()
    ws = workspace(request, visitor, ws_id)
    if not visitor.owns(ws.id):
        raise HTTPException(403, "Only an owner of this workspace manages who may see it.")
    return visitor, ws.id


DONE = {"granted": "The role was granted.", "revoked": "The role was revoked."}


@router.get("/w/{ws_id}/users")
def users_page(request: Request, ws_id: str, done: str | None = None) -> Response:
    visitor, ws_id = owner(request, ws_id)
    ws = workspace(request, visitor, ws_id)
    people = site_of(request).users.list(ws_id)
    return render(request, "users.html", visitor, ws, people=people, roles=ROLES, shown_name=shown_name,
                  message=DONE.get(done or ""), error=None)


@router.post("/w/{ws_id}/users/grant")
def grant(request: Request, ws_id: str, name: Field, role: Field,
          csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    check_csrf(request, csrf_token)
    visitor, ws_id = owner(request, ws_id)
    return _change(request, visitor, ws_id, lambda users: users.grant(name, ws_id, role), "granted")


@router.post("/w/{ws_id}/users/revoke")
def revoke(request: Request, ws_id: str, role: Field, user_id: Annotated[int | None, Form(ge=1)] = None,
           name: Annotated[str | None, Form(max_length=1000)] = None,
           csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "") -> Response:
    """The page's forms post the user's id (a name stored before names were checked may look like another's once
    the page drops its invisible characters); a script may post the exact ``name`` instead."""
    check_csrf(request, csrf_token)
    visitor, ws_id = owner(request, ws_id)
    if (user_id is None) == (name is None):
        return _users_error(request, visitor, ws_id, "Say whose role to revoke: the user's id (user_id) or their "
                                                     "exact name (name), one of them.")
    users = site_of(request).users
    target = users.by_id(user_id) if user_id is not None else users.find(name or "")
    owners = [u.id for u in users.list(ws_id) if "owner" in u.roles_in(ws_id)]
    if role == "owner" and target is not None and owners == [target.id]:
        return _users_error(request, visitor, ws_id, "A workspace keeps at least one owner: grant owner to someone "
                                                     "else first.")
    if user_id is not None:
        return _change(request, visitor, ws_id, lambda u: u.revoke_id(user_id, ws_id, role), "revoked")
    return _change(request, visitor, ws_id, lambda u: u.revoke(name or "", ws_id, role), "revoked")


def _change(request: Request, visitor: Visitor, ws_id: str, change: Callable[[Users], object],
            done: str) -> Response:
    try:
        change(site_of(request).users)
    except BridgewatchError as exc:
        return _users_error(request, visitor, ws_id, str(exc))
    return RedirectResponse(f"/w/{quote(ws_id, safe='')}/users?done={done}", status_code=303)


def _users_error(request: Request, visitor: Visitor, ws_id: str, error: str) -> Response:
    ws = workspace(request, visitor, ws_id)
    people = site_of(request).users.list(ws_id)
    return render(request, "users.html", visitor, ws, status=400, people=people, roles=ROLES, shown_name=shown_name,
                  message=None, error=error)
