"""The health state machine: one probe's `Classification` moves a connection's `HealthState`.

N = `Policy.failing_after` (3), M = `Policy.recover_after` (2).

| answer            | new status                                           | next check         |
|-------------------|------------------------------------------------------|--------------------|
| ok                | healthy from pending or healthy; from degraded,      | interval; while    |
|                   | failing, suspect or revoked only after M ok answers  | recovering: base   |
|                   | in a row                                             | backoff            |
| ok, slow          | degraded (from pending, healthy, degraded, failing)  | interval           |
| transient         | degraded; failing after N in a row (or if failing);  | backoff            |
|                   | suspect and revoked stay                             |                    |
| token_dead, first | unchanged, awaiting its confirming retry             | confirm_delay      |
| token_dead, again | revoked; suspect during a provider incident          | revoked: re-check; |
|                   |                                                      | suspect: base      |
| token_dead,       | suspect while the incident is open and the hold      | base backoff       |
| suspect           | lasts; then revoked, with a note in the reason       | (or re-check)      |
| forbidden         | degraded (revoked stays)                             | interval           |
| wrong_workspace   | failing (revoked stays)                              | interval           |
| rate_limited      | unchanged                                            | until the reset    |
| misconfigured     | unchanged                                            | interval           |

A `revoked` connection stays `revoked` on every answer except ok (see below).

- `disconnected` is terminal: `advance` leaves it alone and schedules nothing.
- Transient answers never revoke. A token-dead answer revokes only when the confirming
  retry answers token-dead too; a transient, rate-limited or misconfigured answer in
  between keeps the confirmation pending (it says nothing about the token), while an
  ok, forbidden or wrong-workspace answer clears it.
- `consecutive_failures` counts transient answers in a row (it drives `failing` and the
  backoff); `consecutive_successes` counts ok answers in a row (it drives recovery).
  Rate-limited and misconfigured answers are neutral: they touch neither counter.
- Wrong workspace is `failing`, not `degraded`: the token works for someone else's data,
  which a person must resolve (the portal never re-points a connection).
- Misconfigured means our request is wrong (e.g. the API version), or the portal's own
  configuration kept it from the provider (no host known, its sandbox URL unreachable),
  not the token.
- `revoked` is re-checked on schedule at a slow, growing cadence (`recheck_delay`:
  `recheck_first`, doubling up to `recheck_max`) until `recheck_for` after the
  revocation, then no more. M ok answers in a row (the second after `base_backoff`)
  bring it back to `healthy`, a recovery like any other; so does a reconnect
  (`reset_after_reconnect` → `pending`).
- `suspect` is a revocation held during a provider incident (`incident=True`, decided by
  the engine from `connectors.health.incidents`). It is re-checked every `base_backoff`;
  M ok answers make it `healthy`; a token-dead answer once the incident has ended, or
  `hold` after it became suspect, revokes it with a note saying so.
- Slow: an ok answer that took longer than `Policy.slow_after` (the `latency` given to
  `advance`). The token works, so it never touches `consecutive_failures` and clears a
  pending confirmation; but it is not a good answer either, so it resets
  `consecutive_successes`: leaving `degraded` takes M fast ok answers in a row, the usual
  recovery rule. It is checked again at the interval (a slow provider is not hammered).
  It never leads out of `revoked` or `suspect`.
- The reason (`Decision.status_reason`) always describes the latest answer that set or
  kept a status other than healthy or pending: "2 failed checks in a row. Latest: ...",
  "Recovering: 1 of 2 good checks in a row. ...", the slow answer's time. Neutral
  answers (rate limited, misconfigured, a first token-dead answer awaiting its retry) and
  any answer that keeps `revoked`, `healthy` or `pending`, and any answer but ok that
  keeps `suspect`, keep the previous reason (`status_reason` None).
- Backoff: `base_backoff` doubled per transient failure after the first, capped at
  `max_backoff` (default and ceiling: the interval). Every scheduled delay of a
  connection in service lies between `confirm_delay` and `interval`, before jitter (see
  `connectors.health.schedule`); a revoked connection's re-checks are slower.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from connectors.health.outcomes import Classification, Outcome, Status
from connectors.health.policy import Policy
from connectors.health.schedule import Wait, backoff_delay, rate_limit_delay, recheck_delay

__all__ = [
    "Decision",
    "HealthState",
    "Transition",
    "advance",
    "disconnect",
    "reset_after_reconnect",
]


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class HealthState:
    """A connection's health, as the engine needs it."""

    status: Status = Status.PENDING
    consecutive_failures: int = 0
    consecutive_successes: int = 0
    pending_confirmation: bool = False
    status_since: datetime | None = None

    @classmethod
    def initial(cls, now: datetime | None = None) -> HealthState:
        """A connection never checked."""
        return cls(status=Status.PENDING, status_since=now)


@dataclass(frozen=True)
class Transition:
    """A change of status, for the audit trail and notifications."""

    from_status: Status
    to_status: Status
    reason: str
    at: datetime


