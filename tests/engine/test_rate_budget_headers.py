"""The rate budget follows the X-RateLimit-* headers, against the sandbox over real HTTP.

Intercom (Rate Limiting page, API 2.17): an app's limit is enforced per 10-second window
and reported as that window's figure ("a rate limit of 1000 per minute, which is 167 per
10-second window" answers `X-RateLimit-Limit: 167`), with `X-RateLimit-Remaining` and
`X-RateLimit-Reset` (Unix seconds); over it, 429 `rate_limit_exceeded`. The sandbox app's
`rate_limit` control sets that figure and enforces it the same way.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from connectors.engine.batch import BatchReport
from connectors.engine.budget import rate_seen
from connectors.models import Check, Connection
from portal.models import Team
from portal.secrets import Secret
from tests.engine.conftest import Linked, link
from tests.sandbox.conftest import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)

Sweep = Callable[..., BatchReport]
WINDOW = 10  # seconds: Intercom's, the sandbox's and the budget's window


def _in_one_window() -> None:
    """Start where at least 7 s of a window are left: both the sandbox and the engine
    count calls per epoch // 10 s, so every call of the test then lands in one window."""
    if time.time() % WINDOW > 3:
        time.sleep(WINDOW - time.time() % WINDOW + 0.05)


def _more_connections(linked: Linked, workspaces: list[str]) -> list[Connection]:
    """Connections of the same portal app (so the same budget), each to another sandbox
    workspace, with tokens of the same sandbox app (so the same reported limit); not due
    until `_due` makes them so."""
    made = []
    for workspace in workspaces:
        body = linked.sandbox.connect(linked.sandbox_app, workspace)
        connection = Connection.objects.create(
            team=linked.connection.team, app=linked.app, provider="intercom",
            external_id=workspace, workspace_name=workspace, region="us",
            access_token=Secret(body["access_token"]), next_check_at=None,
        )  # fmt: skip
        made.append(connection)
    return made


def _due(*connections: Connection) -> None:
    Connection.objects.filter(pk__in=[c.pk for c in connections]).update(
        next_check_at=timezone.now()
    )


def _me_calls(sandbox: Sandbox, *workspaces: str) -> int:
    return sum(sandbox.control(f"workspaces/{w}").json()["me_calls"] for w in workspaces)


# The sandbox app's X-RateLimit-Limit (None: the sandbox's default, 1666 = Intercom's
# 10,000 a minute), HEALTH_RATE_SHARE_PERCENT, and the checks the engine may make in one
# 10-second window: max(1, limit x share), or all 4 asked for (1, then the 3 due).
BUDGET_ROWS = [
    (20, 10, 2),
    (10, 10, 1),
    (40, 5, 2),
    (None, 10, 4),
]


@pytest.mark.parametrize(("limit", "share", "in_window"), BUDGET_ROWS)
def test_the_per_window_budget_is_a_share_of_the_limit_the_app_reported(
    settings: Any,
    sandbox_at: Sandbox,
    team: Team,
    sweep: Sweep,
    limit: int | None,
    share: int,
    in_window: int,
) -> None:
    settings.HEALTH_RATE_SHARE_PERCENT = share
    linked = link(sandbox_at, team)
    if limit is not None:
        state = sandbox_at.control(f"apps/{linked.sandbox_app.client_id}", {"rate_limit": limit})
        assert state.json()["rate_limit"] == limit
    others = _more_connections(linked, ["globex0eu", "initech0au"])
    assert rate_seen(linked.app.pk).limit is None  # nothing seen yet: the default applies
    _in_one_window()
    first = sweep()  # one connection due: its answer reports the app's limit
    assert first.checked == 1
    assert rate_seen(linked.app.pk).limit == (limit or 1666)

    _due(*others)
    second = sweep()  # all three due, in the same window as the first check
    assert first.checked + second.checked == in_window
    assert second.deferred == 3 - second.checked
    assert Check.objects.count() == in_window
    assert _me_calls(sandbox_at, "acme0us1", "globex0eu", "initech0au") == in_window
    assert not Check.objects.filter(outcome="rate_limited").exists()
    # Checked or deferred, none is due again within this window.
    assert not Connection.objects.filter(next_check_at__lte=timezone.now()).exists()


def test_a_low_remaining_defers_the_apps_checks_until_the_reset_before_any_429(
    settings: Any, sandbox_at: Sandbox, team: Team, sweep: Sweep
) -> None:
    # A 10-call window; the engine may take half (5), and gives way at the default low
    # mark, 20% of the limit: 2 calls left.
    settings.HEALTH_RATE_SHARE_PERCENT = 50
    assert settings.HEALTH_RATE_LOW_PERCENT == 20
    linked = link(sandbox_at, team)
    sandbox_at.control(f"apps/{linked.sandbox_app.client_id}", {"rate_limit": 10})
    other = _more_connections(linked, ["globex0eu"])[0]
    _in_one_window()
    assert sweep().checked == 1  # call 1 of the window: 9 left, the limit is known
    # The team's own integration spends 6 more calls with its token: 3 left.
    for _ in range(6):
        answer = sandbox_at.me(linked.token)
        assert answer.status_code == 200
    assert answer.headers["X-RateLimit-Remaining"] == "3"
    reset = int(answer.headers["X-RateLimit-Reset"])

    # Within its budget (5) the engine checks both: calls 8 and 9, so 1 left.
    _due(other)
    first = sweep()
    assert (first.checked, first.deferred) == (2, 0)
    assert rate_seen(linked.app.pk).remaining == 1

    # Its budget still has 2, but the app has too little left: every check of the app
    # waits for the reset, and the sandbox sees no call. (Two calls would have made
    # the 11th of a 10-call window: a 429.)
    calls = _me_calls(sandbox_at, "acme0us1", "globex0eu")
    second = sweep()
    assert (second.checked, second.deferred) == (0, 2)
    assert _me_calls(sandbox_at, "acme0us1", "globex0eu") == calls
    for connection in (linked.reload(), Connection.objects.get(pk=other.pk)):
        assert connection.next_check_at is not None
        assert connection.next_check_at.timestamp() >= reset
    assert not Check.objects.filter(outcome="rate_limited").exists()
    # The limit is real: the 10th call of the window is answered, the 11th is a 429.
    assert sandbox_at.me(linked.token).status_code == 200
    refused = sandbox_at.me(linked.token)
    assert refused.status_code == 429
    assert refused.json()["errors"][0]["code"] == "rate_limit_exceeded"


def test_a_429_holds_back_every_check_of_that_app_until_its_reset(
    sandbox_at: Sandbox, team: Team, sweep: Sweep
) -> None:
    linked = link(sandbox_at, team)
    other = _more_connections(linked, ["globex0eu"])[0]
    _due(other)
    sweep()
    assert set(Connection.objects.values_list("status", flat=True)) == {"healthy"}
    linked.sandbox.control("workspaces/acme0us1", {"mode": "429", "rate_limit_reset_in": 60})
    Connection.objects.filter(pk=other.pk).update(next_check_at=None)  # not due this time
    sweep()
    assert linked.reload().last_outcome == "rate_limited"
    assert linked.connection.rate_limited_until is not None
    # The other workspace of the same app answers normally, but its check waits too.
    _due(other)
    before = _me_calls(sandbox_at, "globex0eu")
    report = sweep(force_due=False)
    assert (report.checked, report.deferred) == (0, 1)
    assert _me_calls(sandbox_at, "globex0eu") == before
    deferred = Connection.objects.get(pk=other.pk)
    assert deferred.next_check_at is not None
    assert deferred.next_check_at >= linked.connection.rate_limited_until
