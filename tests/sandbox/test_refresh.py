"""Apps with "expiring tokens": expires_in, refresh_token and rotation on refresh."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from connectors.providers.intercom.sandbox.models import SandboxApp
from tests.sandbox.conftest import Sandbox
from tests.sandbox.factories import SandboxAppFactory


@pytest.fixture
def expiring_app(db: None) -> SandboxApp:
    app: SandboxApp = SandboxAppFactory(expiring_tokens=True, token_lifetime_seconds=900)
    return app


def _refresh(sandbox: Sandbox, app: SandboxApp, refresh_token: str, **extra: str) -> httpx.Response:
    data: dict[str, Any] = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": app.client_id,
        "client_secret": app.client_secret,  # type: ignore[attr-defined]
        **extra,
    }
    return sandbox.http.post(f"{sandbox.base}/auth/eagle/token", data=data)


def test_an_expiring_app_gets_expires_in_and_a_refresh_token(
    sandbox: Sandbox, expiring_app: SandboxApp
) -> None:
    body = sandbox.connect(expiring_app)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["refresh_token"].startswith("sbxr_")
    assert sandbox.me(body["access_token"]).status_code == 200


def test_a_refresh_rotates_the_refresh_token_and_the_old_one_is_invalid_grant(
    sandbox: Sandbox, expiring_app: SandboxApp
) -> None:
    first = sandbox.connect(expiring_app, "globex0eu")
    answer = _refresh(sandbox, expiring_app, first["refresh_token"])
    assert answer.status_code == 200
    second = answer.json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert second["expires_in"] == 900
    assert sandbox.me(second["access_token"]).json()["app"]["id_code"] == "globex0eu"

    reused = _refresh(sandbox, expiring_app, first["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert _refresh(sandbox, expiring_app, second["refresh_token"]).status_code == 200


def test_a_revoked_workspace_refresh_is_invalid_grant(
    sandbox: Sandbox, expiring_app: SandboxApp
) -> None:
    body = sandbox.connect(expiring_app)
    sandbox.control("workspaces/acme0us1", {"mode": "revoked"})
    answer = _refresh(sandbox, expiring_app, body["refresh_token"])
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_a_refresh_with_a_wrong_secret_is_invalid_client_and_keeps_the_token(
    sandbox: Sandbox, expiring_app: SandboxApp
) -> None:
    body = sandbox.connect(expiring_app)
    answer = _refresh(sandbox, expiring_app, body["refresh_token"], client_secret="wrong")
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    assert _refresh(sandbox, expiring_app, body["refresh_token"]).status_code == 200


def test_an_unknown_refresh_token_is_invalid_grant(
    sandbox: Sandbox, expiring_app: SandboxApp
) -> None:
    answer = _refresh(sandbox, expiring_app, "sbxr_made_up")
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_an_unknown_grant_type_is_unsupported(sandbox: Sandbox, expiring_app: SandboxApp) -> None:
    answer = sandbox.http.post(f"{sandbox.base}/auth/eagle/token", data={"grant_type": "password"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "unsupported_grant_type"


def test_an_app_made_through_the_control_api_issues_two_minute_tokens(sandbox: Sandbox) -> None:
    answer = sandbox.control(
        "apps",
        {"name": "Bench", "redirect_uris": ["http://localhost:8000/cb"],
         "expiring_tokens": True, "token_lifetime_seconds": 120},
    )  # fmt: skip
    assert answer.status_code == 201
    app = SandboxApp.objects.get(client_id=answer.json()["client_id"])
    app.client_secret = answer.json()["client_secret"]  # type: ignore[attr-defined]
    body = sandbox.connect(app)
    assert body["expires_in"] == 120
    assert _refresh(sandbox, app, body["refresh_token"]).json()["expires_in"] == 120


# the workspace's mode -> the refresh grant's answer (status, content type)
TOKEN_SERVICE = [
    ("500", 500, "application/json"),
    ("502_html", 502, "text/html"),
    ("503_html", 503, "text/html"),
]


@pytest.mark.parametrize(("mode", "status", "content_type"), TOKEN_SERVICE)
def test_a_workspace_s_server_trouble_fails_its_refresh_grants_and_keeps_the_grant(
    sandbox: Sandbox, expiring_app: SandboxApp, mode: str, status: int, content_type: str
) -> None:
    body = sandbox.connect(expiring_app)
    sandbox.control("workspaces/acme0us1", {"mode": mode})
    failed = _refresh(sandbox, expiring_app, body["refresh_token"])
    assert failed.status_code == status
    assert failed.headers["content-type"].startswith(content_type)
    sandbox.control("workspaces/acme0us1", {"mode": "ok"})
    assert _refresh(sandbox, expiring_app, body["refresh_token"]).status_code == 200


@pytest.mark.parametrize("mode", ["401", "token_unauthorized", "403", "429"])
def test_an_access_token_s_modes_leave_refresh_grants_alone(
    sandbox: Sandbox, expiring_app: SandboxApp, mode: str
) -> None:
    body = sandbox.connect(expiring_app)
    sandbox.control("workspaces/acme0us1", {"mode": mode})
    assert _refresh(sandbox, expiring_app, body["refresh_token"]).status_code == 200
