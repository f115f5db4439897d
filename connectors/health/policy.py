"""The health engine's thresholds and timings, shared by the state machine and the scheduler."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Policy:
    """Thresholds and timings of the health engine."""

    failing_after: int = 3
    recover_after: int = 2
    confirm_delay: timedelta = timedelta(seconds=5)
    interval: timedelta = timedelta(minutes=10)
    max_backoff: timedelta | None = None  # None: the interval
    base_backoff: timedelta = timedelta(seconds=30)
    jitter_fraction: float = 0.1
    # A successful answer slower than this is `degraded` (None: never).
    slow_after: timedelta | None = timedelta(seconds=5)
    # A revoked connection is re-checked after `recheck_first`, the wait doubling up to
    # `recheck_max`, until `recheck_for` after its revocation; then never on schedule.
    recheck_first: timedelta = timedelta(hours=1)
    recheck_max: timedelta = timedelta(hours=24)
    recheck_for: timedelta = timedelta(days=30)
    # During a provider incident a confirmed dead token is held as suspect this long.
    hold: timedelta = timedelta(minutes=30)

    def __post_init__(self) -> None:
        # A policy that breaks the ordering below would break the engine's promises
        # (no storms, no overdue checks), so refuse it at construction.
        if self.failing_after < 1 or self.recover_after < 1:
            raise ValueError("failing_after and recover_after must be at least 1")
        if not timedelta(0) < self.confirm_delay <= self.base_backoff <= self.interval:
            raise ValueError("need 0 < confirm_delay <= base_backoff <= interval")
        if self.max_backoff is not None and not (
            self.base_backoff <= self.max_backoff <= self.interval
        ):
            raise ValueError("need base_backoff <= max_backoff <= interval")
        if self.slow_after is not None and self.slow_after <= timedelta(0):
            raise ValueError("slow_after must be positive (or None: never slow)")
        if not timedelta(0) < self.recheck_first <= self.recheck_max:
            raise ValueError("need 0 < recheck_first <= recheck_max")
        if self.recheck_for < timedelta(0) or self.hold < timedelta(0):
            raise ValueError("recheck_for and hold must not be negative")
        if not 0.0 <= self.jitter_fraction <= 0.5:
            raise ValueError("jitter_fraction must be between 0 and 0.5")

    @property
    def backoff_cap(self) -> timedelta:
        """The longest wait between checks of a connection with transient errors."""
        return self.max_backoff if self.max_backoff is not None else self.interval
