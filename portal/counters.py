"""Fixed-window counters in the shared cache (Redis in production): the one rate counter.

`window_hit("api-rate:7", limit=600)` counts one hit and answers the seconds to wait
when the window's count is past `limit`, else None. A cache outage fails open, loudly:
a limit must not take the site down.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

logger = logging.getLogger("portal.counters")


def window_hit(
    name: str, limit: int, *, window_seconds: int = 60, now: float | None = None
) -> int | None:
    now = time.time() if now is None else now
    window = int(now // window_seconds)
    counter = f"{name}:{window}"
    try:
        cache.add(counter, 0, timeout=window_seconds + 5)
        count = cache.incr(counter)
    except Exception:  # redis raises many types when it is gone
        logger.warning("rate limit %s: cache unreachable; request allowed", name.split(":")[0])
        return None
    if count > limit:
        return max(1, int((window + 1) * window_seconds - now))
    return None
