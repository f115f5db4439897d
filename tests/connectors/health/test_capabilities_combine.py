"""How capability results combine with the identity check (pure, no database): the
table in docs/health-engine.md ("Capability checks"), written out here."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.health.capabilities import (
    CapabilityOutcome,
    capabilities_effect,
    identity_view,
    with_capabilities,
)
from connectors.health.outcomes import Classification, Outcome, Status
from connectors.health.states import Decision, HealthState, advance
from connectors.providers.intercom.capabilities import PROBES_BY_KEY, capability_classify
from tests.connectors.health.support import NOW, error_body

MISSING = "lacks read conversations"
OK = Classification(outcome=Outcome.OK, reason="Intercom accepted the token.")
DOWN = Classification(outcome=Outcome.TRANSIENT, reason="Intercom answered 500.")

# (status, held, missing?) -> (status, held, changes status?) after a capability check.
EFFECTS = [
    (Status.HEALTHY, False, True, Status.DEGRADED, True, True),
    (Status.HEALTHY, False, False, Status.HEALTHY, False, False),
    (Status.DEGRADED, True, True, Status.DEGRADED, True, False),
    (Status.DEGRADED, True, False, Status.HEALTHY, False, True),
    (Status.DEGRADED, False, True, Status.DEGRADED, False, False),  # /me's own degraded
    (Status.FAILING, False, True, Status.FAILING, False, False),
    (Status.REVOKED, False, True, Status.REVOKED, False, False),
    (Status.PENDING, False, True, Status.PENDING, False, False),
]


@pytest.mark.parametrize(("status", "held", "missing", "after", "held_after", "moves"), EFFECTS)
def test_a_capability_check_changes_only_healthy_or_held_connections(
    status: Status, held: bool, missing: bool, after: Status, held_after: bool, moves: bool
) -> None:
    effect = capabilities_effect(
        status=status, held=held, missing_reason=MISSING if missing else ""
    )
    assert (effect.status, effect.held) == (after, held_after)
    assert (effect.transition_reason is not None) == moves


def _me(
    state: HealthState, answer: Classification, held: bool, missing: str
) -> tuple[Decision, bool]:
    decision = advance(identity_view(state, held=held), answer, now=NOW)
    return with_capabilities(
        decision, stored=state.status, stored_since=state.status_since,
        missing_reason=missing, held_before=held, now=NOW,
    )  # fmt: skip


def test_a_good_me_keeps_a_held_connection_degraded_without_a_transition() -> None:
    state = HealthState(Status.DEGRADED, 0, 5, False, NOW - timedelta(hours=1))
    for _ in range(5):
        decision, held = _me(state, OK, True, MISSING)
        assert (decision.state.status, held, decision.transition) == (Status.DEGRADED, True, None)
        assert decision.reason == MISSING
        assert decision.state.status_since == state.status_since
        state = decision.state


def test_a_healthy_me_with_a_missing_capability_is_degraded_and_says_why() -> None:
    decision, held = _me(HealthState(Status.PENDING, status_since=NOW), OK, False, MISSING)
    assert (decision.state.status, held) == (Status.DEGRADED, True)
    assert decision.transition is not None
    assert (decision.transition.from_status, decision.transition.reason) == (
        Status.PENDING, MISSING,
    )  # fmt: skip


def test_a_bad_me_while_held_shows_its_own_reason_and_status() -> None:
    state = HealthState(Status.DEGRADED, 0, 5, False, NOW)
    decision, held = _me(state, DOWN, True, MISSING)
    assert (decision.state.status, held, decision.transition) == (Status.DEGRADED, False, None)
    assert decision.reason == DOWN.reason


def test_a_held_connection_whose_capability_returned_recovers_on_the_next_good_me() -> None:
    state = HealthState(Status.DEGRADED, 0, 5, False, NOW)
    decision, held = _me(state, OK, True, "")
    assert (decision.state.status, held) == (Status.HEALTHY, False)
    assert decision.transition is not None
    assert "Every declared capability works again" in decision.transition.reason


# Intercom's answers to a capability's read (Intercom-OpenAPI 2.16, docs/intercom-answers.md)
VERDICTS = [
    (200, {"type": "conversation.list", "conversations": []}, None, CapabilityOutcome.OK),
    (200, {"type": "admin"}, None, CapabilityOutcome.UNKNOWN),
    (401, error_body("token_unauthorized"), None, CapabilityOutcome.MISSING),
    (403, error_body("forbidden"), None, CapabilityOutcome.MISSING),
    (401, error_body("unauthorized"), None, CapabilityOutcome.UNKNOWN),  # dead: /me judges
    (403, error_body("api_plan_restricted"), None, CapabilityOutcome.UNKNOWN),
    (401, None, None, CapabilityOutcome.UNKNOWN),  # a proxy's 401
    (429, error_body("rate_limit_exceeded"), None, CapabilityOutcome.UNKNOWN),
    (500, error_body("server_error"), None, CapabilityOutcome.UNKNOWN),
    (None, None, "timeout", CapabilityOutcome.UNKNOWN),
]


@pytest.mark.parametrize(("status", "body", "error_kind", "expected"), VERDICTS)
def test_only_intercoms_permission_codes_mean_missing(
    status: int | None, body: object, error_kind: str | None, expected: CapabilityOutcome
) -> None:
    probe = PROBES_BY_KEY["read_conversations"]
    verdict = capability_classify(probe, status=status, body=body, error_kind=error_kind)
    assert verdict.outcome is expected
