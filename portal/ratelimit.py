"""The portal's one fixed-window counter, kept in Django's cache (Redis in production, so
every worker on every machine shares one count).

allauth counts its own limits (sign-in, sign-up, ...) in the same cache; everything the
portal limits itself (API keys and addresses, provider hooks, the health engine's share
of a provider's rate limit) counts here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class Window:
    count: int  # the window's count after this hit
    retry_after: int  # whole seconds until the window ends (at least 1)


def window_start(window_seconds: int, now: float | None = None) -> int:
    """The epoch second the current window began."""
    moment = time.time() if now is None else now
    return int(moment) // window_seconds * window_seconds


def hit(name: str, *, window_seconds: int, amount: int = 1, now: float | None = None) -> Window:
    """Add `amount` to the count of `name` in the current window and answer the new count.

    A cache that cannot be reached (django-redis with IGNORE_EXCEPTIONS answers None)
    counts as a fresh window: limits fail open for the outage rather than refusing
    everyone; django-redis logs the outage and /readyz reports it.
    """
    moment = time.time() if now is None else now
    start = window_start(window_seconds, moment)
    key = f"rate:{name}:{start}"
    retry_after = max(1, int(start + window_seconds - moment))
    cache.add(key, 0, timeout=window_seconds + 5)
    try:
        count = cache.incr(key, amount)
    except ValueError:  # expired between add and incr: start the window afresh
        cache.set(key, amount, timeout=window_seconds + 5)
        count = amount
    return Window(count=amount if count is None else int(count), retry_after=retry_after)
