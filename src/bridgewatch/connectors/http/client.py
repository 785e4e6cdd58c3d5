"""One HTTP client per source: pacing, retries, timeouts, redacted request logs and vendor errors.

:class:`ApiClient` sends :class:`Call` objects. Vendor differences are strategies: an
:class:`ErrorPolicy` reads a response (retry it, accept it, or raise an error a user can act on),
a :class:`Pacer` waits *before* a request when the vendor's budget is spent (Shopify query cost,
BigCommerce request window). Every error names the source, what failed and what to do.
"""

from __future__ import annotations

import json
import logging
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from bridgewatch.connectors.http.redact import Redactor
from bridgewatch.connectors.http.retry import NETWORK, SERVER, THROTTLED, TIMEOUT, Retry, RetryPolicy, retry_after
from bridgewatch.errors import AuthError, ConnectorError, RateLimited

log = logging.getLogger(__name__)
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-ms-request-id", "x-correlation-id", "ms-cv")
RETRY_STATUSES = frozenset({408, 500, 502, 503, 504})
MAX_VENDOR_TEXT = 300


@dataclass(frozen=True)
class Call:
    """One request to make."""

    method: str
    url: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    content: str | bytes | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    idempotent: bool = True
    """Safe to repeat: reads are; a mutation or a cursor-advancing read (Intacct readMore) is not."""
    what: str = "request"
    """What this call fetches, for messages ("customers page 3")."""

    def with_params(self, **params: Any) -> Call:
        return replace(self, params={**(self.params or {}), **params})


@dataclass(frozen=True)
class Reply:
    """A response and its parsed body."""

    response: httpx.Response
    body: Any


Parse = Callable[[Call, httpx.Response], Any]


@dataclass
class Events:
    """Callbacks a pull's progress display listens to."""

    waited: Callable[[float, str], None] = lambda seconds, reason: None
    answered: Callable[[httpx.Response], None] = lambda response: None
    """Every response the vendor sent (its ``Date`` tells the vendor's clock)."""


class Pacer:
    """Waits before a request when the vendor's rate budget is spent (default: never)."""

    def before(self, now: float) -> float:
        """Seconds to wait before the next request."""
        return 0.0

    def after(self, response: httpx.Response, now: float) -> None:
        """Learn the budget left from a response."""


class ErrorPolicy:
    """How one vendor's responses are judged. Subclasses refine :meth:`check` and the hints."""

    platform = "the vendor"
    auth_hint = "check the credentials named under [sources.<name>.api] secrets"
    permission_hint = "grant the API user or app read access to this resource"
    not_found_hint = "check base_url, api_version and the store/tenant/company settings"

    def check(self, call: Call, response: httpx.Response) -> None:
        """Return when the response is data; raise :class:`Retry` or a ConnectorError otherwise."""
        status = response.status_code
        if 300 <= status < 400:
            raise ConnectorError(f"{self.platform} redirected {call.what} to {redirect_target(response)} ({status}); "
                                 f"redirects are not followed, so credentials never go to another address: "
                                 f"{self.not_found_hint}", status=status)
        if status < 400:
            return
        text = self.vendor_text(response)
        if status == 429:
            raise Retry(THROTTLED, f"throttled (429){text}", retry_after(response.headers), status)
        if status in RETRY_STATUSES:
            raise Retry(SERVER, f"{status} {response.reason_phrase}{text}", retry_after(response.headers), status)
        if status == 401:
            raise AuthError(f"{self.platform} rejected the credentials (401){text}; {self.auth_hint}", status=status)
        if status == 403:
            raise AuthError(f"{self.platform} refused access to {call.what} (403){text}; {self.permission_hint}",
                            status=status)
        if status in (404, 410):
            raise ConnectorError(f"{self.platform} has no {call.what} at this address ({status}){text}; "
                                 f"{self.not_found_hint}", status=status)
        raise ConnectorError(f"{self.platform} answered {status} {response.reason_phrase} for {call.what}{text}",
                             status=status)

    def vendor_text(self, response: httpx.Response) -> str:
        """The vendor's own error message, as ': message' (empty when there is none)."""
        message = error_message(response)
        return f": {message[:MAX_VENDOR_TEXT]}" if message else ""


def redirect_target(response: httpx.Response) -> str:
    """Where a 3xx points, without its query (it may carry a signature): ``https://host/path``."""
    location = response.headers.get("location")
    if not location:
        return "another address (no Location given)"
    try:
        url = response.request.url.join(location)
    except (httpx.InvalidURL, RuntimeError):
        return "an unreadable address"
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}{url.path}"


