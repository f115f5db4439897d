"""The rate budget: health checks take at most a share of what the provider allows an app.

The provider limits each app per minute, enforced in 10-second windows, and every
authenticated answer reports that window's figures, which the provider's classifier puts
in the `Classification`: `X-RateLimit-Limit` (calls allowed in the window),
`X-RateLimit-Remaining` (calls left in it) and `X-RateLimit-Reset` (when it ends, Unix
seconds). The provider's documentation is cited in docs/health-engine.md.

- An app's allowance per 10-second window is `HEALTH_RATE_SHARE_PERCENT` of the limit the
  provider last reported for it; until one is seen, of the provider's documented default
  (`Provider.rate_limit_per_minute`, a sixth of it per window).
- When the provider last said the app has at most `HEALTH_RATE_LOW_PERCENT` of its limit
  left in the current window (the team's own integration is using it up, or a 429 said
  0), every check of that app waits for the reported reset: health checks give way
  before they cause a 429, never after.
- "An app" is the portal's app (one set of credentials). Were a provider to count per app
  and workspace, one workspace's low figures would hold back the app's other workspaces
  too: the error is on the side of fewer checks.

The checks taken are counted per app and window by the portal's rate counter (one atomic
increment per app per batch); the last figures reported are kept per app in Django's
cache. Both are Redis in production, so every worker on every machine shares one count
and one view of the provider's figures: a batch on one machine slows down for what a
batch on another just heard. The figures are advisory and short-lived (a window is 10 s),
so the cache suits them: losing them (a Redis restart) only means the default limit until
the next answer, and no database row is rewritten on every batch.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.cache import cache

from connectors.engine import config
from connectors.health.outcomes import Classification
from connectors.models import Connection
from connectors.providers import provider_find
from portal.ratelimit import hit, window_start

WINDOW_SECONDS = 10
# The limit an app reported is remembered this long (it changes only with its plan).
SEEN_SECONDS = 24 * 3600
# A deferred check is spread over this many seconds after the window or reset ends.
SPREAD_SECONDS = 5.0

_rng = random.SystemRandom()


@dataclass(frozen=True)
class RateSeen:
    """The rate-limit figures a provider last reported for one app."""

    limit: int | None = None  # calls per window
    remaining: int | None = None  # calls left in the window that ends at `reset`
    reset: float | None = None  # Unix seconds


def _key(app_id: int) -> str:
    return f"health-rate-seen:{app_id}"


def rate_seen(app_id: int) -> RateSeen:
    raw = cache.get(_key(app_id))
    if not isinstance(raw, dict):
        return RateSeen()
    return RateSeen(raw.get("limit"), raw.get("remaining"), raw.get("reset"))


def _recency(seen: RateSeen) -> tuple[float, int]:
    # The later window first; within one window, the fewest calls left is the latest.
    return seen.reset or 0.0, -(seen.remaining or 0)


def rate_seen_record(answers: Iterable[tuple[int | None, Classification]]) -> None:
    """Remember, per app, the figures of its latest answer (the lowest remaining among
    answers of one batch in the same window). One cache write per app per batch."""
    latest: dict[int, RateSeen] = {}
    for app_id, c in answers:
        if app_id is None or (c.rate_limit_limit is None and c.rate_limit_remaining is None):
            continue
        reset = c.rate_limit_reset.timestamp() if c.rate_limit_reset else None
        seen = RateSeen(c.rate_limit_limit, c.rate_limit_remaining, reset)
        before = latest.get(app_id)
        if before is None or _recency(seen) > _recency(before):
            latest[app_id] = seen
    for app_id, seen in latest.items():
        limit = seen.limit if seen.limit is not None else rate_seen(app_id).limit
        value = {"limit": limit, "remaining": seen.remaining, "reset": seen.reset}
        cache.set(_key(app_id), value, timeout=SEEN_SECONDS)


def window_allowance(limit_per_window: int) -> int:
    """Checks one app may make per window; at least one, so nothing starves."""
    return max(1, int(limit_per_window * config.rate_share()))


def default_window_limit(limit_per_minute: int) -> int:
    return max(1, limit_per_minute * WINDOW_SECONDS // 60)


def low_until(seen: RateSeen, limit: int, now: float) -> float | None:
    """The reset to wait for when little of the app's window is left; None: go ahead."""
    if seen.remaining is None or seen.reset is None or seen.reset <= now:
        return None
    if seen.remaining <= limit * config.rate_low_share():
        return seen.reset
    return None


def window_end(now: float | None = None) -> datetime:
    return datetime.fromtimestamp(window_start(WINDOW_SECONDS, now) + WINDOW_SECONDS, tz=UTC)


def _spread(moment: datetime) -> datetime:
    return moment + timedelta(seconds=_rng.random() * SPREAD_SECONDS)


def _take(name: str, wanted: int, allowance: int, now: float) -> int:
    """Reserve up to `wanted` of `allowance` under `name`; answer how many were granted."""
    before = hit(name, window_seconds=WINDOW_SECONDS, amount=wanted, now=now).count - wanted
    return max(0, min(wanted, allowance - before))


def budget_split(
    connections: Sequence[Connection], now: float | None = None
) -> tuple[list[Connection], list[tuple[Connection, datetime]]]:
    """(to probe now, to defer with the moment to try again), keeping each app within its
    share of the limit last reported for it and off an app with little left."""
    by_app: dict[int | None, list[Connection]] = {}
    for connection in connections:
        by_app.setdefault(connection.app_id, []).append(connection)
    moment = time.time() if now is None else now
    allowed: list[Connection] = []
    deferred: list[tuple[Connection, datetime]] = []
    for app_id, group in by_app.items():
        provider = provider_find(group[0].provider)
        per_minute = provider.rate_limit_per_minute if provider else 0
        if not per_minute or app_id is None:
            allowed.extend(group)
            continue
        seen = rate_seen(app_id)
        limit = seen.limit or default_window_limit(per_minute)
        wait = low_until(seen, limit, moment)
        if wait is not None:
            until = datetime.fromtimestamp(wait, tz=UTC)
            deferred.extend((c, _spread(until)) for c in group)
            continue
        granted = _take(f"health-budget:{app_id}", len(group), window_allowance(limit), moment)
        allowed.extend(group[:granted])
        deferred.extend((c, _spread(window_end(moment))) for c in group[granted:])
    return allowed, deferred
