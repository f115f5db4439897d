"""Held revocations: during a provider incident a confirmed dead token is suspect, not revoked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.health.incidents import FleetCounts, IncidentPolicy, incident_holds, is_bad
from connectors.health.outcomes import ACTIVE, SCHEDULED, Outcome, Status
from connectors.health.policy import Policy
from connectors.health.schedule import Wait
from connectors.health.states import HealthState, advance
from tests.connectors.health.support import NOW, said

POLICY = Policy()
AWAITING = HealthState(Status.HEALTHY, 0, 0, True, NOW)  # a first dead answer seen
SUSPECT = HealthState(Status.SUSPECT, 0, 0, False, NOW)
M = timedelta(minutes=1)

# (state, answer, incident open, minutes since the state began, status after, transition
#  reason starts with, next check wait)
ROWS = [
    (AWAITING, Outcome.TOKEN_DEAD, False, 0, Status.REVOKED, "Confirmed by a second check.",
     Wait.RECHECK),
    (AWAITING, Outcome.TOKEN_DEAD, True, 0, Status.SUSPECT, "Held as suspect, not revoked",
     Wait.HOLD),
    (SUSPECT, Outcome.TOKEN_DEAD, True, 5, Status.SUSPECT, None, Wait.HOLD),
    (SUSPECT, Outcome.TOKEN_DEAD, True, 29, Status.SUSPECT, None, Wait.HOLD),
    (SUSPECT, Outcome.TOKEN_DEAD, True, 30, Status.REVOKED,
     "Held as suspect for 30 min during a provider incident; still dead.", Wait.RECHECK),
    (SUSPECT, Outcome.TOKEN_DEAD, False, 3, Status.REVOKED,
     "Held as suspect during a provider incident, which has ended; still dead.",
     Wait.RECHECK),
    (SUSPECT, Outcome.OK, True, 3, Status.SUSPECT, None, Wait.RECOVERY),
    (SUSPECT, Outcome.OK, False, 3, Status.SUSPECT, None, Wait.RECOVERY),
    (SUSPECT, Outcome.TRANSIENT, True, 3, Status.SUSPECT, None, Wait.BACKOFF),
    (SUSPECT, Outcome.TRANSIENT, False, 45, Status.SUSPECT, None, Wait.BACKOFF),
    (SUSPECT, Outcome.RATE_LIMITED, True, 3, Status.SUSPECT, None, Wait.RATE_LIMIT),
    (SUSPECT, Outcome.MISCONFIGURED, True, 3, Status.SUSPECT, None, Wait.HOLD),
    (SUSPECT, Outcome.FORBIDDEN, True, 3, Status.DEGRADED, "because forbidden", Wait.INTERVAL),
    (SUSPECT, Outcome.WRONG_WORKSPACE, True, 3, Status.FAILING, "because wrong_workspace",
     Wait.INTERVAL),
]  # fmt: skip


@pytest.mark.parametrize(("state", "outcome", "incident", "minutes", "status", "reason", "wait"),
                         ROWS)  # fmt: skip
def test_the_suspect_rows_of_the_state_table(
    state: HealthState,
    outcome: Outcome,
    incident: bool,
    minutes: int,
    status: Status,
    reason: str | None,
    wait: Wait,
) -> None:
    decision = advance(state, said(outcome), policy=POLICY, now=NOW + minutes * M,
                       incident=incident)  # fmt: skip
    assert decision.state.status is status
    assert decision.wait is wait
    if reason is None:
        assert decision.transition is None
    else:
        assert decision.transition is not None
        assert decision.transition.reason.startswith(reason)
        if status is Status.SUSPECT:
            # Held: the provider's words for a dead token (they say reconnect) stay out.
            assert f"because {outcome}" not in decision.transition.reason
            assert decision.transition.reason.endswith("Nothing to do yet: if the token is "
                "still dead when the incident ends, or after the hold, it is revoked and the "
                "team is told.")  # fmt: skip
        else:
            assert decision.transition.reason.endswith(f"because {outcome}")


def test_two_good_answers_bring_a_suspect_back_to_healthy() -> None:
    first = advance(SUSPECT, said(Outcome.OK), policy=POLICY, now=NOW, incident=True)
    second = advance(first.state, said(Outcome.OK), policy=POLICY, now=NOW, incident=True)
    assert second.state.status is Status.HEALTHY
    assert second.transition is not None
    assert second.transition.from_status is Status.SUSPECT
    assert second.transition.reason.startswith("Recovered: 2 good checks in a row.")


def test_a_suspect_is_rechecked_at_the_base_backoff() -> None:
    decision = advance(SUSPECT, said(Outcome.TOKEN_DEAD), policy=POLICY, now=NOW, incident=True)
    assert decision.next_check_in == POLICY.base_backoff
    assert not decision.confirm_retry


def test_an_incident_changes_nothing_but_the_confirmed_revocation() -> None:
    healthy = HealthState(Status.HEALTHY, 0, 0, False, NOW)
    for outcome in Outcome:
        with_incident = advance(healthy, said(outcome), policy=POLICY, now=NOW, incident=True)
        without = advance(healthy, said(outcome), policy=POLICY, now=NOW, incident=False)
        assert with_incident == without, outcome


def test_suspect_is_checked_and_counted_as_active_revoked_is_only_scheduled() -> None:
    assert "suspect" in ACTIVE
    assert "revoked" not in ACTIVE
    assert set(SCHEDULED) - set(ACTIVE) == {"revoked"}
    assert "disconnected" not in SCHEDULED


# (checked, bad, teams with bad connections, is an incident) with the defaults: at least
# 20% of at least 10 connections, across more than one team.
COUNTS = [
    (10, 2, 2, True),
    (10, 1, 1, False),
    (10, 2, 1, False),
    (9, 9, 5, False),
    (100, 19, 10, False),
    (100, 20, 2, True),
    (1000, 1000, 40, True),
    (0, 0, 0, False),
]


@pytest.mark.parametrize(("checked", "bad", "teams", "declared"), COUNTS)
def test_when_counts_are_an_incident(checked: int, bad: int, teams: int, declared: bool) -> None:
    assert incident_holds(FleetCounts(checked, bad, teams), IncidentPolicy()) is declared


def test_what_counts_as_bad() -> None:
    table = [
        ("token_dead", "healthy", True),
        ("token_dead", "revoked", True),
        ("transient", "failing", True),
        ("transient", "degraded", False),
        ("ok", "suspect", True),
        ("ok", "healthy", False),
        ("forbidden", "degraded", False),
    ]
    for outcome, status, bad in table:
        assert is_bad(outcome, status) is bad, (outcome, status)


def test_a_nonsense_incident_policy_is_refused() -> None:
    for kwargs in ({"min_share": 0.0}, {"min_checked": 0}, {"window": timedelta(0)}):
        with pytest.raises(ValueError, match="must"):
            IncidentPolicy(**kwargs)  # type: ignore[arg-type]
