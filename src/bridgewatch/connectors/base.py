"""The connector contract: settings and secrets in, pages of records out, lazily.

A connector is one class per vendor API, registered by the reader whose files it writes
(``shopify_api``...). Constructing it does no I/O; :meth:`Connector.pages` is a generator of
:class:`Page` objects for one resource, optionally only records changed since a time. What each
resource is — its page format, record key and change marker — is data (:class:`Resource`).
"""

from __future__ import annotations

import json
import ssl
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from bridgewatch.config import ApiSettings
from bridgewatch.connectors.http.client import ApiClient, Call, ErrorPolicy, Events, Pacer
from bridgewatch.connectors.http.paginators import Paginator, SearchCriteria, dig
from bridgewatch.connectors.http.redact import Redactor
from bridgewatch.connectors.http.retry import SERVER, Retry, RetryPolicy
from bridgewatch.connectors.pages import PageFormat
from bridgewatch.connectors.secrets import Secret
from bridgewatch.errors import ConfigError, ConnectorError, did_you_mean

CONNECTORS: dict[str, type[Connector]] = {}
Key = Callable[[Any], "str | None"]
Updated = Callable[[Any], "datetime | None"]


@dataclass(frozen=True)
class Resource:
    """One list a connector pulls (customers, orders, ...)."""

    name: str
    format: PageFormat
    key: Key
    """The record's identity within the resource: a repeated key replaces the earlier record."""
    updated: Updated | None = None
    """The vendor's change time of a record; None: the vendor has none, so every pull reads it all."""
    b2b: bool = False
    """Pulled only when ``api.b2b`` is set."""
    scoped: bool = False
    """The key is unique only within a page's scope: records of two scopes never replace each other (a Business
    Central company made by copying another keeps its customers' ids)."""


@dataclass(frozen=True)
class Page:
    """Records of one resource as one response delivered them."""

    resource: str
    records: list[Any]
    scope: str = ""
    """Records of different scopes (Business Central companies) never share a page file."""


@dataclass
class Context:
    """Everything a connector is given: settings, secrets, the transport seam, clocks and callbacks."""

    source: str
    settings: ApiSettings
    secrets: Mapping[str, Secret]
    options: Mapping[str, Any]
    """The source's reader options (a connector requests the fields they name)."""
    redactor: Redactor
    timezone: str = "UTC"
    """Zone of the vendor's timestamps written without an offset (the reader's, else the workspace's)."""
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    events: Events = field(default_factory=Events)
    warnings: list[str] = field(default_factory=list)

    def client(self, policy: ErrorPolicy, *, auth: httpx.Auth | None = None, pacer: Pacer | None = None,
               headers: Mapping[str, str] | None = None) -> ApiClient:
        s = self.settings
        retry = RetryPolicy(max_attempts=s.max_attempts, max_wait=s.max_wait_seconds)
        return ApiClient(source=self.source, policy=policy, redactor=self.redactor, auth=auth,
                         transport=self.transport, timeout=s.timeout_seconds, retry=retry, pacer=pacer,
                         headers=headers, sleep=self.sleep, clock=self.clock, events=self.events,
                         verify=self.verify())

    def verify(self) -> ssl.SSLContext | bool:
        """TLS verification: the system's CAs, plus ``api.ca_bundle`` when set."""
        if not self.settings.ca_bundle:
            return True
        return ssl.create_default_context(cafile=self.settings.ca_bundle)

    def warn(self, message: str) -> None:
        self.warnings.append(self.redactor.text(f"source '{self.source}': {message}"))


