"""API rate limits per key and per client address: fixed one-minute windows of the
portal's rate counter (portal/ratelimit.py)."""

from __future__ import annotations

from django.conf import settings

from portal.ratelimit import hit

WINDOW_SECONDS = 60


def _over(name: str, limit: int, now: float | None) -> int | None:
    window = hit(name, window_seconds=WINDOW_SECONDS, now=now)
    return window.retry_after if window.count > limit else None


def rate_limit_hit(*, key_id: int, now: float | None = None) -> int | None:
    """Count one request of a key; answers seconds to wait when over the limit, else None."""
    return _over(f"api-key:{key_id}", settings.API_RATE_LIMIT_PER_MINUTE, now)


def address_limit_hit(*, ip: str, now: float | None = None) -> int | None:
    """Count one request from a client address, before its key is even looked at (so
    guessing keys is slow too); answers seconds to wait when over the limit, else None."""
    limit = settings.API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE or 5 * settings.API_RATE_LIMIT_PER_MINUTE
    return _over(f"api-ip:{ip[:64]}", limit, now)
