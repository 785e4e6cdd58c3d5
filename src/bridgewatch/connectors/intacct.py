"""Sage Intacct: ``CUSTOMER`` through the XML gateway, per entity or across entities.

Auth: the Web Services sender (``sender_id`` + sender password) and a user login (``user``,
``company_id``, user password, and ``locationid`` = the entity when pulling per entity) open an
API session with ``getAPISession``; later calls carry the session id to the endpoint it names.
Paging: ``readByQuery`` then ``readMore`` by ``resultId`` until ``numremaining`` is 0. Incremental:
``WHENMODIFIED >= 'MM/DD/YYYY HH:MM:SS'`` in the tenant's wall time (the source's ``timezone``).

``readMore`` advances a server-side cursor, so it is not repeated blindly: a timeout or a 524
("the CDN cut the connection but Intacct may still be processing", outcome unknown) fails the
pull with that said, never retried into a skipped page. Throttling (HTTP 429, ``GW-0010``) is
retried after the wait.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import httpx

from bridgewatch.connectors.base import NOT_COMPLETE, Connector, Context, Page, Resource, field_key, no_records
from bridgewatch.connectors.http.client import ApiClient, Call, ErrorPolicy
from bridgewatch.connectors.http.retry import SERVER, THROTTLED, Retry
from bridgewatch.connectors.pages import PageFormat
from bridgewatch.errors import AuthError, ConnectorError
from bridgewatch.sources.intacct import FIELDS, flatten

GATEWAY = "https://api.intacct.com/ia/xml/xmlgw.phtml"
DATES = "%m/%d/%Y %H:%M:%S"
THROTTLE_CODES = ("GW-0010",)


class IntacctPage(PageFormat):
    """A ``readByQuery`` result holding ``<customer>`` records (fields as dotted element names)."""

    suffix = ".xml"

    def render(self, records: Any, scope: str) -> bytes:
        body = "".join("<customer>" + "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in r.items()) + "</customer>\n"
                       for r in records)
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<response><operation><result><status>success</status>'
                f'<function>readByQuery</function><data listtype="customer" count="{len(records)}">\n{body}'
                f'</data></result></operation></response>\n').encode()

    def parse(self, data: bytes) -> list[Any]:
        found = ET.fromstring(data).find(".//data")
        return [flatten(e) for e in found] if found is not None else []


def _errors(elem: ET.Element) -> str:
    parts = [" ".join(filter(None, [(e.findtext(t) or "").strip() for t in ("errorno", "description",
                                                                            "description2", "correction")]))
             for e in elem.iter("error")]
    return "; ".join(p for p in parts if p) or "no error detail"


def _remaining(data: ET.Element, what: str, before: int | None) -> int:
    """Records left after this page (``numremaining``), when ``readMore`` can fetch them and they shrink by exactly
    the records this page holds (from the previous page's ``numremaining``, or the first page's ``totalcount``).

    Raises:
        ConnectorError: ``numremaining`` is not a number, is above 0 without a ``resultId`` to read on with,
            is no lower than the previous page's (readMore would never end), or fell by more than the page
            holds (records were left out): never taken as the end.
    """
    said = (data.get("numremaining") or "0").strip()
    end = NOT_COMPLETE
    if not said.isdigit():
        raise ConnectorError(f"Sage Intacct answered {what} with numremaining=\"{said[:40]}\", not a number of "
                             f"records; {end}")
    left = int(said)
    if left > 0 and not (data.get("resultId") or "").strip():
        raise ConnectorError(f"Sage Intacct answered {what} with numremaining=\"{left}\" but no resultId to read "
                             f"them with; {end}")
    if left > 0 and before is not None and left >= before:
        raise ConnectorError(f"Sage Intacct answered {what} with numremaining=\"{left}\", no fewer than before "
                             f"({before}), so readMore would never end; {end}")
    total = (data.get("totalcount") or "").strip()
    expected, said_so = (before, f"{before} remained before it") if before is not None else \
        (int(total), f"its totalcount is {total}") if total.isdigit() else (None, "")
    missing = expected - len(data) - left if expected is not None else 0
    if missing:
        why = f"{missing} record(s) were left out" if missing > 0 else "the counts do not add up"
        raise ConnectorError(f"Sage Intacct answered {what} with {len(data)} record(s) and numremaining=\"{left}\", "
                             f"but {said_so}, so {why}; {end}")
    return left


def trusted_endpoint(endpoint: str, gateway: str) -> str:
    """The endpoint a sign-in answer names for the session's calls, when bridgewatch may send them there.

    Every call carries the sender password and the session id, so the endpoint must be the gateway's
    own scheme and host, or an https address on Sage Intacct's domain (``intacct.com``).

    Raises:
        ConnectorError: any other address (it is named, the credentials are not sent).
    """
    got, at = httpx.URL(endpoint), httpx.URL(gateway)
    vendor = got.scheme == "https" and (got.host == "intacct.com" or got.host.endswith(".intacct.com"))
    if vendor or (got.scheme, got.host, got.port) == (at.scheme, at.host, at.port):
        return endpoint
    raise ConnectorError(f"Sage Intacct's sign-in named the endpoint {endpoint!r}, neither the gateway's host "
                         f"({at.host}) nor an https address on intacct.com; bridgewatch does not send the "
                         f"credentials there. Check base_url (default {GATEWAY})")


class IntacctPolicy(ErrorPolicy):
    platform = "Sage Intacct"
    not_found_hint = "check base_url (the XML gateway, default https://api.intacct.com/ia/xml/xmlgw.phtml)"

    def check(self, call: Call, response: httpx.Response) -> None:
        if response.status_code == 524:
            raise ConnectorError(f"Sage Intacct answered 524 for {call.what}: the gateway cut the connection but "
                                 f"Intacct may still be processing it (outcome unknown). Not retried so no page is "
                                 f"skipped; pull again", status=524)
        super().check(call, response)


class IntacctConnector(Connector):
    """Sage Intacct XML API → ``sage_intacct_xml`` pages."""

    reader = "sage_intacct_xml"
    platform = "Sage Intacct"
    secrets_needed = {"sender_password": "Web Services sender password",
                      "user_password": "Web Services user password"}
    required = ("sender_id", "user", "company_id")
    resources: Mapping[str, Resource] = {
        "customers": Resource("customers", IntacctPage(), field_key("RECORDNO", "CUSTOMERID"), None)}
    default_page_size = 1000


    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.zone = ZoneInfo(context.timezone)
        self._ids = itertools.count(1)
        self.resources = {"customers": Resource("customers", IntacctPage(), field_key("RECORDNO", "CUSTOMERID"),
                                                self._modified)}

    def _modified(self, record: Any) -> datetime | None:
        value = record.get("WHENMODIFIED") if isinstance(record, dict) else None
        try:
            return datetime.strptime(value, DATES).replace(tzinfo=self.zone).astimezone(UTC) if value else None
        except ValueError:
            return None

    def client(self) -> ApiClient:
        return self.cached("gateway", lambda: self.ctx.client(IntacctPolicy(),
                                                              headers={"Content-Type": "application/xml"}))

    def pages(self, resource: str, since: datetime | None) -> Iterator[Page]:
        for entity in self.settings.entities or ("",):
            yield from self._entity(entity, since)

    def _entity(self, entity: str, since: datetime | None) -> Iterator[Page]:
        session, endpoint = self._login(entity)
        fields = ",".join(self._fields())
        query = (f"WHENMODIFIED &gt;= '{since.astimezone(self.zone).strftime(DATES)}'" if since else "")
        function = (f"<readByQuery><object>CUSTOMER</object><fields>{fields}</fields><query>{query}</query>"
                    f"<pagesize>{self.page_size}</pagesize></readByQuery>")
        where = f"customers{' of entity ' + entity if entity else ''}"
        data = self._call(endpoint, self._session(session), function, f"{where} page 1", idempotent=True,
                          records=True)
        page, before = 1, None
        while True:
            records = [flatten(e) for e in data]
            if records:
                yield Page("customers", records)
            left = _remaining(data, f"{where} page {page}", before)
            if left <= 0:
                return
            page, before = page + 1, left
            function = f"<readMore><resultId>{escape(data.get('resultId', ''))}</resultId></readMore>"
            data = self._call(endpoint, self._session(session), function, f"{where} page {page}", idempotent=False,
                              records=True)

    def _fields(self) -> list[str]:
        extra = [str(self.ctx.options[k]).upper() for k in ("vat_field", "external_id_field")
                 if self.ctx.options.get(k)]
        return list(dict.fromkeys((*FIELDS, *extra)))

    def _login(self, entity: str) -> tuple[str, str]:
        s = self.settings
        location = f"<locationid>{escape(entity)}</locationid>" if entity else ""
        login = (f"<login><userid>{escape(str(s.user))}</userid><companyid>{escape(str(s.company_id))}</companyid>"
                 f"<password>{escape(self.ctx.secrets['user_password'].reveal())}</password>{location}</login>")
        data = self._call(s.base_url or GATEWAY, login, "<getAPISession/>", "sign-in", idempotent=True,
                          entity=entity)
        session = (data.findtext("api/sessionid") or "").strip()
        if not session:
            raise ConnectorError(f"Sage Intacct answered the sign-in without a session id (at operation/result/data/"
                                 f"api/sessionid); check base_url is the XML gateway (default {GATEWAY}), then pull "
                                 f"again")
        self.ctx.redactor.add(session)
        gateway = s.base_url or GATEWAY
        return session, trusted_endpoint((data.findtext("api/endpoint") or gateway).strip(), gateway)

    @staticmethod
    def _session(session: str) -> str:
        return f"<sessionid>{escape(session)}</sessionid>"

    def _call(self, url: str, auth: str, function: str, what: str, *, idempotent: bool, entity: str = "",
              records: bool = False) -> Any:
        s = self.settings
        body = (f'<?xml version="1.0" encoding="UTF-8"?><request><control><senderid>{escape(str(s.sender_id))}'
                f'</senderid><password>{escape(self.ctx.secrets["sender_password"].reveal())}</password>'
                f'<controlid>bw-{next(self._ids)}</controlid><uniqueid>false</uniqueid><dtdversion>3.0</dtdversion>'
                f'</control><operation><authentication>{auth}</authentication><content><function controlid="f1">'
                f'{function}</function></content></operation></request>')
        call = Call("POST", url, content=body, idempotent=idempotent, what=what)
        session = auth.startswith("<sessionid>")
        return self.client().send(call, lambda c, r: self._result(c, r, entity, records, session)).body

    def _result(self, call: Call, response: httpx.Response, entity: str, records: bool, session: bool = False) -> Any:
        """The ``<data>`` of a successful result; ``records``: it must be there (``count="0"`` is an empty page)."""
        try:
            root = ET.fromstring(response.content)
        except ET.ParseError as exc:
            raise Retry(SERVER, f"{call.what} is not valid XML ({exc}); the response may be torn") from None
        control = root.find("control")
        if control is not None and (control.findtext("status") or "").strip() == "failure":
            detail = _errors(root)
            if any(code in detail for code in THROTTLE_CODES):
                raise Retry(THROTTLED, f"throttled ({detail[:120]})")
            raise ConnectorError(f"Sage Intacct rejected the request for {call.what}: {detail}; check api.sender_id "
                                 f"and the sender password")
        auth = root.find("operation/authentication")
        if auth is not None and (auth.findtext("status") or "").strip() == "failure":
            if session:  # the sign-in worked moments ago: the session ended, the credentials are not the problem
                raise AuthError(f"Sage Intacct refused the API session for {call.what} ({_errors(root)}): the "
                                f"session ended while pulling (it expired or was signed out); pull again")
            raise AuthError(self._sign_in_failed(_errors(root), entity))
        result = root.find("operation/result")
        if result is None or (result.findtext("status") or "").strip() != "success":
            detail = _errors(result if result is not None else root)
            raise ConnectorError(f"Sage Intacct could not read {call.what}: {detail}")
        data = result.find("data")
        if data is None and records:
            held = ", ".join(sorted({child.tag for child in result})[:6]) or "nothing"
            raise no_records(self.platform, call.what, "at operation/result/data", f"a result with {held}")
        said = data.get("count") if records and data is not None else None
        if data is not None and said is not None and said.isdigit() and int(said) != len(data):
            raise Retry(SERVER, f"{call.what} says count=\"{said}\" but holds {len(data)} record(s); the response "
                                "may be torn")
        return data if data is not None else ET.Element("data")

    def _sign_in_failed(self, detail: str, entity: str) -> str:
        s = self.settings
        where = f"user {s.user} at company {s.company_id}" + (f", entity {entity}" if entity else "")
        todo = ("check api.entities names an entity this user may sign in to" if entity and "entity" in detail.lower()
                or "location" in detail.lower() else
                "check api.user, api.company_id, the user password and that the sender id is authorised "
                "(Company > Security > Web Services authorizations)")
        return f"Sage Intacct refused the sign-in for {where} ({detail}); {todo}"
