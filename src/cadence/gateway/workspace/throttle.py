"""Failed sign-ins slow password guessing: after a few for a name, or from one address, that door shuts a while.

Counted in this gateway's memory: a gateway behind a load balancer with others counts its
own attempts, so a guesser gets at most the limit per gateway in each window. Nothing here
matters after a restart (a shut door opens again), which is the trade of a stateless gateway.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

FAILURES = 5
"""Failed sign-ins allowed for one name, or from one address, within :data:`WINDOW`."""
WINDOW = timedelta(minutes=15)
"""How far back failures count; the door opens again once the oldest counted failure is this old."""
ADDRESS_FAILURES = 20
"""Failed sign-ins allowed from one client address (several people may share an office's address)."""
MAX_KEYS = 10_000
"""Names and addresses remembered at most (the oldest are forgotten first: memory stays bounded)."""


@dataclass
class SignInThrottle:
    """Failed sign-ins per name and per client address, in a sliding window."""

    failures: int = FAILURES
    address_failures: int = ADDRESS_FAILURES
    window: timedelta = WINDOW
    _seen: dict[str, deque[datetime]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def wait(self, name: str, address: str, now: datetime) -> timedelta | None:
        """How long until ``name`` may try again from ``address``; ``None`` when it may now."""
        with self._lock:
            waits = [self._wait(f"name:{name.strip().lower()}", self.failures, now),
                     self._wait(f"address:{address}", self.address_failures, now)]
        return max((w for w in waits if w is not None), default=None)

    def failed(self, name: str, address: str, now: datetime) -> None:
        """Count a failed sign-in."""
        with self._lock:
            for key in (f"name:{name.strip().lower()}", f"address:{address}"):
                times = self._seen.pop(key, None) or deque(maxlen=max(self.failures, self.address_failures))
                times.append(now)
                self._seen[key] = times  # most recent last: the first keys are the ones to forget
            while len(self._seen) > MAX_KEYS:
                del self._seen[next(iter(self._seen))]

    def succeeded(self, name: str) -> None:
        """A right password clears the name's failures (not the address's)."""
        with self._lock:
            self._seen.pop(f"name:{name.strip().lower()}", None)

    def _wait(self, key: str, limit: int, now: datetime) -> timedelta | None:
        times = self._seen.get(key)
        if not times:
            return None
        recent = [t for t in times if now - t < self.window]
        if len(recent) < limit:
            return None
        return recent[-limit] + self.window - now


def in_words(wait: timedelta) -> str:
    """``wait`` rounded up to minutes, for people."""
    minutes = max(1, -(-int(wait.total_seconds()) // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


__all__ = ["ADDRESS_FAILURES", "FAILURES", "WINDOW", "SignInThrottle", "in_words"]
