"""Small builders shared by the health-engine tests: plain values, no database."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from connectors.health.outcomes import Classification, Outcome, ProbeAnswer
from connectors.health.policy import Policy
from connectors.health.states import Decision, HealthState, advance

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
WORKSPACE = "abc123de"


def me_body(id_code: str = WORKSPACE) -> dict[str, object]:
    return {
        "type": "admin",
        "id": "991267460",
        "email": "ops@example.com",
        "name": "Ops Admin",
        "email_verified": True,
        "app": {
            "type": "app",
            "id_code": id_code,
            "name": "Acme Support",
            "region": "US",
            "timezone": "Europe/Dublin",
        },
    }


def error_body(code: str, message: str = "Something went wrong") -> dict[str, object]:
    return {
        "type": "error.list",
        "request_id": "req-0001",
        "errors": [{"code": code, "message": message}],
    }


def answer(
    status: int | None,
    body: object = None,
    headers: dict[str, str] | None = None,
    error_kind: str | None = None,
) -> ProbeAnswer:
    return ProbeAnswer(status=status, json=body, headers=headers or {}, error_kind=error_kind)


def said(outcome: Outcome, *, reset: datetime | None = None) -> Classification:
    """A classification as a classifier would produce it."""
    return Classification(outcome=outcome, reason=f"because {outcome}", rate_limit_reset=reset)


def run(
    outcomes: Iterable[Outcome],
    *,
    policy: Policy | None = None,
    state: HealthState | None = None,
) -> list[Decision]:
    """Feed outcomes one after another, the clock following each decision's delay."""
    policy = policy or Policy()
    current = state or HealthState.initial(NOW)
    now = NOW
    decisions = []
    for outcome in outcomes:
        decision = advance(current, said(outcome), policy=policy, now=now)
        decisions.append(decision)
        current = decision.state
        now += decision.next_check_in or timedelta(minutes=1)
    return decisions


def final(outcomes: Iterable[Outcome], **kwargs: object) -> HealthState:
    decisions = run(outcomes, **kwargs)  # type: ignore[arg-type]
    return decisions[-1].state
