"""POST /auth/eagle/token over real HTTP: the code exchange, as Intercom answers it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from connectors.providers.intercom.sandbox.credentials import digest
from connectors.providers.intercom.sandbox.models import SandboxApp, SandboxCode
from tests.sandbox.conftest import Sandbox


def _unauthorized(body: dict[str, object], message: str) -> None:
    assert body["type"] == "error.list"
    assert body["request_id"]
    assert body["errors"] == [{"code": "unauthorized", "message": message}]


def test_a_code_is_exchanged_for_a_bearer_token_without_refresh_or_expiry(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    redirect = sandbox.approve(sandbox_app, "initech0au")
    assert redirect["state"] == "s1"
    answer = sandbox.exchange(sandbox_app, redirect["code"])
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"token_type", "token", "access_token"}
    assert body["token_type"] == "Bearer"
    assert body["token"] == body["access_token"]
    me = sandbox.me(body["token"])
    assert me.status_code == 200
    assert me.json()["app"]["id_code"] == "initech0au"
    assert me.json()["app"]["region"] == "AU"


def test_a_code_works_only_once(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    code = sandbox.approve(sandbox_app)["code"]
    assert sandbox.exchange(sandbox_app, code).status_code == 200
    again = sandbox.exchange(sandbox_app, code)
    assert again.status_code == 401
    _unauthorized(again.json(), "Unauthorized Code")


def test_an_expired_code_is_refused(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    code = sandbox.approve(sandbox_app)["code"]
    SandboxCode.objects.filter(code_hash=digest(code)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    answer = sandbox.exchange(sandbox_app, code)
    assert answer.status_code == 401
    _unauthorized(answer.json(), "Unauthorized Code")


def test_a_code_altered_in_transit_is_refused(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    code = sandbox.approve(sandbox_app)["code"]
    assert code.endswith("=")  # Intercom's codes may end in "=", so must ours.
    answer = sandbox.exchange(sandbox_app, code.rstrip("="))
    assert answer.status_code == 401
    _unauthorized(answer.json(), "Unauthorized Code")


def test_a_wrong_client_secret_is_refused_and_the_code_survives(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    code = sandbox.approve(sandbox_app)["code"]
    answer = sandbox.exchange(sandbox_app, code, secret="not-the-secret")
    assert answer.status_code == 401
    _unauthorized(answer.json(), "Unauthorized Client")
    assert sandbox.exchange(sandbox_app, code).status_code == 200


def test_another_apps_code_is_refused(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    from tests.sandbox.factories import SandboxAppFactory

    other = SandboxAppFactory()
    code = sandbox.approve(other)["code"]
    answer = sandbox.exchange(sandbox_app, code)
    assert answer.status_code == 401


def test_client_credentials_may_come_as_http_basic(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    code = sandbox.approve(sandbox_app)["code"]
    answer = sandbox.http.post(
        f"{sandbox.base}/auth/eagle/token",
        data={"code": code, "grant_type": "authorization_code", "redirect_uri": "ignored"},
        auth=(sandbox_app.client_id, sandbox_app.client_secret),  # type: ignore[attr-defined]
    )
    assert answer.status_code == 200, answer.text


def test_missing_fields_are_a_clear_400(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    answer = sandbox.http.post(f"{sandbox.base}/auth/eagle/token", data={"code": "x"})
    assert answer.status_code == 400
    assert "client_id" in answer.json()["errors"][0]["message"]


def test_the_token_endpoint_only_takes_post(sandbox: Sandbox) -> None:
    assert sandbox.http.get(f"{sandbox.base}/auth/eagle/token").status_code == 405
