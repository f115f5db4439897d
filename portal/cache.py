"""A Redis cache that treats an unreachable Redis as an empty cache, never as a 500.

Everything the portal keeps in the cache can be recomputed or is a best-effort counter
(rate-limit windows, the ops dashboard's figures, the engine's request budget). When
Redis is down, pages must still render and the outage shows on /readyz, so reads are
misses, writes are dropped, and counters start afresh (callers already handle that):
rate limits fail open for the outage, which the log says once every half minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
T = TypeVar("T")
WARN_EVERY_SECONDS = 30.0


class FailSoftRedisCache(RedisCache):
    """Django's RedisCache, with each call surviving a Redis outage (logged, rate limited)."""

    _warned_at = 0.0

    def _soft(self, call: Callable[[], T], fallback: T, operation: str) -> T:
        try:
            return call()
        except RedisError as error:
            now = time.monotonic()
            # One line per half minute, not one per request, for the whole outage.
            if now - FailSoftRedisCache._warned_at > WARN_EVERY_SECONDS:
                FailSoftRedisCache._warned_at = now
                logger.warning(
                    "cache unreachable (%s on %s); serving without it", type(error).__name__,
                    operation,
                )  # fmt: skip
            return fallback

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        parent = super().get
        return self._soft(lambda: parent(key, default, version), default, "get")

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        parent = super().get_many
        return self._soft(lambda: parent(keys, version), {}, "get_many")

    def has_key(self, key: Any, version: int | None = None) -> bool:
        parent = super().has_key
        return self._soft(lambda: parent(key, version), False, "has_key")

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> None:
        parent = super().set
        self._soft(lambda: parent(key, value, timeout, version), None, "set")

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        parent = super().add
        # As an empty cache would: the add "succeeds". Locks and rate limits (allauth's,
        # ours) then fail open instead of refusing every sign-in for the whole outage.
        return self._soft(lambda: parent(key, value, timeout, version), True, "add")

    def set_many(
        self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        parent = super().set_many
        return self._soft(lambda: parent(data, timeout, version), [], "set_many")

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        parent = super().touch
        return self._soft(lambda: parent(key, timeout, version), False, "touch")

    def delete(self, key: Any, version: int | None = None) -> bool:
        parent = super().delete
        return self._soft(lambda: parent(key, version), False, "delete")

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        parent = super().delete_many
        self._soft(lambda: parent(keys, version), None, "delete_many")

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        """A counter Redis cannot reach is a missing key: callers start a new window."""
        parent = super().incr
        result: int | None = self._soft(lambda: parent(key, delta, version), None, "incr")
        if result is None:
            raise ValueError(f"Key '{key}' not found (cache unreachable)")
        return result
