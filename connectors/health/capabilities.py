"""Capability checks: what one capability probe says, and how the results combine with
the identity probe's status. Pure: no Django, no HTTP.

A team declares the capabilities its integration relies on (a provider's permissions,
e.g. reading conversations); each is probed with the cheapest read that needs it. The
identity probe (`/me`) and the capability probes answer different questions, so their
results are kept apart and combined by one rule:

| identity probe says | a capability missing | status                                      |
|---------------------|----------------------|---------------------------------------------|
| healthy             | no                   | healthy                                     |
| healthy             | yes                  | degraded, "held"; the reason names it       |
| anything else       | either               | the identity probe's (its reason is urgent) |

`held` marks a connection that is degraded only because of a missing capability. An
identity check of a held connection sees it as healthy (the hold is not its business),
so a good `/me` neither clears the hold nor counts as a recovery: the status does not
flap with each `/me`. Only a capability check clears a missing capability, at once
(one good answer: the permission is a setting, not a flaky network); a probe that says
nothing (a timeout, a 5xx, a rate limit) leaves the last result standing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from connectors.health.outcomes import Status
from connectors.health.states import Decision, HealthState, Transition


class CapabilityOutcome(StrEnum):
    OK = "ok"
    MISSING = "missing"  # the provider says the token lacks the permission
    UNKNOWN = "unknown"  # no verdict: transient, rate limited, token dead (for /me to judge)


@dataclass(frozen=True)
class CapabilityVerdict:
    """What one capability probe said. `detail` is short, redacted, for the page and logs."""

    outcome: CapabilityOutcome
    http_status: int | None = None
    error_code: str = ""
    detail: str = ""


def identity_view(state: HealthState, *, held: bool) -> HealthState:
    """The state the identity probe's state machine sees: a held connection is healthy."""
    if held and state.status is Status.DEGRADED:
        return replace(state, status=Status.HEALTHY)
    return state


def with_capabilities(
    decision: Decision,
    *,
    stored: Status,
    stored_since: datetime | None,
    missing_reason: str,
    held_before: bool,
    now: datetime,
) -> tuple[Decision, bool]:
    """Apply the rule above to an identity check's `decision` (made on `identity_view`).

    Answers the decision re-based on the stored status (its transition, if any, is from
    `stored`) and whether the connection is now held.
    """
    status = decision.state.status
    held = status is Status.HEALTHY and bool(missing_reason)
    if held:
        status = Status.DEGRADED
    reason = decision.reason
    if held:
        reason = missing_reason
    elif decision.transition is not None:
        reason = decision.transition.reason
    elif held_before and status is Status.HEALTHY:
        reason = f"Every declared capability works again. {decision.reason}"
    transition = None
    since = stored_since
    if status is not stored:
        transition = Transition(stored, status, reason, now)
        since = now
    state = replace(decision.state, status=status, status_since=since)
    return replace(decision, state=state, transition=transition, reason=reason), held


@dataclass(frozen=True)
class CapabilityEffect:
    """What a capability check does to a connection's status."""

    status: Status
    held: bool
    transition_reason: str | None  # None: no change of status
    status_reason: str | None  # None: leave the shown reason as it is


def capabilities_effect(*, status: Status, held: bool, missing_reason: str) -> CapabilityEffect:
    """The status after a capability check found `missing_reason` ("" when none is missing).

    Only a healthy connection is degraded by it, and only a held one is cleared by it;
    any other status is the identity probe's to change (it applies the same rule).
    """
    if status is Status.HEALTHY and missing_reason:
        return CapabilityEffect(Status.DEGRADED, True, missing_reason, missing_reason)
    if held and status is Status.DEGRADED:
        if missing_reason:
            return CapabilityEffect(Status.DEGRADED, True, None, missing_reason)
        recovered = "Recovered: every declared capability works again."
        return CapabilityEffect(Status.HEALTHY, False, recovered, recovered)
    return CapabilityEffect(status, held and bool(missing_reason), None, None)
