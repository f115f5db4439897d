"""The rate budget: health checks take at most a share of a provider's per-app limit.

Counted per app in fixed 10-second windows (the provider enforces its limit in such
windows) by the portal's rate counter, one atomic increment per app per batch, so every
worker on every machine shares one count.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

from connectors.engine import config
from connectors.models import Connection
from connectors.providers import provider_find
from portal.ratelimit import hit, window_start

WINDOW_SECONDS = 10


def window_allowance(limit_per_minute: int) -> int:
    """Checks one app may make per window; at least one, so nothing starves."""
    return max(1, int(limit_per_minute * config.rate_share() * WINDOW_SECONDS / 60))


def window_end(now: float | None = None) -> datetime:
    return datetime.fromtimestamp(window_start(WINDOW_SECONDS, now) + WINDOW_SECONDS, tz=UTC)


def _take(name: str, wanted: int, allowance: int, now: float) -> int:
    """Reserve up to `wanted` of `allowance` under `name`; answer how many were granted."""
    before = hit(name, window_seconds=WINDOW_SECONDS, amount=wanted, now=now).count - wanted
    return max(0, min(wanted, allowance - before))


def budget_split(
    connections: Sequence[Connection],
) -> tuple[list[Connection], list[Connection]]:
    """(to probe now, to defer to the next window), keeping each app within its share."""
    by_app: dict[int | None, list[Connection]] = {}
    for connection in connections:
        by_app.setdefault(connection.app_id, []).append(connection)
    now = time.time()
    allowed: list[Connection] = []
    deferred: list[Connection] = []
    for app_id, group in by_app.items():
        provider = provider_find(group[0].provider)
        limit = provider.rate_limit_per_minute if provider else 0
        if not limit or app_id is None:
            allowed.extend(group)
            continue
        granted = _take(f"health-budget:{app_id}", len(group), window_allowance(limit), now)
        allowed.extend(group[:granted])
        deferred.extend(group[granted:])
    return allowed, deferred