def error_message(response: httpx.Response) -> str:
    """The message of a JSON error body in the usual shapes (GraphQL, OData, REST), else ''."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, ValueError):
        return ""
    return _message_of(body)


def _message_of(body: Any) -> str:
    if isinstance(body, list) and body:
        return _message_of(body[0])
    if not isinstance(body, dict):
        return str(body) if isinstance(body, str) else ""
    for key in ("errors", "error", "message", "title", "detail", "error_description"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict | list) and value:
            inner = _message_of(value)
            if inner:
                return inner
    return ""


class ApiClient:
    """Sends calls for one source; the transport is the test seam."""

    def __init__(self, *, source: str, policy: ErrorPolicy, redactor: Redactor,
                 auth: httpx.Auth | None = None, transport: httpx.BaseTransport | None = None,
                 timeout: float = 60.0, retry: RetryPolicy | None = None, pacer: Pacer | None = None,
                 headers: Mapping[str, str] | None = None, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, events: Events | None = None,
                 verify: ssl.SSLContext | bool = True) -> None:
        self.source = source
        self.policy = policy
        self.redactor = redactor
        self.retry = retry or RetryPolicy()
        self.pacer = pacer or Pacer()
        self.sleep = sleep
        self.clock = clock
        self.events = events or Events()
        self._http = httpx.Client(auth=auth, transport=transport, timeout=httpx.Timeout(timeout),
                                  headers=headers, follow_redirects=False, verify=verify,
                                  event_hooks={"response": [body_deadline(timeout, clock)]})

    def close(self) -> None:
        self._http.close()

    def send(self, call: Call, parse: Parse | None = None) -> Reply:
        """The response to ``call`` and its parsed body, after pacing and retries.

        ``parse`` reads the body (a vendor's JSON, XML); raising :class:`Retry` from it repeats the
        call (a torn or throttled page), raising ConnectorError stops the pull.

        Raises:
            ConnectorError: the vendor kept failing, or answered with an error a retry cannot fix
                (``AuthError`` for credentials/scope, ``RateLimited`` for throttling).
        """
        try:
            for attempt in self.retry.retrying(self._wait, self._note):
                with attempt:
                    response = self._once(call)
                    return Reply(response, self._parse(call, response, parse))
        except Retry as exc:
            raise self._exhausted(call, exc) from None
        except ConnectorError as exc:
            raise self._named(exc) from None
        raise AssertionError("unreachable: tenacity returns or raises")  # pragma: no cover

    def _once(self, call: Call) -> httpx.Response:
        pause = self.pacer.before(self.clock())
        if pause > self.retry.max_wait:  # a spent window reset hours away: held to the budget, as a 429's wait is
            raise RateLimited(f"{self.policy.platform} asked to wait {pause:.0f} s before {call.what}, more than "
                              f"max_wait_seconds ({self.retry.max_wait:.0f}); pull again later")
        if pause > 0:
            self._wait(pause)
            self.events.waited(pause, "rate limit")
        started = self.clock()
        try:
            response = self._http.request(call.method, call.url, params=call.params, json=call.json,
                                          content=call.content, headers=dict(call.headers))
        except httpx.TimeoutException as exc:
            self._log(call, "timed out", started)
            raise self._transport_failure(call, TIMEOUT, "timed out", exc) from exc
        except httpx.TransportError as exc:
            self._log(call, type(exc).__name__, started)
            raise self._transport_failure(call, NETWORK, f"could not connect ({type(exc).__name__})", exc) from exc
        except httpx.DecodingError as exc:  # a body labelled gzip (or br, deflate) that is not, or was cut
            self._log(call, type(exc).__name__, started)
            raise self._transport_failure(call, SERVER, "could not be decompressed: the body does not match its "
                                                        "Content-Encoding; the response may be torn", exc) from exc
        self._log(call, str(response.status_code), started, response)
        self.events.answered(response)
        self.pacer.after(response, self.clock())
        self._judge(call, response)
        return response

    def _parse(self, call: Call, response: httpx.Response, parse: Parse | None) -> Any:
        if parse is None:
            return None
        try:
            return parse(call, response)
        except (Retry, ConnectorError) as exc:
            self._refine(call, response, exc)
            raise

    def _judge(self, call: Call, response: httpx.Response) -> None:
        try:
            self.policy.check(call, response)
        except (Retry, ConnectorError) as exc:
            self._refine(call, response, exc)
            raise

    def _refine(self, call: Call, response: httpx.Response, exc: Exception) -> None:
        """Retries only for idempotent calls and within the wait budget; errors carry the request id."""
        if isinstance(exc, Retry):
            if not call.idempotent and exc.kind != THROTTLED:  # a throttled request was not processed
                raise ConnectorError(f"{call.what} failed ({exc.reason}) and is not safe to repeat; pull again",
                                     status=exc.status, request_id=request_id(response)) from None
            if exc.wait is not None and exc.wait > self.retry.max_wait:
                raise RateLimited(f"{self.policy.platform} asked to wait {exc.wait:.0f} s before {call.what}, more "
                                  f"than max_wait_seconds ({self.retry.max_wait:.0f}); pull again later",
                                  status=exc.status, request_id=request_id(response)) from None
        elif isinstance(exc, ConnectorError):
            exc.request_id = exc.request_id or request_id(response)

    def _transport_failure(self, call: Call, kind: str, what: str, exc: Exception) -> Exception:
        if call.idempotent:
            return Retry(kind, what)
        return ConnectorError(f"{call.what} {what} and is not safe to repeat: the outcome is unknown; pull again")

    def _wait(self, seconds: float) -> None:
        if seconds > 0:
            self.sleep(seconds)

    def _note(self, seconds: float, exc: Retry) -> None:
        log.info("%s: %s; retrying in %.1f s", self.source, exc.reason, seconds)
        self.events.waited(seconds, "rate limit" if exc.kind == THROTTLED else "retry")

    def _exhausted(self, call: Call, exc: Retry) -> ConnectorError:
        tries = self.retry.max_attempts
        if exc.kind == THROTTLED:
            return self._named(RateLimited(f"{self.policy.platform} kept throttling {call.what} ({exc.reason}) after "
                                           f"{tries} attempts; pull again later or lower the pull frequency",
                                           status=exc.status))
        todo = ("raise timeout_seconds or pull again later" if exc.kind == TIMEOUT else
                "the vendor may be down; pull again later")
        what = "did not answer" if exc.kind in (TIMEOUT, NETWORK) else "kept failing"
        return self._named(ConnectorError(f"{self.policy.platform} {what} for {call.what} ({exc.reason}) after "
                                          f"{tries} attempts; {todo}", status=exc.status if exc.kind == SERVER
                                          else None))

    def _named(self, exc: ConnectorError) -> ConnectorError:
        """Prefix the message with the source and platform, mask secrets, add the request id."""
        if exc.source:
            return exc
        rid = f" (request id {exc.request_id})" if exc.request_id else ""
        message = self.redactor.text(f"source '{self.source}': {exc}{rid}")
        named = type(exc)(message, source=self.source, platform=self.policy.platform, status=exc.status,
                          request_id=exc.request_id)
        return named

    def _log(self, call: Call, outcome: str, started: float, response: httpx.Response | None = None) -> None:
        url = str(response.request.url) if response is not None else call.url
        log.info("%s %s %s -> %s (%.0f ms)", self.source, call.method, self.redactor.url(url), outcome,
                 (self.clock() - started) * 1000)


class _Deadline(httpx.SyncByteStream):
    """A response body that must have arrived whole by ``ends`` (each read may still wait the read timeout)."""

    def __init__(self, inner: Any, ends: float, clock: Callable[[], float], request: httpx.Request) -> None:
        self.inner, self.ends, self.clock, self.request = inner, ends, clock, request

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.inner:
            if self.clock() > self.ends:
                raise httpx.ReadTimeout("the answer did not arrive whole within timeout_seconds", request=self.request)
            yield chunk

    def close(self) -> None:
        closing = getattr(self.inner, "close", None)
        if closing is not None:
            closing()


def body_deadline(seconds: float, clock: Callable[[], float]) -> Callable[[httpx.Response], None]:
    """An httpx response hook giving the whole body ``seconds`` to arrive: the read timeout alone bounds each read,
    so a server sending a few bytes every minute held a pull (and the workspace's pull lock) for hours."""
    def hook(response: httpx.Response) -> None:
        response.stream = _Deadline(response.stream, clock() + seconds, clock, response.request)
    return hook


def request_id(response: httpx.Response) -> str | None:
    return next((response.headers[h] for h in REQUEST_ID_HEADERS if h in response.headers), None)
