"""One connection, one classification: the pure state machine applied to a model row.

Both the batch path and any single-connection path (first check on connect, "Check
now") go through `decision_apply`, so there is exactly one copy of the health logic.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from connectors.engine import config
from connectors.engine.incidents import incident_open_for
from connectors.health.capabilities import identity_view, with_capabilities
from connectors.health.outcomes import Classification, Outcome, Status
from connectors.health.schedule import next_check_at
from connectors.health.states import Decision, HealthState, advance
from connectors.models import Check, Connection, Transition
from connectors.providers import provider_find
from portal.logs import redact

# The Connection columns a check may change; bulk_update writes exactly these.
CHECK_FIELDS = [
    "status", "status_since", "status_reason", "last_outcome", "last_checked_at",
    "last_latency_ms", "last_error", "next_check_at", "claimed_until", "lease_token",
    "consecutive_failures", "consecutive_successes", "pending_confirmation",
    "rate_limited_until", "capability_hold",
]  # fmt: skip

_rng = random.SystemRandom()


@dataclass(frozen=True)
class Applied:
    """What one check changed: unsaved rows to write, and whether to confirm soon."""

    decision: Decision
    check: Check
    transition: Transition | None


def state_of(connection: Connection) -> HealthState:
    return HealthState(
        status=Status(connection.status),
        consecutive_failures=connection.consecutive_failures,
        consecutive_successes=connection.consecutive_successes,
        pending_confirmation=connection.pending_confirmation,
        status_since=connection.status_since,
    )


@dataclass(frozen=True)
class Recheck:
    """A revoked connection's re-checks: the next one, and when they stop."""

    next_at: datetime | None
    until: datetime | None

    @property
    def over(self) -> bool:
        return self.next_at is None


def recheck_of(connection: Connection) -> Recheck | None:
    """When a revoked connection is re-checked next; None unless it is revoked."""
    if connection.status != Status.REVOKED:
        return None
    policy = config.policy_for(interval_of(connection))
    since = connection.status_since
    return Recheck(connection.next_check_at, since + policy.recheck_for if since else None)


def could_revoke(connection: Connection, classification: Classification) -> bool:
    """A token-dead answer that confirms a revocation, or that a hold would keep back."""
    if classification.outcome is not Outcome.TOKEN_DEAD:
        return False
    return connection.pending_confirmation or connection.status == Status.SUSPECT


def interval_of(connection: Connection) -> int | None:
    return connection.app.check_interval_seconds if connection.app_id and connection.app else None


EXPIRED_AWAITING_REFRESH = (
    "The access token expired before its refresh went through; the refresh is being retried."
)


def expired_awaiting_refresh(connection: Connection, c: Classification, now: datetime) -> bool:
    """A dead answer for an access token we know has expired while we still hold its
    refresh grant: the refresh is late (the provider's token service failing), the grant is
    not known to be gone. Only the refresh's own `invalid_grant` revokes such a token."""
    expires = connection.token_expires_at
    return (
        c.outcome is Outcome.TOKEN_DEAD
        and connection.refresh_due_at is not None
        and expires is not None
        and expires <= now
    )


@dataclass(frozen=True)
class Decided:
    """The state machine's verdict on one answer, before anything is written to the row."""

    classification: Classification  # as judged (an expired token awaiting refresh: transient)
    decision: Decision
    capability_hold: bool
    incident: bool


def decide(
    connection: Connection,
    classification: Classification,
    *,
    now: datetime,
    latency_ms: int | None,
    incident: bool | None = None,
) -> Decided:
    """What this answer makes of `connection`, without changing it.

    `incident`: whether a provider incident is open for its provider and region (None:
    look it up, only where the answer could revoke).
    """
    c = classification
    if expired_awaiting_refresh(connection, c, now):
        c = dataclasses.replace(c, outcome=Outcome.TRANSIENT, reason=EXPIRED_AWAITING_REFRESH)
    if incident is None:
        incident = could_revoke(connection, c) and incident_open_for(connection)
    provider = provider_find(connection.provider)
    # A capability check's findings combine with this answer by one rule (see
    # connectors.health.capabilities): the state machine sees a connection held degraded
    # by a missing capability as healthy, and the result is floored again after it.
    stored = state_of(connection)
    held_before = connection.capability_hold
    decision = advance(
        identity_view(stored, held=held_before), c,
        policy=config.policy_for(interval_of(connection)), now=now,
        latency=None if latency_ms is None else timedelta(milliseconds=latency_ms),
        provider_name=provider.name if provider else "The provider", incident=incident,
    )  # fmt: skip
    decision, held = with_capabilities(
        decision, stored=stored.status, stored_since=stored.status_since,
        missing_reason=connection.capability_reason, held_before=held_before, now=now,
    )  # fmt: skip
    return Decided(c, decision, held, incident)


def decision_apply(
    *,
    connection: Connection,
    classification: Classification,
    now: datetime,
    latency_ms: int | None,
    trigger: str = "schedule",
    rng: random.Random = _rng,
    incident: bool | None = None,
    decided: Decided | None = None,
) -> Applied:
    """Advance `connection` in memory (CHECK_FIELDS) and build its Check and Transition.

    `incident` as for `decide`; `decided`: this answer's verdict already reached with that
    same `incident` (the batch judges incidents from it), so it is not worked out twice.
    """
    if decided is None or (incident is not None and decided.incident != incident):
        decided = decide(
            connection, classification, now=now, latency_ms=latency_ms, incident=incident
        )
    c, decision, held = decided.classification, decided.decision, decided.capability_hold
    held_before = connection.capability_hold
    policy = config.policy_for(interval_of(connection))
    connection.capability_hold = held
    state = decision.state
    connection.status = state.status.value
    connection.status_since = state.status_since
    connection.consecutive_failures = state.consecutive_failures
    connection.consecutive_successes = state.consecutive_successes
    connection.pending_confirmation = state.pending_confirmation
    connection.last_outcome = c.outcome.value
    connection.last_checked_at = now
    connection.last_latency_ms = latency_ms
    connection.last_error = "" if c.outcome is Outcome.OK else redact(c.reason, limit=300)
    connection.next_check_at = next_check_at(decision, now=now, policy=policy, rng=rng)
    connection.rate_limited_until = (
        c.rate_limit_reset if c.outcome is Outcome.RATE_LIMITED else None
    )
    connection.claimed_until = None
    connection.lease_token = ""
    if decision.status_reason is not None:
        connection.status_reason = redact(decision.status_reason, limit=300)
    if held or held_before:
        # The capability rule chose the reason shown: the missing capability's, or this
        # answer's once they all work again (a transition's reason is the same text).
        connection.status_reason = redact(decision.reason, limit=300)
    transition = None
    if decision.transition is not None:
        transition = Transition(
            connection_id=connection.pk,
            team_id=connection.team_id,
            at=now,
            from_status=decision.transition.from_status.value,
            to_status=decision.transition.to_status.value,
            reason=connection.status_reason,
        )
    check = Check(
        connection_id=connection.pk,
        checked_at=now,
        outcome=c.outcome.value,
        status_after=state.status.value,
        http_status=c.http_status,
        latency_ms=latency_ms,
        rate_limit_remaining=c.rate_limit_remaining,
        rate_limit_limit=c.rate_limit_limit,
        detail=redact(c.detail or c.reason, limit=200),
        trigger=trigger,
    )
    return Applied(decision=decision, check=check, transition=transition)
