"""The engine's knobs, read from settings (all optional, with production defaults)."""

from __future__ import annotations

import functools
from datetime import timedelta

from django.conf import settings

from connectors.health.policy import Policy
from connectors.http import Timeout

MIN_INTERVAL_SECONDS = 60
MAX_INTERVAL_SECONDS = 24 * 3600


def setting(name: str, default: int | float) -> float:
    value = getattr(settings, name, default)
    return float(value)


def batch_size() -> int:
    """Connections per batch task: a few hundred keeps queries per check tiny."""
    return int(setting("HEALTH_BATCH_SIZE", 200))


def claim_chunk() -> int:
    return int(setting("HEALTH_CLAIM_CHUNK", 2000))


def lease() -> timedelta:
    # Longer than a batch's hard time limit, so a live batch never loses its lease.
    return timedelta(seconds=setting("HEALTH_LEASE_SECONDS", 180))


def concurrency() -> int:
    """Probes in flight at once within one batch task."""
    return int(setting("HEALTH_CONCURRENCY", 100))


def per_host() -> int:
    return int(setting("HEALTH_PER_HOST", 100))


def rate_share() -> float:
    """The share of a provider's per-app limit that health checks may use (0..1)."""
    return setting("HEALTH_RATE_SHARE_PERCENT", 10) / 100


def refresh_ahead() -> timedelta:
    return timedelta(seconds=setting("HEALTH_REFRESH_AHEAD_SECONDS", 600))


def refresh_stale() -> timedelta:
    """A refresh marker older than this belongs to an attempt that died."""
    return timedelta(seconds=setting("HEALTH_REFRESH_STALE_SECONDS", 180))


def coalesce_window() -> timedelta:
    """Presses of "Check now" within this window make one check."""
    return timedelta(seconds=setting("HEALTH_CHECK_NOW_COALESCE_SECONDS", 5))


def probe_timeout() -> Timeout:
    return Timeout(
        connect=setting("HEALTH_PROBE_CONNECT_TIMEOUT", 5.0),
        read=setting("HEALTH_PROBE_READ_TIMEOUT", 10.0),
        total=setting("HEALTH_PROBE_TOTAL_TIMEOUT", 15.0),
    )


def raw_check_days() -> int:
    return int(setting("HEALTH_RAW_CHECK_DAYS", 2))


def rollup_days() -> int:
    return int(setting("HEALTH_ROLLUP_DAYS", 90))


def transition_days() -> int:
    return int(setting("HEALTH_TRANSITION_DAYS", 365))


def clamp_interval(seconds: int | None) -> int:
    """A team's chosen interval, kept within 1 minute .. 24 hours (tests may lower the floor)."""
    low = int(setting("HEALTH_MIN_INTERVAL_SECONDS", MIN_INTERVAL_SECONDS))
    return max(low, min(int(seconds or 600), MAX_INTERVAL_SECONDS))


@functools.cache
def _policy(interval: int, failing: int, recover: int, confirm: float, backoff: float) -> Policy:
    span = timedelta(seconds=interval)
    base = min(timedelta(seconds=backoff), span)
    return Policy(
        failing_after=failing,
        recover_after=recover,
        confirm_delay=min(timedelta(seconds=confirm), base),
        interval=span,
        base_backoff=base,
    )


def policy_for(interval_seconds: int | None) -> Policy:
    """The state machine's policy for a connection checked every `interval_seconds`."""
    return _policy(
        clamp_interval(interval_seconds),
        int(setting("HEALTH_FAILING_AFTER", 3)),
        int(setting("HEALTH_RECOVER_AFTER", 2)),
        setting("HEALTH_CONFIRM_DELAY_SECONDS", 5),
        setting("HEALTH_BASE_BACKOFF_SECONDS", 30),
    )
