"""A throttle on failed sign-ins, per email and client address, kept in this process's memory.

Failures, not requests, are counted: a person who types the password right is never slowed down,
while guessing stops after a few tries. Issue 7 moves rate limits to Flask-Limiter with shared
storage; until then each worker process keeps its own counts (so N workers allow N times as many).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

SWEEP_EVERY = 1000  # failures between sweeps of expired keys, so memory stays bounded


class FailureThrottle:
    """Sliding-window counts of failures per (email, address) and per address alone."""

    def __init__(self, *, per_email: int = 5, per_address: int = 30, window_seconds: float = 900,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = {"email": per_email, "address": per_address}
        self.window = window_seconds
        self.clock = clock
        self._failures: dict[tuple[str, ...], deque[float]] = {}
        self._lock = threading.Lock()
        self._since_sweep = 0

    @staticmethod
    def _keys(email: str, address: str) -> dict[str, tuple[str, ...]]:
        return {"email": ("email", (email or "").strip().lower(), address),
                "address": ("address", address)}

    def _recent(self, key: tuple[str, ...], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def retry_after(self, email: str, address: str) -> int:
        """Seconds to wait before this email may be tried again from this address (0: go ahead)."""
        now = self.clock()
        wait = 0.0
        with self._lock:
            for kind, key in self._keys(email, address).items():
                times = self._recent(key, now)
                if len(times) >= self.limits[kind]:
                    wait = max(wait, times[len(times) - self.limits[kind]] + self.window - now)
        return int(wait) + 1 if wait > 0 else 0

    def record_failure(self, email: str, address: str) -> None:
        """Count one failed attempt."""
        now = self.clock()
        with self._lock:
            for key in self._keys(email, address).values():
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
            self._since_sweep += 1
            if self._since_sweep >= SWEEP_EVERY:
                self._sweep(now)

    def reset(self, email: str, address: str) -> None:
        """Forget the failures of this email from this address (after a successful sign-in)."""
        with self._lock:
            self._failures.pop(self._keys(email, address)["email"], None)

    def _sweep(self, now: float) -> None:
        self._since_sweep = 0
        for key in [k for k, times in self._failures.items() if not self._recent(k, now)]:
            del self._failures[key]
