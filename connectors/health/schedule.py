"""When to check a connection next: backoff, rate-limit waits, jitter and fleet spreading.

Pure arithmetic over timedeltas; randomness comes from an injected `random.Random`, so a
test (or a replay) gets the same schedule every time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from connectors.health.policy import Policy

RATE_LIMIT_FALLBACK = timedelta(seconds=60)


class Wait(StrEnum):
    """Why the engine waits; it decides which way jitter may move the check."""

    INTERVAL = "interval"  # the regular beat of a settled connection
    BACKOFF = "backoff"  # after transient errors, doubling each time
    RECOVERY = "recovery"  # confirming that a connection really came back
    CONFIRM = "confirm"  # the confirming retry after a token-dead answer
    RATE_LIMIT = "rate_limit"  # until the provider's rate-limit window resets
    RECHECK = "recheck"  # the slow re-check of a revoked connection
    HOLD = "hold"  # a revocation held as suspect during a provider incident


# A floor must never be cut short (checking before a reset only earns another 429);
# a ceiling must never be overrun (a settled connection is checked at least this often).
FLOOR_WAITS = frozenset({Wait.CONFIRM, Wait.RATE_LIMIT})


def _clamp(value: timedelta, low: timedelta, high: timedelta) -> timedelta:
    return max(low, min(value, high))


def backoff_delay(consecutive_failures: int, *, policy: Policy) -> timedelta:
    """base_backoff doubled per failure after the first, capped at the backoff cap."""
    cap = policy.backoff_cap
    if consecutive_failures <= 1:
        return min(policy.base_backoff, cap)
    # Past 2**20 the cap has long been reached; stop doubling before the numbers explode.
    exponent = min(consecutive_failures - 1, 20)
    return min(policy.base_backoff * (1 << exponent), cap)


def recheck_delay(
    revoked_since: datetime | None, *, now: datetime, policy: Policy
) -> timedelta | None:
    """A revoked connection's next re-check: as long as it has been revoked, within
    `recheck_first` .. `recheck_max` (so 1 h, 1 h, 2 h, 4 h, ... 24 h); None once
    `recheck_for` has passed since the revocation."""
    age = max(now - revoked_since, timedelta(0)) if revoked_since is not None else timedelta(0)
    if age >= policy.recheck_for:
        return None
    return _clamp(age, policy.recheck_first, policy.recheck_max)


def rate_limit_delay(reset: datetime | None, *, now: datetime, policy: Policy) -> timedelta:
    """Until `reset`, but never less than the confirm delay nor more than the interval."""
    wanted = (reset - now) if reset is not None else RATE_LIMIT_FALLBACK
    return _clamp(wanted, policy.confirm_delay, policy.interval)


def jittered(delay: timedelta, *, wait: Wait, fraction: float, rng: random.Random) -> timedelta:
    """Spread `delay` by up to `fraction` of itself: later for floors, earlier otherwise."""
    spread = delay * (fraction * rng.random())
    return delay + spread if wait in FLOOR_WAITS else delay - spread


class Scheduled(Protocol):
    """What `next_check_at` reads of a state machine's decision."""

    @property
    def next_check_in(self) -> timedelta | None: ...

    @property
    def wait(self) -> Wait: ...


def next_check_at(
    when: Scheduled | timedelta | None,
    *,
    now: datetime,
    policy: Policy,
    rng: random.Random,
    wait: Wait = Wait.INTERVAL,
) -> datetime | None:
    """The absolute time of the next check, jittered; None when nothing is scheduled.

    Pass a decision (its own wait kind is used) or a bare delay with `wait`.
    """
    if when is None:
        return None
    if isinstance(when, timedelta):
        delay = when
    else:
        if when.next_check_in is None:
            return None
        delay, wait = when.next_check_in, when.wait
    return now + jittered(delay, wait=wait, fraction=policy.jitter_fraction, rng=rng)


def refresh_due_at(*, issued_at: datetime, expires_at: datetime, ahead: timedelta) -> datetime:
    """When to refresh a token issued at `issued_at` that expires at `expires_at`.

    `ahead` before expiry; but a token that lives less than twice `ahead` is refreshed
    at half its life, so a short-lived token is not refreshed again the moment it arrives.
    """
    lifetime = max(expires_at - issued_at, timedelta(0))
    return expires_at - min(ahead, lifetime / 2)
