"""A sandbox app's rate limit, as Intercom's Rate Limiting page (API 2.17) describes it:
a limit per app per 10-second window, reported in X-RateLimit-Limit (the window's
figure), X-RateLimit-Remaining and X-RateLimit-Reset (Unix seconds, the window's end);
a call over it answers 429 rate_limit_exceeded ("Exceeded rate limit of 167 in
10_seconds")."""

from __future__ import annotations

import time

import httpx
import pytest

from connectors.providers.intercom.sandbox.models import SandboxApp
from tests.sandbox.conftest import Sandbox
from tests.sandbox.factories import SandboxAppFactory

WINDOW = 10


def _fresh_window() -> None:
    # Every call below must land in one 10-second window of the sandbox's count.
    if time.time() % WINDOW > 5:
        time.sleep(WINDOW - time.time() % WINDOW + 0.05)


def _figures(answer: httpx.Response) -> tuple[int, int, int]:
    return (
        int(answer.headers["X-RateLimit-Limit"]),
        int(answer.headers["X-RateLimit-Remaining"]),
        int(answer.headers["X-RateLimit-Reset"]),
    )


def test_an_app_reports_its_limit_counts_down_across_workspaces_and_refuses_beyond_it(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    state = sandbox.control(f"apps/{sandbox_app.client_id}", {"rate_limit": 3})
    assert state.json()["rate_limit"] == 3
    tokens = [sandbox.connect(sandbox_app, w)["token"] for w in ("acme0us1", "globex0eu")]
    _fresh_window()
    answers = [sandbox.me(tokens[0]), sandbox.me(tokens[1]), sandbox.me(tokens[0])]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [_figures(a)[:2] for a in answers] == [(3, 2), (3, 1), (3, 0)]
    reset = _figures(answers[0])[2]
    assert reset % WINDOW == 0
    assert time.time() < reset <= time.time() + WINDOW

    refused = sandbox.me(tokens[1])
    assert refused.status_code == 429
    assert _figures(refused) == (3, 0, reset)
    error = refused.json()["errors"][0]
    assert error == {
        "code": "rate_limit_exceeded",
        "message": "Exceeded rate limit of 3 in 10_seconds",
    }


def test_another_app_has_its_own_window(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    sandbox.control(f"apps/{sandbox_app.client_id}", {"rate_limit": 1})
    mine = sandbox.connect(sandbox_app)["token"]
    theirs = sandbox.connect(SandboxAppFactory())["token"]
    _fresh_window()
    assert sandbox.me(mine).status_code == 200
    assert sandbox.me(mine).status_code == 429
    answer = sandbox.me(theirs)
    assert answer.status_code == 200
    assert _figures(answer)[:2] == (1666, 1665)  # the default: Intercom's 10,000 a minute


@pytest.mark.parametrize("bad", [0, -1, "many", 100_001, True])
def test_a_bad_rate_limit_is_a_clear_400_and_changes_nothing(
    sandbox: Sandbox, sandbox_app: SandboxApp, bad: object
) -> None:
    answer = sandbox.control(f"apps/{sandbox_app.client_id}", {"rate_limit": bad})
    assert answer.status_code == 400
    assert "rate_limit" in answer.json()["error"]
    assert sandbox.control(f"apps/{sandbox_app.client_id}").json()["rate_limit"] == 1666


def test_reset_puts_the_default_limit_back(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    sandbox.control(f"apps/{sandbox_app.client_id}", {"rate_limit": 5})
    sandbox.control("reset", {})
    assert sandbox.control(f"apps/{sandbox_app.client_id}").json()["rate_limit"] == 1666
