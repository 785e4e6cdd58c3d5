"""Who is asking, and what they may see: the visitor of a request, their roles, the page they land on.

A visitor is one of: a signed-in user (session cookie); a user named by the trusted single-sign-on
header, believed only when the request's peer address is one of the configured proxies; the
anonymous read-only visitor of ``--allow-anonymous``; or nobody (sent to the sign-in page).

A workspace is visible to a user only through a grant; to everybody else it does not exist (the
same 404 as a workspace that is not served). Every role reads every page of a granted workspace;
only an owner manages who else may.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import Request

from bridgewatch.report.result import ROLES
from bridgewatch.web.settings import Network
from bridgewatch.web.users import User

LENSES = {
    "all": "Everything",
    "finance": "Blocked value and VAT",
    "marketing": "Create failures",
    "operations": "Sync health",
}
"""Views of a card page; each role lands on its own (an owner on everything)."""
OWNER = "owner"


@dataclass(frozen=True)
class Visitor:
    """The person behind a request."""

    user: User | None = None
    anonymous: bool = False
    """The read-only visitor of ``--allow-anonymous``."""
    session_token: str | None = None
    unknown_sso_name: str | None = None
    """The trusted header named someone who is not a user."""

    @property
    def signed_in(self) -> bool:
        return self.user is not None

    @property
    def may_read(self) -> bool:
        return self.signed_in or self.anonymous

    @property
    def label(self) -> str:
        return self.user.name if self.user else "anonymous (read-only)"

    def roles(self, workspace_id: str) -> frozenset[str]:
        return self.user.roles_in(workspace_id) if self.user else frozenset()

    def sees(self, workspace_id: str) -> bool:
        return self.anonymous or bool(self.roles(workspace_id))

    def owns(self, workspace_id: str) -> bool:
        return OWNER in self.roles(workspace_id)

    def lens(self, workspace_id: str) -> str:
        """The card view this visitor lands on in a workspace."""
        roles = self.roles(workspace_id)
        if self.anonymous or OWNER in roles:
            return "all"
        return next((r for r in ROLES if r in roles), "all")


def peer(request: Request) -> str:
    return request.client.host if request.client else ""


def from_proxy(request: Request, proxies: Sequence[Network]) -> bool:
    """True when the request's peer (the TCP connection, not a header) is a configured proxy."""
    try:
        address = ipaddress.ip_address(peer(request))
    except ValueError:
        return False
    return any(address in network for network in proxies)


def client_address(request: Request, proxies: Sequence[Network]) -> str:
    """The browser's address: the proxy's ``X-Forwarded-For`` (last hop) when it came through one, else the peer."""
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and from_proxy(request, proxies):
        return forwarded.split(",")[-1].strip()
    return peer(request)


def over_tls(request: Request, proxies: Sequence[Network]) -> bool:
    """Whether the browser reached us over TLS (directly, or through a configured proxy that says so)."""
    if request.url.scheme == "https":
        return True
    return from_proxy(request, proxies) and request.headers.get("x-forwarded-proto", "").lower() == "https"


def safe_next(target: str | None) -> str:
    """A local path to return to after signing in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