@dataclass(frozen=True)
class Decision:
    """The engine's answer to one check: the new state and when to look again."""

    state: HealthState
    transition: Transition | None
    next_check_in: timedelta | None  # before jitter; None: do not schedule a check
    wait: Wait
    confirm_retry: bool  # the next check is the confirming retry of a token-dead answer
    outcome: Outcome | None
    reason: str
    # The connection's status reason after this answer; None: keep the previous one.
    status_reason: str | None = None

    @property
    def changed(self) -> bool:
        return self.transition is not None


# Not the provider's own words for a dead token: they say "reconnect", which is wrong
# advice while the answer is held (the checks table keeps that answer).
HELD = (
    "Held as suspect, not revoked: many connections of this provider and region failed "
    "at once (a provider incident). Re-checked until it ends. Nothing to do yet: if the "
    "token is still dead when the incident ends, or after the hold, it is revoked and "
    "the team is told."
)
HOLD_ENDED = "Held as suspect during a provider incident, which has ended; still dead."


def _hold_over(state: HealthState, policy: Policy, now: datetime) -> bool:
    since = state.status_since
    return since is not None and now - since >= policy.hold


def _hold_note(state: HealthState, policy: Policy, now: datetime) -> str:
    if _hold_over(state, policy, now):
        seconds = int(policy.hold.total_seconds())
        span = f"{seconds // 60} min" if seconds >= 60 else f"{seconds} s"
        return f"Held as suspect for {span} during a provider incident; still dead."
    return HOLD_ENDED


def _suspect_status(
    state: HealthState,
    c: Classification,
    successes: int,
    policy: Policy,
    *,
    incident: bool,
    now: datetime,
) -> Status:
    """The status after this answer for a held (suspect) connection."""
    if c.outcome is Outcome.OK:
        return Status.HEALTHY if successes >= policy.recover_after else Status.SUSPECT
    if c.outcome is Outcome.TOKEN_DEAD:
        held = incident and not _hold_over(state, policy, now)
        return Status.SUSPECT if held else Status.REVOKED
    if c.outcome is Outcome.FORBIDDEN:
        return Status.DEGRADED
    if c.outcome is Outcome.WRONG_WORKSPACE:
        return Status.FAILING
    return Status.SUSPECT  # transient, rate limited, misconfigured: nothing about the token


def _to_status(
    state: HealthState,
    c: Classification,
    failures: int,
    successes: int,
    policy: Policy,
    slow: bool = False,
    *,
    incident: bool = False,
) -> Status:
    """The status after this answer (revoked, suspect and disconnected: the caller)."""
    current = state.status
    if slow:
        return Status.DEGRADED
    if c.outcome is Outcome.OK:
        if current in (Status.PENDING, Status.HEALTHY) or successes >= policy.recover_after:
            return Status.HEALTHY
        return current
    if c.outcome is Outcome.TRANSIENT:
        if failures >= policy.failing_after or current is Status.FAILING:
            return Status.FAILING
        return Status.DEGRADED
    if c.outcome is Outcome.FORBIDDEN:
        return Status.DEGRADED
    if c.outcome is Outcome.WRONG_WORKSPACE:
        return Status.FAILING
    if c.outcome is Outcome.TOKEN_DEAD and state.pending_confirmation:
        return Status.SUSPECT if incident else Status.REVOKED
    return current  # first token-dead answer, rate limited, misconfigured


def _counters(state: HealthState, outcome: Outcome, slow: bool = False) -> tuple[int, int, bool]:
    """(consecutive_failures, consecutive_successes, pending_confirmation) after `outcome`."""
    if slow:
        return state.consecutive_failures, 0, False
    if outcome in (Outcome.RATE_LIMITED, Outcome.MISCONFIGURED):
        return state.consecutive_failures, state.consecutive_successes, state.pending_confirmation
    if outcome is Outcome.OK:
        return 0, state.consecutive_successes + 1, False
    if outcome is Outcome.TRANSIENT:
        return state.consecutive_failures + 1, 0, state.pending_confirmation
    if outcome is Outcome.TOKEN_DEAD:
        # Revoked by this answer, or awaiting its confirming retry.
        settled = state.status in (Status.REVOKED, Status.SUSPECT)
        awaiting = not settled and not state.pending_confirmation
        return 0, 0, awaiting
    return 0, 0, False  # forbidden, wrong workspace: a definite answer clears the rest


def _next_check(
    state: HealthState, c: Classification, policy: Policy, now: datetime, slow: bool = False
) -> tuple[timedelta | None, Wait]:
    if state.status is Status.DISCONNECTED:
        return None, Wait.INTERVAL
    if state.status is Status.REVOKED and state.consecutive_successes == 0:
        # Slow, growing re-checks, so a revocation by a provider's mistake heals itself.
        return recheck_delay(state.status_since, now=now, policy=policy), Wait.RECHECK
    if c.outcome is Outcome.RATE_LIMITED:
        return rate_limit_delay(c.rate_limit_reset, now=now, policy=policy), Wait.RATE_LIMIT
    if state.pending_confirmation and c.outcome is Outcome.TOKEN_DEAD:
        return policy.confirm_delay, Wait.CONFIRM
    if c.outcome is Outcome.TRANSIENT:
        # Also retries a pending confirmation: backoff never drops below confirm_delay.
        return backoff_delay(state.consecutive_failures, policy=policy), Wait.BACKOFF
    if c.outcome is Outcome.OK and state.status is not Status.HEALTHY and not slow:
        return policy.base_backoff, Wait.RECOVERY
    if state.status is Status.SUSPECT:
        return policy.base_backoff, Wait.HOLD
    return policy.interval, Wait.INTERVAL


