"""Provider chaos: over 1,000 checks the sandbox answers 30% 5xx and 10% timeouts.
No connection becomes revoked; when the provider recovers, every one returns to healthy."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest
from django.db.models import Count

from connectors.models import Check, Connection
from portal.models import Team
from tests.resilience.conftest import Portal
from tests.resilience.fleet import Linked, chaos_reshuffle, fleet_link
from tests.resilience.stack import wait_until

pytestmark = [pytest.mark.slow, pytest.mark.resilience]

CONNECTIONS = 100
CHECKS = 1000
ERROR_SHARE, TIMEOUT_SHARE = 0.3, 0.1


def _reshuffle(stack: Portal, fleet: list[Linked], rng: random.Random) -> None:
    """A fresh random 30% of tokens answer 500 and 10% time out; the rest are fine."""
    chaos_reshuffle(stack.sandbox, fleet, rng, error_share=ERROR_SHARE, timeout_share=TIMEOUT_SHARE)


def test_under_provider_chaos_no_connection_is_revoked_and_all_recover(
    portal: Callable[..., Portal], team: Team
) -> None:
    stack = portal(
        HEALTH_CONCURRENCY=10, HEALTH_PER_HOST=10, HEALTH_BATCH_SIZE=50,
        HEALTH_PROBE_READ_TIMEOUT=1, HEALTH_PROBE_TOTAL_TIMEOUT=1,
    )  # fmt: skip
    fleet = fleet_link(team, CONNECTIONS, interval=1)
    ids = [row.connection_id for row in fleet]
    rng = random.Random(9)
    _reshuffle(stack, fleet, rng)
    stack.worker_start()
    stack.worker_start()
    stack.beat_start()

    deadline = time.monotonic() + 120
    while Check.objects.filter(connection_id__in=ids).count() < CHECKS:
        assert time.monotonic() < deadline, f"fewer than {CHECKS} checks in 120 s\n{stack.logs()}"
        time.sleep(1)
        _reshuffle(stack, fleet, rng)
        assert not Connection.objects.filter(pk__in=ids, status="revoked").exists()

    outcomes = dict(
        Check.objects.filter(connection_id__in=ids)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    total = sum(outcomes.values())
    assert total >= CHECKS
    # The chaos really happened. Failing connections back off, so they are probed less
    # often than healthy ones: transient answers are well under 40% of all checks.
    assert outcomes.get("transient", 0) >= max(100, 0.1 * total), outcomes
    assert "token_dead" not in outcomes, outcomes  # a 5xx or a timeout never kills a token
    assert not Connection.objects.filter(pk__in=ids, status="revoked").exists()
    assert Connection.objects.filter(pk__in=ids, status__in=["failing", "degraded"]).exists()

    assert stack.sandbox.http.post(f"{stack.sandbox.base}/_control/reset").status_code == 200
    wait_until(
        lambda: Connection.objects.filter(pk__in=ids, status="healthy").count() == CONNECTIONS,
        timeout=60, what="every connection to return to healthy", logs=stack.logs(),
    )  # fmt: skip
