"""Sign-in attempts, limited: a few failures per user name and per address in a sliding window.

After ``limit`` failures for one user name (or ``4 × limit`` from one address) inside ``window_s``
seconds, further attempts are refused with the seconds to wait, whether or not the password is
right, until the oldest failure leaves the window. An attempt counts as a failure from the moment it
is let in (:meth:`SignInLimiter.begin`), so attempts made together cannot outrun the limit; a
successful sign-in clears the name's failures and takes its own count back from the address.
Kept in memory: a restart forgets, which only ever errs on the side of the person signing in. Keys whose
failures have all left the window are dropped (swept at most every ``PRUNE_EVERY_S`` seconds), so names and
addresses tried once and never again do not hold memory for the life of the process.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

PRUNE_EVERY_S = 60.0
"""How often (at most) the keys whose failures have all left the window are swept out."""


class SignInLimiter:
    """Counts failed sign-ins per key (``user:<name>``, ``addr:<ip>``) in a sliding window."""

    def __init__(self, *, limit: int = 5, window_s: int = 900, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._pruned = clock()

    def retry_after(self, name: str, address: str) -> int | None:
        """Seconds to wait before another attempt may be made, or None when one may be made now."""
        now = self.clock()
        with self._lock:
            waits = [self._wait(key, limit, now) for key, limit in self._keys(name, address)]
        blocked = [w for w in waits if w is not None]
        return max(blocked) if blocked else None

    def begin(self, name: str, address: str) -> int | None:
        """Start an attempt: the seconds to wait when one may not be made now, else None, the attempt then counted
        as a failure at once (checking and counting in one step, so attempts made at the same time, each checked
        while the others are still hashing, cannot outrun the limit). :meth:`succeeded` takes it back."""
        now = self.clock()
        with self._lock:
            keys = self._keys(name, address)
            blocked = [w for key, limit in keys if (w := self._wait(key, limit, now)) is not None]
            if blocked:
                return max(blocked)
            self._count(keys, now)
        return None

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            self._count(self._keys(name, address), now)

    def __len__(self) -> int:
        """How many names and addresses are held."""
        with self._lock:
            return len(self._failures)

    def _count(self, keys: list[tuple[str, int]], now: float) -> None:
        """A failure counted for each of ``keys`` at ``now``, after sweeping out expired keys when it is time to."""
        if now - self._pruned >= PRUNE_EVERY_S:
            expired = [k for k, times in self._failures.items() if not times or times[-1] <= now - self.window_s]
            for key in expired:
                del self._failures[key]
            self._pruned = now
        for key, _ in keys:
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, name: str, address: str | None = None) -> None:
        """A sign-in succeeded: the name's failures are cleared, and the address's count of the attempt
        (:meth:`begin`) taken back."""
        with self._lock:
            self._failures.pop(f"user:{name.strip().lower()}", None)
            times = self._failures.get(f"addr:{address}") if address is not None else None
            if times:
                times.pop()

    def _keys(self, name: str, address: str) -> list[tuple[str, int]]:
        return [(f"user:{name.strip().lower()}", self.limit), (f"addr:{address}", self.limit * 4)]

    def _wait(self, key: str, limit: int, now: float) -> int | None:
        times = self._failures.get(key)
        if not times:
            return None
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if len(times) < limit:
            return None
        return max(1, int(times[-limit] + self.window_s - now) + 1)