# Answers that say nothing about the status: they keep its reason.
_KEEPS_REASON = (Outcome.RATE_LIMITED, Outcome.MISCONFIGURED, Outcome.TOKEN_DEAD)
_KEPT_QUIETLY = (Status.PENDING, Status.HEALTHY, Status.REVOKED)


def _slow_reason(provider_name: str, latency: timedelta, policy: Policy) -> str:
    limit = policy.slow_after.total_seconds() if policy.slow_after else 0
    return (
        f"{provider_name} answered in {latency.total_seconds():.1f} s (slow: over {limit:g} s); "
        "the token works; checks continue."
    )


def _status_reason(
    state: HealthState,
    new: Status,
    c: Classification,
    failures: int,
    successes: int,
    policy: Policy,
    slow: str,
    now: datetime,
) -> str | None:
    """The status's reason after this answer (see the module docstring); None: keep it."""
    old = state.status
    if new is old and (new in _KEPT_QUIETLY or c.outcome in _KEEPS_REASON):
        return None
    if new is old is Status.SUSPECT and c.outcome is not Outcome.OK:
        return None  # still held: the hold's reason stands
    if slow:
        return slow
    if new is Status.SUSPECT and old is not Status.SUSPECT:
        return HELD
    if new is Status.REVOKED and old is Status.SUSPECT:
        return f"{_hold_note(state, policy, now)} {c.reason}"
    if new is Status.HEALTHY:
        if old is Status.PENDING:
            return c.reason
        return f"Recovered: {successes} good checks in a row. {c.reason}"
    if new is Status.REVOKED:
        return f"Confirmed by a second check. {c.reason}"
    if c.outcome is Outcome.OK:
        return f"Recovering: {successes} of {policy.recover_after} good checks in a row. {c.reason}"
    if c.outcome is Outcome.TRANSIENT and (failures > 1 or new is Status.FAILING):
        return f"{failures} failed checks in a row. Latest: {c.reason}"
    return c.reason


def advance(
    state: HealthState,
    classification: Classification,
    *,
    policy: Policy = DEFAULT_POLICY,
    now: datetime,
    latency: timedelta | None = None,
    provider_name: str = "The provider",
    incident: bool = False,
) -> Decision:
    """Apply one probe's classification to `state`; see the module docstring for the rules.

    `latency` is how long the answer took (None: unknown, never slow); `provider_name`
    names the provider in the reason of a slow answer; `incident`: a provider incident is
    open for this connection's provider and region.
    """
    c = classification
    if state.status is Status.DISCONNECTED:
        return Decision(state, None, None, Wait.INTERVAL, False, c.outcome, c.reason)

    is_slow = (
        c.outcome is Outcome.OK
        and latency is not None
        and policy.slow_after is not None
        and latency > policy.slow_after
    )
    failures, successes, pending = _counters(state, c.outcome, is_slow)
    if state.status is Status.REVOKED:
        # Only ok answers (recovery) or a reconnect lead out of revoked.
        new_status = Status.HEALTHY if successes >= policy.recover_after else Status.REVOKED
    elif state.status is Status.SUSPECT:
        new_status = _suspect_status(state, c, successes, policy, incident=incident, now=now)
    else:
        new_status = _to_status(state, c, failures, successes, policy, is_slow, incident=incident)

    slow = _slow_reason(provider_name, latency, policy) if is_slow and latency else ""
    reason = _status_reason(state, new_status, c, failures, successes, policy, slow, now)
    transition = None
    since = state.status_since
    if new_status is not state.status:
        transition = Transition(state.status, new_status, reason or c.reason, now)
        since = now
    new_state = HealthState(new_status, failures, successes, pending, since)
    delay, wait = _next_check(new_state, c, policy, now, is_slow)
    return Decision(new_state, transition, delay, wait, pending, c.outcome, c.reason, reason)


def reset_after_reconnect(state: HealthState, now: datetime) -> HealthState:
    """A fresh token: start over as `pending`, to be checked at once."""
    since = now if state.status is not Status.PENDING else state.status_since
    return HealthState(Status.PENDING, 0, 0, False, since)


def disconnect(state: HealthState, *, now: datetime, reason: str) -> Decision:
    """The team disconnected the workspace: terminal, never checked again."""
    transition = None
    if state.status is not Status.DISCONNECTED:
        transition = Transition(state.status, Status.DISCONNECTED, reason, now)
        state = replace(
            state,
            status=Status.DISCONNECTED,
            pending_confirmation=False,
            status_since=now,
        )
    return Decision(state, transition, None, Wait.INTERVAL, False, None, reason)
