"""API rate limits per key and per client address: fixed one-minute windows counted in the
cache (Redis in production)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("connectors.api")
WINDOW_SECONDS = 60


def _window_hit(name: str, limit: int, now: float | None) -> int | None:
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    counter = f"{name}:{window}"
    try:
        cache.add(counter, 0, timeout=WINDOW_SECONDS + 5)
        count = cache.incr(counter)
    except Exception:  # a cache outage must not take the API down: fail open, loudly
        logger.warning("api rate limit: cache unreachable; request allowed")
        return None
    if count > limit:
        return max(1, int((window + 1) * WINDOW_SECONDS - now))
    return None


def rate_limit_hit(*, key_id: int, now: float | None = None) -> int | None:
    """Count one request of a key; answers seconds to wait when over the limit, else None."""
    return _window_hit(f"api-rate:{key_id}", settings.API_RATE_LIMIT_PER_MINUTE, now)


def address_limit_hit(*, ip: str, now: float | None = None) -> int | None:
    """Count one request from an address, before its key is even looked at (so guessing
    keys is slow too); answers seconds to wait when over the limit, else None."""
    limit = settings.API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE or 5 * settings.API_RATE_LIMIT_PER_MINUTE
    return _window_hit(f"api-rate-ip:{ip[:64]}", limit, now)