class Connector(ABC):
    """Pulls one vendor's lists as pages."""

    reader: ClassVar[str]
    """The reader whose files this connector writes (its registry key)."""
    platform: ClassVar[str]
    """The vendor's name in messages."""
    required: ClassVar[tuple[str, ...]] = ()
    """``[sources.<name>.api]`` settings that must be set."""
    resources: Mapping[str, Resource]
    default_page_size: ClassVar[int] = 250
    secrets_needed: ClassVar[Mapping[str, str]] = {}
    """Secret role → what it is (``[sources.<name>.api] secrets`` names a variable for each)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "reader", None):
            CONNECTORS[cls.reader] = cls

    def __init__(self, context: Context) -> None:
        self.ctx = context
        self.settings = context.settings
        self.page_size = context.settings.page_size or self.default_page_size
        self._clients: dict[str, ApiClient] = {}
        self.pulled_scopes: dict[str, set[str]] = {}
        """Per resource, the scopes (Business Central companies) the previous pull's pages hold: on a refresh,
        a scope not among them is new to bridgewatch, and its records older than the cursor are read too."""

    def cached(self, name: str, make: Callable[[], ApiClient]) -> ApiClient:
        """The client called ``name``, made on first use (construction stays free of I/O)."""
        if name not in self._clients:
            self._clients[name] = make()
        return self._clients[name]

    @classmethod
    def secret_roles(cls, settings: ApiSettings) -> dict[str, str]:
        """Secret role → what it is, for these settings (default: ``secrets_needed``)."""
        return dict(cls.secrets_needed)

    @classmethod
    def problems(cls, settings: ApiSettings, source: str) -> list[str]:
        """Settings this connector needs that are missing or unknown (all of them)."""
        where = f"sources.{source}.api"
        out = [f"{where}.{name}: required for {cls.platform}" for name in cls.required if not getattr(settings, name)]
        for name in settings.resources or ():
            if name not in cls.resources:
                out.append(f"{where}.resources: {did_you_mean('resource', name, cls.resources)}")
        return out

    def selected(self) -> list[str]:
        """The resources this pull reads, in order."""
        chosen = self.settings.resources or [n for n, r in self.resources.items() if self.settings.b2b or not r.b2b]
        return list(chosen)

    def check(self) -> None:
        """Checks worth one request before pulling (granted scopes...): raise or warn. Default: none."""
        return None

    @abstractmethod
    def pages(self, resource: str, since: datetime | None) -> Iterator[Page]:
        """Pages of ``resource``; with ``since``, only records changed at or after it (the vendor's filter)."""

    def close(self) -> None:
        """Release the clients made so far."""
        for client in self._clients.values():
            client.close()


def get_connector(reader: str, source: str) -> type[Connector]:
    """The connector that writes ``reader``'s files.

    Raises:
        ConfigError: no connector writes that reader's files (with the closest one).
    """
    if reader not in CONNECTORS:
        lookup = did_you_mean("API connector", reader, CONNECTORS)
        raise ConfigError(f"sources.{source}.api: reader '{reader}' has no API connector. {lookup}")
    return CONNECTORS[reader]


def json_body(call: Call, response: httpx.Response) -> Any:
    """The JSON body, ``None`` for ``204 No Content``; an empty, torn or invalid body otherwise is retried."""
    if response.status_code == 204:
        return None
    if not response.content.strip():
        raise Retry(SERVER, f"{call.what} came back empty ({response.status_code} without a body); the response may "
                            f"be torn", status=response.status_code)
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Retry(SERVER, f"{call.what} is not valid JSON ({_where(exc)}); the response may be torn",
                    status=response.status_code) from None


def _where(exc: Exception) -> str:
    pos = getattr(exc, "pos", None)
    return f"broken at byte {pos}" if pos is not None else type(exc).__name__


def paginate(client: ApiClient, call: Call, paginator: Paginator, records_of: RecordsAt,
             parse: Callable[[Call, httpx.Response], Any] = json_body) -> Iterator[list[Any]]:
    """Records of every page of a list, following ``paginator`` from ``call``.

    Raises:
        ConnectorError: a page's body has no list of records where ``records_of`` looks (the API
            changed, or something other than the vendor answered): never taken as "no records".
    """
    def read(c: Call, response: httpx.Response) -> tuple[Any, list[Any]]:
        body = parse(c, response)
        return body, records_of.read(client.policy.platform, c, body)

    page = 1
    current: Call | None = call
    asked = {_identity(call): 1}
    previous: list[Any] = []
    first_total: int | None = None
    while current is not None:
        reply = client.send(current, read)
        body, records = reply.body
        total = paginator.list_total(body)
        if first_total is not None and total is not None and total < first_total:
            raise ConnectorError(f"{client.policy.platform} answered {current.what} with a total of {total} records, "
                                 f"fewer than the {first_total} of page 1: records were deleted while the list was "
                                 f"read, which moves later ones onto pages already read; {NOT_COMPLETE}")
        first_total = total if page == 1 else first_total
        if isinstance(paginator, SearchCriteria) and page > 1 and paginator.is_repeat(records):
            return
        if records and records == previous:  # the page parameter ignored (a proxy stripping the query...)
            raise ConnectorError(f"{client.policy.platform} answered {current.what} with the same records as page "
                                 f"{page - 1}, so the list would never end; {NOT_COMPLETE}")
        previous = records
        if records:
            yield records
        following = paginator.next_call(current, reply.response, body, records)
        if following is not None:
            _check_next(client.policy.platform, call, current, following, asked)
            page += 1
            asked[_identity(following)] = page
            following = _numbered(following, page)
        current = following


NOT_COMPLETE = "the list was not taken as complete: pull again"


def _identity(call: Call) -> str:
    """What makes two calls ask for the same page (method, address, parameters, body)."""
    params = sorted((str(k), str(v)) for k, v in (call.params or {}).items())
    return json.dumps([call.method, call.url, params, call.json, str(call.content)], sort_keys=True, default=str)


def _check_next(platform: str, first: Call, current: Call, following: Call, asked: dict[str, int]) -> None:
    """A next page on another address (it would get the credentials) or one already asked for (a loop) fails.

    Raises:
        ConnectorError: naming the page that pointed there.
    """
    at, to = httpx.URL(first.url), httpx.URL(following.url)
    if (to.scheme, to.host, to.port) != (at.scheme, at.host, at.port):
        port = f":{to.port}" if to.port else ""
        raise ConnectorError(f"{platform} answered {current.what} with a next page at {to.scheme}://{to.host}{port}"
                             f"{to.path}, another address than the one asked ({at.scheme}://{at.netloc.decode()}); "
                             f"it was not followed, so credentials never go to another address: check base_url, "
                             f"then pull again")
    again = asked.get(_identity(following))
    if again is not None:
        raise ConnectorError(f"{platform} answered {current.what} with a next page it already sent (page {again}), "
                             f"so the list would never end; {NOT_COMPLETE}")


def _numbered(call: Call, page: int) -> Call:
    base = call.what.split(" page ")[0]
    return Call(call.method, call.url, call.params, call.json, call.content, call.headers, call.idempotent,
                f"{base} page {page}")


@dataclass(frozen=True)
class RecordsAt:
    """Where a page's records are in its body: a list at ``path`` (empty path: the body itself)."""

    path: tuple[str, ...]
    no_content: bool = False
    """A body-less answer (``204 No Content``) is an empty page (BigCommerce v2 past the last page)."""

    def read(self, platform: str, call: Call, body: Any) -> list[Any]:
        """The records; an explicit empty list is an empty page.

        Raises:
            ConnectorError: the path is missing or does not hold a list.
        """
        if body is None and self.no_content:
            return []
        found = dig(body, self.path)
        if isinstance(found, list):
            return list(found)
        where = f"at {'.'.join(self.path)}" if self.path else "as its body"
        raise no_records(platform, call.what, where, shape(body))


def no_records(platform: str, what: str, where: str, sent: str) -> ConnectorError:
    """The error of a page ``what`` without its list of records (``where``: where it should be; ``sent``: what
    the body held, never its values): the source fails and keeps its previous data, never "no records"."""
    return ConnectorError(f"{platform} answered {what} without a list of records {where} (it sent {sent}); "
                          f"the answer was not taken as 'no records': check base_url and the API version, then "
                          f"pull again")


def shape(body: Any) -> str:
    """What a body is, in a few words (its top-level keys, never its values)."""
    if body is None:
        return "an empty body"
    if isinstance(body, dict):
        keys = ", ".join(sorted(str(k) for k in body)[:6])
        return f"an object with {keys}" if keys else "an empty object"
    kinds = {list: "a list", str: "a string", bool: "true/false", int: "a number", float: "a number"}
    return kinds.get(type(body), type(body).__name__)


def records_at(*path: str, no_content: bool = False) -> RecordsAt:
    """Records at ``path`` in a body (a list; a missing or non-list path fails the page)."""
    return RecordsAt(path, no_content)


def field_key(*paths: str) -> Key:
    """A key from the first present of several dotted paths (``"id"``, ``"customer.id"``)."""
    split = [p.split(".") for p in paths]

    def key(record: Any) -> str | None:
        for steps in split:
            value: Any = record
            for s in steps:
                value = value.get(s) if isinstance(value, dict) else None
            if value not in (None, ""):
                return str(value)
        return None
    return key


def iso_time(*paths: str) -> Updated:
    """A change time from an ISO-8601 field (``Z`` or an offset; naive = UTC)."""
    key = field_key(*paths)

    def parse(record: Any) -> datetime | None:
        value = key(record)
        if value is None:
            return None
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return parse


def rfc2822_time(*paths: str) -> Updated:
    """A change time from an RFC-2822 field (BigCommerce v2: ``Tue, 16 Jun 2026 09:30:02 +0000``)."""
    from email.utils import parsedate_to_datetime

    key = field_key(*paths)

    def parse(record: Any) -> datetime | None:
        value = key(record)
        try:
            when = parsedate_to_datetime(value) if value else None
        except (TypeError, ValueError):
            return None
        return (when if when.tzinfo else when.replace(tzinfo=UTC)) if when else None
    return parse


def epoch_time(*paths: str) -> Updated:
    """A change time from Unix seconds (BigCommerce B2B Edition, sometimes as a string)."""
    key = field_key(*paths)

    def parse(record: Any) -> datetime | None:
        value = key(record)
        try:
            return datetime.fromtimestamp(float(value), UTC) if value else None
        except (TypeError, ValueError, OverflowError):
            return None
    return parse


def source_root(settings: ApiSettings, default: str | None, source: str) -> str:
    """``base_url`` (or the vendor default) without a trailing slash."""
    url = settings.base_url or default
    if not url:
        raise ConfigError(f"sources.{source}.api.base_url: required")
    return url.rstrip("/")
