"""A fake Sage Intacct XML gateway: sender and user sign-in, API sessions, readByQuery / readMore."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.sax.saxutils import escape

import httpx

from bridgewatch.connectors.fakes.base import FakeApi, Listing, Record, Table

SENDER, SENDER_PASSWORD = "bw-sender", "intacct-sender-secret-41"
USER, COMPANY, USER_PASSWORD = "ws_user", "HarbourCo", "intacct-user-secret-97"
DATES = "%m/%d/%Y %H:%M:%S"
QUERY = re.compile(r"WHENMODIFIED\s*>=\s*'([^']+)'")


def _response(inner: str, control: str = "success") -> httpx.Response:
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<response><control><status>{control}</status>'
           f'<senderid>{SENDER}</senderid></control>{inner}</response>')
    return httpx.Response(200, content=xml.encode(), headers={"content-type": "text/xml"})


def _error(code: str, text: str) -> str:
    return (f"<errormessage><error><errorno>{code}</errorno><description></description>"
            f"<description2>{escape(text)}</description2></error></errormessage>")


@dataclass
class FakeIntacct(FakeApi):
    """Serves CUSTOMER records of ``customers``; ``entities`` are the entities a user may sign in to."""

    customers: Table = field(default_factory=lambda: Table("RECORDNO"))
    entities: tuple[str, ...] = ("UK01",)
    sessions: dict[str, str] = field(default_factory=dict)
    results: dict[str, tuple[Listing, int, int, str]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def handle(self, request: httpx.Request) -> httpx.Response:
        root = ET.fromstring(request.content)
        if root.findtext("control/senderid") != SENDER or root.findtext("control/password") != SENDER_PASSWORD:
            return _response("<errormessage><error><errorno>XL03000006</errorno><description2>Invalid Web Services "
                             "Authorization</description2></error></errormessage>", "failure")
        entity = self._authenticate(root.find("operation/authentication"))
        if entity is None:
            return _response('<operation><authentication><status>failure</status></authentication>'
                             f'{_error("XL03000006", "Sign-in information is incorrect")}</operation>')
        function = root.find("operation/content/function")
        assert function is not None
        name = function[0].tag
        body = {"getAPISession": self._session, "readByQuery": self._query, "readMore": self._more}[name](
            function[0], entity, request)
        return _response(f"<operation><authentication><status>success</status><userid>{USER}</userid>"
                         f"</authentication><result><status>success</status><function>{name}</function>{body}"
                         f"</result></operation>")

    def _authenticate(self, auth: ET.Element | None) -> str | None:
        if auth is None:
            return None
        session = auth.findtext("sessionid")
        if session is not None:
            return self.sessions.get(session)
        login = auth.find("login")
        if login is None or (login.findtext("userid"), login.findtext("companyid"), login.findtext("password")) != \
                (USER, COMPANY, USER_PASSWORD):
            return None
        entity = login.findtext("locationid") or ""
        return entity if entity in ("", *self.entities) else None

    def _session(self, function: ET.Element, entity: str, request: httpx.Request) -> str:
        session = f"session-{next(self._ids)}-3f9a2"
        self.sessions[session] = entity
        return (f"<data><api><sessionid>{session}</sessionid><endpoint>{request.url}</endpoint>"
                f"<locationid>{entity}</locationid></api></data>")

    def _query(self, function: ET.Element, entity: str, request: httpx.Request) -> str:
        match = QUERY.search(function.findtext("query") or "")
        since = datetime.strptime(match.group(1), DATES).replace(tzinfo=UTC) if match else None
        result_id = f"result-{next(self._ids)}"
        size = int(function.findtext("pagesize") or 100)
        self.results[result_id] = (self.customers.listing(since), 0, size, entity)
        return self._page(result_id)

    def _more(self, function: ET.Element, entity: str, request: httpx.Request) -> str:
        return self._page(function.findtext("resultId") or "")

    def _page(self, result_id: str) -> str:
        listing, offset, size, entity = self.results[result_id]
        if entity:  # an entity sees its own and the shared records: filter (small tables only)
            rows = [(r, w) for r, w in listing.slice(offset, len(listing)) if _visible(r, entity)]
            page, left = rows[:size], len(rows) - min(size, len(rows))
            after = _advance(listing, offset, entity, size)
        else:
            page = listing.slice(offset, offset + size)
            after = offset + len(page)
            left = len(listing) - after
        self.results[result_id] = (listing, after, size, entity)
        body = "".join(_customer(r, w) for r, w in page)
        return (f'<data listtype="customer" count="{len(page)}" totalcount="{len(page) + left}" '
                f'numremaining="{left}" resultId="{result_id if left else ""}">{body}</data>')


def _visible(record: Record, entity: str) -> bool:
    owner = str(record.get("MEGAENTITYID") or "")
    return not entity or owner in ("", entity)


def _advance(listing: Listing, offset: int, entity: str, size: int) -> int:
    """The listing offset after the next ``size`` visible records from ``offset``."""
    seen = 0
    rows = listing.slice(offset, len(listing))
    for i, (record, _) in enumerate(rows):
        if _visible(record, entity):
            seen += 1
            if seen == size:
                return offset + i + 1
    return len(listing)


def _customer(record: Record, when: datetime) -> str:
    fields = {**record, "WHENMODIFIED": when.astimezone(UTC).strftime(DATES)}
    return "<customer>" + "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in fields.items() if v is not None) + \
        "</customer>"
