"""GET /me and POST /auth/uninstall over real HTTP, in Intercom's shapes."""

from __future__ import annotations

import time
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from connectors.providers.intercom.sandbox.models import SandboxApp, SandboxToken
from tests.sandbox.conftest import Sandbox


def _error_code(answer: httpx.Response) -> str:
    body = answer.json()
    assert body["type"] == "error.list"
    assert body["request_id"]
    code: str = body["errors"][0]["code"]
    return code


def _has_rate_limit_headers(answer: httpx.Response) -> None:
    assert int(answer.headers["X-RateLimit-Limit"]) > 0
    assert (
        0
        <= int(answer.headers["X-RateLimit-Remaining"])
        <= int(answer.headers["X-RateLimit-Limit"])
    )
    assert int(answer.headers["X-RateLimit-Reset"]) >= int(time.time())


def test_me_answers_the_admin_with_app_shape(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    token = sandbox.connect(sandbox_app, "globex0eu")["token"]
    answer = sandbox.me(token, **{"Intercom-Version": "2.14"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["type"] == "admin"
    assert set(body) == {
        "type",
        "id",
        "email",
        "name",
        "email_verified",
        "has_inbox_seat",
        "avatar",
        "app",
    }
    assert body["avatar"]["type"] == "avatar"
    assert body["app"] == {
        "type": "app",
        "id_code": "globex0eu",
        "name": "Globex EU",
        "region": "EU",
        "timezone": "Europe/Dublin",
        "created_at": body["app"]["created_at"],
        "secure": False,  # as in Intercom-OpenAPI's example of GET /me
        "identity_verification": False,
    }
    assert isinstance(body["app"]["created_at"], int)
    _has_rate_limit_headers(answer)


def test_remaining_calls_go_down_with_each_call(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    first = int(sandbox.me(token).headers["X-RateLimit-Remaining"])
    second = int(sandbox.me(token).headers["X-RateLimit-Remaining"])
    assert second == first - 1 or second > first  # or a new 10-second window began


@pytest.mark.parametrize(
    ("mode", "status", "code"),
    [("401", 401, "unauthorized"), ("403", 403, "forbidden"), ("500", 500, "server_error")],
)
def test_workspace_controls_make_me_fail(
    sandbox: Sandbox, sandbox_app: SandboxApp, mode: str, status: int, code: str
) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    assert sandbox.control("workspaces/acme0us1", {"mode": mode}).status_code == 200
    answer = sandbox.me(token)
    assert answer.status_code == status
    assert _error_code(answer) == code
    _has_rate_limit_headers(answer)
    sandbox.control("workspaces/acme0us1", {"mode": "ok"})
    assert sandbox.me(token).status_code == 200


def test_rate_limited_answers_429_until_the_reset_time(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    before = int(time.time())
    sandbox.control("workspaces/acme0us1", {"mode": "429", "rate_limit_reset_in": 120})
    answer = sandbox.me(token)
    assert answer.status_code == 429
    assert _error_code(answer) == "rate_limit_exceeded"
    assert answer.headers["X-RateLimit-Remaining"] == "0"
    reset = int(answer.headers["X-RateLimit-Reset"])
    assert before + 119 <= reset <= int(time.time()) + 121
    assert int(sandbox.me(token).headers["X-RateLimit-Reset"]) == reset  # fixed, not sliding
    # Once the reset moment has passed, answers are normal again.
    from connectors.providers.intercom.sandbox.models import SandboxWorkspace

    SandboxWorkspace.objects.filter(id_code="acme0us1").update(
        rate_limited_until=timezone.now() - timedelta(seconds=1)
    )
    assert sandbox.me(token).status_code == 200


def test_a_token_control_wins_over_its_workspace(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    first = sandbox.connect(sandbox_app)["token"]
    second = sandbox.connect(sandbox_app)["token"]
    assert sandbox.control(f"tokens/{first[:12]}", {"mode": "403"}).status_code == 200
    assert sandbox.me(first).status_code == 403
    assert sandbox.me(second).status_code == 200


def test_revoking_a_workspace_kills_its_tokens_for_good_but_a_reconnect_works(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    other_workspace = sandbox.connect(sandbox_app, "initech0au")["token"]
    state = sandbox.control("workspaces/acme0us1", {"mode": "revoked"}).json()
    assert state["mode"] == "ok"
    answer = sandbox.me(token)
    assert answer.status_code == 401
    assert _error_code(answer) == "token_revoked"
    sandbox.control("reset", {})
    assert sandbox.me(token).status_code == 401
    assert sandbox.me(other_workspace).status_code == 200
    assert sandbox.me(sandbox.connect(sandbox_app)["token"]).status_code == 200


def test_unknown_or_missing_tokens_are_401(sandbox: Sandbox) -> None:
    assert _error_code(sandbox.me("sbx_nothing")) == "token_not_found"
    bare = sandbox.http.get(f"{sandbox.base}/me")
    assert bare.status_code == 401
    assert _error_code(bare) == "unauthorized"


def test_an_expired_access_token_is_401_token_expired(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    sandbox_app.expiring_tokens = True
    sandbox_app.save()
    token = sandbox.connect(sandbox_app)["token"]
    SandboxToken.objects.filter(prefix=token[:12]).update(expires_at=timezone.now())
    answer = sandbox.me(token)
    assert answer.status_code == 401
    assert _error_code(answer) == "token_expired"


@pytest.mark.parametrize("version", ["2.0", "2.14", "2.16", "1.4", "Preview"])
def test_known_intercom_versions_are_accepted(
    sandbox: Sandbox, sandbox_app: SandboxApp, version: str
) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    assert sandbox.me(token, **{"Intercom-Version": version}).status_code == 200


@pytest.mark.parametrize("version", ["banana", "3.0", "2.17", "0.9"])
def test_a_nonsense_intercom_version_is_400(
    sandbox: Sandbox, sandbox_app: SandboxApp, version: str
) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    answer = sandbox.me(token, **{"Intercom-Version": version})
    assert answer.status_code == 400
    assert _error_code(answer) == "intercom_version_invalid"


def test_uninstall_revokes_the_token(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    answer = sandbox.http.post(
        f"{sandbox.base}/auth/uninstall", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    assert answer.json() == {}
    _has_rate_limit_headers(answer)
    assert _error_code(sandbox.me(token)) == "token_revoked"
    again = sandbox.http.post(
        f"{sandbox.base}/auth/uninstall", headers={"Authorization": f"Bearer {token}"}
    )
    assert again.status_code == 401


def test_latency_makes_me_measurably_slower(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    started = time.monotonic()
    sandbox.me(token)
    fast = time.monotonic() - started
    sandbox.control("workspaces/acme0us1", {"latency_ms": 600})
    started = time.monotonic()
    answer = sandbox.me(token)
    slow = time.monotonic() - started
    assert answer.status_code == 200
    assert slow >= 0.6
    assert slow > fast


def test_timeout_mode_outlasts_a_short_client_timeout(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    sandbox.control("workspaces/acme0us1", {"mode": "silent", "timeout_seconds": 2})
    with pytest.raises(httpx.TimeoutException):
        sandbox.http.get(
            f"{sandbox.base}/me", headers={"Authorization": f"Bearer {token}"}, timeout=0.5
        )
    time.sleep(2)  # let the sleeping request finish before the database is flushed
