"""The engine's knobs, read from settings (portal/settings.py gives their defaults and
reads each from the environment)."""

from __future__ import annotations

import functools
from datetime import timedelta

from django.conf import settings

from connectors.health.incidents import IncidentPolicy
from connectors.health.policy import Policy
from connectors.http import Timeout

MAX_INTERVAL_SECONDS = 24 * 3600


def setting(name: str) -> float:
    return float(getattr(settings, name))


def batch_size() -> int:
    """Connections per batch task: a few hundred keeps queries per check tiny."""
    return int(setting("HEALTH_BATCH_SIZE"))


def claim_chunk() -> int:
    return int(setting("HEALTH_CLAIM_CHUNK"))


def lease() -> timedelta:
    # Longer than a batch's hard time limit, so a live batch never loses its lease.
    return timedelta(seconds=setting("HEALTH_LEASE_SECONDS"))


def concurrency() -> int:
    """Probes in flight at once within one batch task."""
    return int(setting("HEALTH_CONCURRENCY"))


def per_host() -> int:
    return int(setting("HEALTH_PER_HOST"))


def rate_share() -> float:
    """The share of a provider's per-app limit that health checks may use (0..1)."""
    return setting("HEALTH_RATE_SHARE_PERCENT") / 100


def rate_low_share() -> float:
    """At or below this share of its limit left, an app's checks wait for the reset."""
    return setting("HEALTH_RATE_LOW_PERCENT") / 100


def refresh_ahead() -> timedelta:
    return timedelta(seconds=setting("HEALTH_REFRESH_AHEAD_SECONDS"))


def refresh_stale() -> timedelta:
    """A refresh marker older than this belongs to an attempt that died."""
    return timedelta(seconds=setting("HEALTH_REFRESH_STALE_SECONDS"))


def coalesce_window() -> timedelta:
    """Presses of "Check now" within this window make one check."""
    return timedelta(seconds=setting("HEALTH_CHECK_NOW_COALESCE_SECONDS"))


def probe_timeout() -> Timeout:
    return Timeout(
        connect=setting("HEALTH_PROBE_CONNECT_TIMEOUT"),
        read=setting("HEALTH_PROBE_READ_TIMEOUT"),
        total=setting("HEALTH_PROBE_TOTAL_TIMEOUT"),
    )


def capability_interval() -> timedelta:
    """How often each declared capability is checked after the connect-time check."""
    return timedelta(seconds=setting("HEALTH_CAPABILITY_INTERVAL_SECONDS"))


def raw_check_days() -> int:
    return int(setting("HEALTH_RAW_CHECK_DAYS"))


def rollup_days() -> int:
    return int(setting("HEALTH_ROLLUP_DAYS"))


def transition_days() -> int:
    return int(setting("HEALTH_TRANSITION_DAYS"))


def clamp_interval(seconds: int | None) -> int:
    """A team's chosen interval, kept within 1 minute .. 24 hours (tests may lower the floor)."""
    low = int(setting("HEALTH_MIN_INTERVAL_SECONDS"))
    return max(low, min(int(seconds or 600), MAX_INTERVAL_SECONDS))


@functools.cache
def _policy(
    interval: int,
    failing: int,
    recover: int,
    confirm: float,
    backoff: float,
    slow: float,
    recheck: tuple[float, float, float],
    hold: float,
) -> Policy:
    span = timedelta(seconds=interval)
    base = min(timedelta(seconds=backoff), span)
    first, longest, days = recheck
    return Policy(
        failing_after=failing,
        recover_after=recover,
        confirm_delay=min(timedelta(seconds=confirm), base),
        interval=span,
        base_backoff=base,
        slow_after=timedelta(seconds=slow) if slow > 0 else None,
        recheck_first=timedelta(seconds=first),
        recheck_max=timedelta(seconds=max(first, longest)),
        recheck_for=timedelta(days=days),
        hold=timedelta(seconds=hold),
    )


def policy_for(interval_seconds: int | None) -> Policy:
    """The state machine's policy for a connection checked every `interval_seconds`."""
    return _policy(
        clamp_interval(interval_seconds),
        int(setting("HEALTH_FAILING_AFTER")),
        int(setting("HEALTH_RECOVER_AFTER")),
        setting("HEALTH_CONFIRM_DELAY_SECONDS"),
        setting("HEALTH_BASE_BACKOFF_SECONDS"),
        setting("HEALTH_SLOW_SECONDS"),
        (
            setting("HEALTH_RECHECK_FIRST_SECONDS"),
            setting("HEALTH_RECHECK_MAX_SECONDS"),
            setting("HEALTH_RECHECK_DAYS"),
        ),
        setting("HEALTH_INCIDENT_HOLD_SECONDS"),
    )


def incident_policy() -> IncidentPolicy:
    """When one provider and region's failures are a provider incident."""
    return IncidentPolicy(
        window=timedelta(seconds=setting("HEALTH_INCIDENT_WINDOW_SECONDS")),
        min_checked=int(setting("HEALTH_INCIDENT_MIN_CONNECTIONS")),
        min_share=min(setting("HEALTH_INCIDENT_MIN_PERCENT") / 100, 1.0),
        min_teams=int(setting("HEALTH_INCIDENT_MIN_TEAMS")),
    )
