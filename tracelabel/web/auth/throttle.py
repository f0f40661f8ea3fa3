"""A throttle on failed sign-ins, per email and client address, shared through Redis when configured.

Failures, not requests, are counted: a person who types the password right is never slowed down,
while guessing stops after a few tries. With ``TRACELABEL_REDIS_URL`` set the counts live in Redis,
so every worker and every machine sees the same ones (otherwise N workers would allow N times as
many guesses). Each key is a sorted set of failure times (a sliding window), trimmed and given an
expiry in the same MULTI block as the new failure. Keys carry a keyed hash of the email and the
address, never the email itself. This process counts in memory too: when Redis cannot be reached
the throttle carries on from its own counts (with a warning in the log) instead of failing sign-in.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable

import redis

SWEEP_EVERY = 1000  # failures between sweeps of expired keys, so memory stays bounded
REDIS_TIMEOUT = 0.5  # seconds: a sign-in never waits long on an unreachable Redis
REDIS_RETRY_AFTER = 30.0  # seconds of in-memory counting after Redis failed, before trying it again

log = logging.getLogger(__name__)


class MemoryFailures:
    """Failure times per key in this process's memory."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._since_sweep = 0

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def blocking_times(self, limits: dict[str, int], now: float) -> list[float]:
        """For each key at its limit, the time of the failure whose expiry lifts the block."""
        with self._lock:
            found = []
            for key, limit in limits.items():
                times = self._recent(key, now)
                if len(times) >= limit:
                    found.append(times[len(times) - limit])
            return found

    def add(self, keys: dict[str, int], now: float) -> None:
        """Count one failure under each key (its limit is not needed in memory)."""
        with self._lock:
            for key in keys:
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times
            self._since_sweep += 1
            if self._since_sweep >= SWEEP_EVERY:
                self._sweep(now)

    def forget(self, key: str) -> None:
        """Drop a key's failures."""
        with self._lock:
            self._failures.pop(key, None)

    def _sweep(self, now: float) -> None:
        self._since_sweep = 0
        for key in [k for k in self._failures if not self._recent(k, now)]:
            del self._failures[key]


class RedisFailures:
    """Failure times per key in Redis sorted sets, seen by every worker sharing that Redis."""

    def __init__(self, url: str, window: float) -> None:
        self.window = window
        self.client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT,
                                           socket_connect_timeout=REDIS_TIMEOUT)

    def blocking_times(self, limits: dict[str, int], now: float) -> list[float]:
        """For each key at its limit, the time of the failure whose expiry lifts the block."""
        pipe = self.client.pipeline(transaction=True)
        for key, limit in limits.items():
            pipe.zremrangebyscore(key, "-inf", now - self.window)
            pipe.zrange(key, -limit, -limit, withscores=True)
            pipe.zcard(key)
        replies = pipe.execute()
        found = []
        for n, limit in enumerate(limits.values()):
            oldest, count = replies[3 * n + 1], replies[3 * n + 2]
            if count >= limit and oldest:
                found.append(float(oldest[0][1]))
        return found

    def add(self, keys: dict[str, int], now: float) -> None:
        """Count one failure under each key, keeping only as many as its limit needs."""
        pipe = self.client.pipeline(transaction=True)
        member = f"{now:.6f}:{os.urandom(6).hex()}"
        for key, limit in keys.items():
            pipe.zadd(key, {member: now})
            pipe.zremrangebyscore(key, "-inf", now - self.window)
            pipe.zremrangebyrank(key, 0, -limit - 1)
            pipe.expire(key, math.ceil(self.window))
        pipe.execute()

    def forget(self, key: str) -> None:
        """Drop a key's failures."""
        self.client.delete(key)


class FailureThrottle:
    """Sliding-window counts of failures per (email, address) and per address alone."""

    def __init__(self, *, per_email: int = 5, per_address: int = 30, window_seconds: float = 900,
                 clock: Callable[[], float] = time.monotonic, redis_url: str | None = None,
                 key_prefix: str = "tracelabel:login-failures", key_secret: str = "") -> None:
        self.limits = {"email": per_email, "address": per_address}
        self.window = window_seconds
        self.clock = clock
        self.prefix = key_prefix
        self._secret = key_secret.encode()
        self._memory = MemoryFailures(window_seconds)
        self._shared = RedisFailures(redis_url, window_seconds) if redis_url else None
        self._shared_down_until = 0.0

    def _keys(self, email: str, address: str) -> dict[str, str]:
        """The key of each count: a keyed hash, so Redis never holds an email or an address."""
        parts = {"email": ("email", (email or "").strip().lower(), address),
                 "address": ("address", address)}
        return {kind: f"{self.prefix}:{kind}:" + hmac.new(
            self._secret, "\x1f".join(values).encode("utf-8", "replace"), hashlib.sha256
        ).hexdigest()[:32] for kind, values in parts.items()}

    def _redis(self) -> RedisFailures | None:
        return self._shared if self._shared and time.monotonic() >= self._shared_down_until else None

    def _redis_failed(self, error: redis.RedisError) -> None:
        self._shared_down_until = time.monotonic() + REDIS_RETRY_AFTER
        log.warning("Sign-in throttle: Redis unreachable (%s); counting failures in this process "
                    "for %d s", type(error).__name__, REDIS_RETRY_AFTER)

    def retry_after(self, email: str, address: str) -> int:
        """Seconds to wait before this email may be tried again from this address (0: go ahead)."""
        limits = {key: self.limits[kind] for kind, key in self._keys(email, address).items()}
        shared = self._redis()
        if shared is not None:
            try:
                now = time.time()  # shared by machines: wall-clock time
                return self._wait(shared.blocking_times(limits, now), now)
            except redis.RedisError as error:
                self._redis_failed(error)
        now = self.clock()
        return self._wait(self._memory.blocking_times(limits, now), now)

    def _wait(self, blocking: list[float], now: float) -> int:
        wait = max((first + self.window - now for first in blocking), default=0.0)
        return int(wait) + 1 if wait > 0 else 0

    def record_failure(self, email: str, address: str) -> None:
        """Count one failed attempt."""
        keys = {key: self.limits[kind] for kind, key in self._keys(email, address).items()}
        self._memory.add(keys, self.clock())
        shared = self._redis()
        if shared is not None:
            try:
                shared.add(keys, time.time())
            except redis.RedisError as error:
                self._redis_failed(error)

    def reset(self, email: str, address: str) -> None:
        """Forget the failures of this email from this address (after a successful sign-in)."""
        key = self._keys(email, address)["email"]
        self._memory.forget(key)
        shared = self._redis()
        if shared is not None:
            try:
                shared.forget(key)
            except redis.RedisError as error:
                self._redis_failed(error)
