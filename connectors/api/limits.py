"""API rate limits per key and per client address: fixed one-minute windows counted in the
cache (Redis in production)."""

from __future__ import annotations

from django.conf import settings

from portal.counters import window_hit

WINDOW_SECONDS = 60


def _window_hit(name: str, limit: int, now: float | None) -> int | None:
    return window_hit(name, limit, window_seconds=WINDOW_SECONDS, now=now)


def rate_limit_hit(*, key_id: int, now: float | None = None) -> int | None:
    """Count one request of a key; answers seconds to wait when over the limit, else None."""
    return _window_hit(f"api-rate:{key_id}", settings.API_RATE_LIMIT_PER_MINUTE, now)


def address_limit_hit(*, ip: str, now: float | None = None) -> int | None:
    """Count one request from an address, before its key is even looked at (so guessing
    keys is slow too); answers seconds to wait when over the limit, else None."""
    limit = settings.API_RATE_LIMIT_PER_ADDRESS_PER_MINUTE or 5 * settings.API_RATE_LIMIT_PER_MINUTE
    return _window_hit(f"api-rate-ip:{ip[:64]}", limit, now)
