"""What every fake vendor shares: a clock, tables of records with change times, scripted faults."""

from __future__ import annotations

import json
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

SEEDED_AT = datetime(2026, 1, 1, tzinfo=UTC)
"""Change time of every record a fake starts with."""
Record = dict[str, Any]


class FakeClock:
    """Time that moves only when someone sleeps (tests), shared by a client and a fake."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


class RealClock:
    """Wall-clock time for fakes behind a real server."""

    def __call__(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class Table:
    """A vendor's list: seeded records (given, or made on demand for big tables) plus later changes.

    Seeded record ``i`` of ``n`` last changed at ``SEEDED_AT - (n - i) * spacing``; :meth:`put`
    changes or adds a record at a later time. Listing without ``since`` gives every record (changed
    ones in their seeded position, new ones after); with ``since``, the records whose last change
    is at or after it, as the vendors' "modified since" filters do.
    """

    def __init__(self, key: str, records: Sequence[Record] = (), *, count: int = 0,
                 make: Callable[[int], Record] | None = None, spacing: timedelta = timedelta(days=1)) -> None:
        self.key = key
        self._seeded = list(records)
        self._count = len(self._seeded) if make is None else count
        self._make = make
        self.spacing = spacing
        self._changes: dict[str, tuple[Record, datetime]] = {}
        self._order: list[tuple[datetime, str]] = []
        self._new: list[str] = []
        self._index: dict[str, int] | None = None

    def seeded(self, i: int) -> Record:
        return self._make(i) if self._make is not None else self._seeded[i]

    def seeded_time(self, i: int) -> datetime:
        return SEEDED_AT - (self._count - i) * self.spacing

    def put(self, record: Record, when: datetime) -> None:
        """Add or change a record at ``when`` (no earlier than the changes before it)."""
        k = str(record[self.key])
        if k not in self._changes and self.position(k) is None:
            self._new.append(k)
        self._changes[k] = (record, when)
        self._order.append((when, k))

    def position(self, key: str) -> int | None:
        """The seeded index of ``key`` (generated tables: records keyed 1..n in order)."""
        if self._make is not None:
            return int(key) - 1 if key.isdigit() and 0 < int(key) <= self._count else None
        if self._index is None:
            self._index = {str(r[self.key]): i for i, r in enumerate(self._seeded)}
        return self._index.get(key)

    def row(self, i: int) -> tuple[Record, datetime]:
        record = self.seeded(i)
        changed = self._changes.get(str(record[self.key]))
        return changed if changed else (record, self.seeded_time(i))

    def listing(self, since: datetime | None = None) -> Listing:
        if since is None:
            return Listing(self, range(self._count), list(self._new))
        first = max(0, min(self._count, self._count - int((SEEDED_AT - since) / self.spacing)))
        while first > 0 and self.seeded_time(first - 1) >= since:
            first -= 1
        while first < self._count and self.seeded_time(first) < since:
            first += 1
        seeded = [i for i in range(first, self._count) if str(self.seeded(i)[self.key]) not in self._changes]
        latest: dict[str, None] = {}
        for _, k in self._order[bisect_left(self._order, (since, "")):]:
            latest.pop(k, None)
            latest[k] = None
        return Listing(self, seeded, [k for k in latest if self._changes[k][1] >= since])

    def __len__(self) -> int:
        return self._count + len(self._new)


@dataclass
class Listing:
    """What one list request sees: seeded rows by index, then changed/new records by key."""

    table: Table
    seeded: Sequence[int]
    changed: list[str]

    def __len__(self) -> int:
        return len(self.seeded) + len(self.changed)

    def slice(self, start: int, stop: int) -> list[tuple[Record, datetime]]:
        n = len(self.seeded)
        out = [self.table.row(i) for i in self.seeded[start:min(stop, n)]]
        out += [self.table._changes[k] for k in self.changed[max(start - n, 0):max(stop - n, 0)]]
        return out


@dataclass
class Fault:
    """A scripted answer to the requests ``matches`` selects, ``times`` times."""

    matches: Callable[[httpx.Request], bool]
    respond: Callable[[httpx.Request], httpx.Response]
    times: int = 1


@dataclass
class FakeApi:
    """Base of every fake: request log, scripted faults, JSON helpers."""

    clock: Callable[[], float] = field(default_factory=RealClock)
    requests: list[httpx.Request] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        for fault in self.faults:
            if fault.times > 0 and fault.matches(request):
                fault.times -= 1
                return fault.respond(request)
        return self.handle(request)

    def handle(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"message": "not found"})

    def fail(self, respond: Callable[[httpx.Request], httpx.Response], *, path: str = "", times: int = 1,
             after: int = 0) -> None:
        """Answer the requests whose path contains ``path`` with ``respond``, after letting ``after`` pass."""
        passed = [0]

        def matches(request: httpx.Request) -> bool:
            if path not in request.url.path:
                return False
            passed[0] += 1
            return passed[0] > after
        self.faults.append(Fault(matches, respond, times))

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(body).encode(), headers={"content-type": "application/json",
                                                                                **(headers or {})})


def parse_time(value: str | None) -> datetime | None:
    """ISO-8601 (``Z``/offset/naive = UTC) or RFC-2822 or Unix seconds, as a filter value may be sent."""
    if not value:
        return None
    if value.replace(".", "").isdigit():
        return datetime.fromtimestamp(float(value), UTC)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def route(hosts: dict[str, Callable[[httpx.Request], httpx.Response]]) -> Callable[[httpx.Request], httpx.Response]:
    """One handler for several fake hosts (``httpx.MockTransport(route({...}))``)."""
    def handler(request: httpx.Request) -> httpx.Response:
        fake = hosts.get(request.url.host)
        return fake(request) if fake else httpx.Response(502, text=f"no fake for host {request.url.host}")
    return handler
