"""Over real HTTP to the sandbox: only Intercom's dead-token codes ever make `revoked`.

Each mode below is one of Intercom's documented failures (or a proxy's) that says nothing
about the token being dead; the last two are the dead-token codes, as a control that the
same sweeps do reach `revoked` when Intercom says so.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from connectors.engine.batch import BatchReport
from connectors.models import Check
from tests.engine.conftest import Linked

pytestmark = pytest.mark.django_db(transaction=True)

Sweep = Callable[..., BatchReport]

# mode -> the outcome its answers must be classified as (from INTERCOM.md's table).
NOT_DEAD = {
    "token_unauthorized": "forbidden",
    "403": "forbidden",
    "api_plan_restricted": "forbidden",
    "402": "forbidden",
    "429": "rate_limited",
    "500": "transient",
    "502_html": "transient",
    "503_html": "transient",
    "401_empty": "transient",
    "slow": "transient",  # later than the engine's 1.5 s total timeout here
    "silent": "transient",
}
SWEEPS = 3


@pytest.mark.parametrize("mode", list(NOT_DEAD))
def test_an_answer_without_a_dead_token_code_never_revokes(
    linked: Linked, sweep: Sweep, mode: str
) -> None:
    sweep()
    assert linked.reload().status == "healthy"
    linked.sandbox.control("workspaces/acme0us1", {"mode": mode, "timeout_seconds": 2})
    for _ in range(SWEEPS):
        sweep()
        assert linked.reload().status != "revoked"
    outcomes = set(Check.objects.exclude(outcome="ok").values_list("outcome", flat=True))
    assert outcomes == {NOT_DEAD[mode]}
    assert "revoked" not in Check.objects.values_list("status_after", flat=True)


@pytest.mark.parametrize("mode", ["401", "token_suspended"])
def test_a_dead_token_code_revokes_after_the_confirming_retry(
    linked: Linked, sweep: Sweep, mode: str
) -> None:
    sweep()
    linked.sandbox.control("workspaces/acme0us1", {"mode": mode})
    sweep()
    assert linked.reload().status == "revoked"
