"""Per-key rate limit: a fixed one-minute window counted in the cache (Redis in production)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger("connectors.api")
WINDOW_SECONDS = 60


def rate_limit_hit(*, key_id: int, now: float | None = None) -> int | None:
    """Count one request; answers seconds to wait when over the limit, else None."""
    now = time.time() if now is None else now
    window = int(now // WINDOW_SECONDS)
    name = f"api-rate:{key_id}:{window}"
    try:
        cache.add(name, 0, timeout=WINDOW_SECONDS + 5)
        count = cache.incr(name)
    except Exception:  # a cache outage must not take the API down: fail open, loudly
        logger.warning("api rate limit: cache unreachable; request allowed")
        return None
    if count > settings.API_RATE_LIMIT_PER_MINUTE:
        return max(1, int((window + 1) * WINDOW_SECONDS - now))
    return None
