"""The JSON control API: state, counters, validation, reset and app creation."""

from __future__ import annotations

import time

from connectors.providers.intercom.sandbox.models import SandboxApp
from tests.sandbox.conftest import Sandbox


def test_workspaces_are_listed_with_their_state(sandbox: Sandbox) -> None:
    answer = sandbox.control("workspaces")
    assert answer.status_code == 200
    rows = {row["id_code"]: row for row in answer.json()["workspaces"]}
    assert {rows[code]["region"] for code in rows} == {"US", "EU", "AU"}
    assert rows["acme0us1"]["mode"] == "ok"
    assert rows["acme0us1"]["me_calls"] == 0


def test_me_calls_are_counted_per_workspace_with_the_last_time_seen(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    token = sandbox.connect(sandbox_app, "initech0au")["token"]
    before = int(time.time())
    sandbox.me(token)
    sandbox.control("workspaces/initech0au", {"mode": "429", "rate_limit_reset_in": 30})
    sandbox.me(token)  # a rate-limited call is still a call seen
    state = sandbox.control("workspaces/initech0au").json()
    assert state["me_calls"] == 2
    assert state["last_me_at_unix"] >= before
    assert state["mode"] == "429"
    assert state["active_mode"] == "429"
    assert state["rate_limit_reset_at"] >= before + 29
    assert sandbox.control("workspaces/acme0us1").json()["me_calls"] == 0


def test_token_state_is_readable_by_id_or_prefix(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    sandbox.me(token)
    listed = sandbox.control("tokens?workspace=acme0us1").json()["tokens"]
    assert len(listed) == 1
    by_id = sandbox.control(f"tokens/{listed[0]['id']}").json()
    by_prefix = sandbox.control(f"tokens/{token[:12]}").json()
    assert by_id == by_prefix
    assert by_id["me_calls"] == 1
    assert by_id["revoked"] is False
    assert by_id["client_id"] == sandbox_app.client_id
    assert token not in str(listed)
    revoked = sandbox.control(f"tokens/{token[:12]}", {"mode": "revoked"}).json()
    assert revoked["revoked"] is True
    assert sandbox.me(token).status_code == 401


def test_reset_puts_everything_back_and_zeroes_counters(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    sandbox.control("workspaces/acme0us1", {"mode": "500", "latency_ms": 10})
    sandbox.control(f"tokens/{token[:12]}", {"mode": "403"})
    sandbox.me(token)
    assert sandbox.control("reset", {}).json() == {"reset": True}
    state = sandbox.control("workspaces/acme0us1").json()
    assert (state["mode"], state["latency_ms"], state["me_calls"]) == ("ok", 0, 0)
    assert sandbox.me(token).status_code == 200


def test_bad_control_requests_are_clear_400s_and_change_nothing(sandbox: Sandbox) -> None:
    url = f"{sandbox.base}/_control/workspaces/acme0us1"
    for body, hint in [
        (b"not json", "not JSON"),
        (b"[1]", "JSON object"),
        (b'{"mode": "sideways"}', "mode must be one of"),
        (b'{"latency_ms": -1}', "latency_ms"),
        (b'{"timeout_seconds": 600}', "timeout_seconds"),
        (b'{"latency_ms": "soon"}', "latency_ms"),
    ]:
        answer = sandbox.http.post(url, content=body, headers={"Content-Type": "application/json"})
        assert answer.status_code == 400, body
        assert hint in answer.json()["error"]
    assert sandbox.control("workspaces/acme0us1").json()["mode"] == "ok"


def test_unknown_workspace_or_token_is_a_404_with_a_reason(sandbox: Sandbox) -> None:
    answer = sandbox.control("workspaces/nowhere")
    assert answer.status_code == 404
    assert "nowhere" in answer.json()["error"]
    assert sandbox.control("tokens/sbx_nothing").status_code == 404


def test_an_app_can_be_created_through_the_api(sandbox: Sandbox) -> None:
    answer = sandbox.control(
        "apps",
        {
            "name": "Scripted",
            "redirect_uris": ["http://localhost:8000/cb"],
            "expiring_tokens": True,
        },
    )
    assert answer.status_code == 201
    body = answer.json()
    app = SandboxApp.objects.get(client_id=body["client_id"])
    app.client_secret = body["client_secret"]  # type: ignore[attr-defined]
    tokens = sandbox.connect(app)
    assert "refresh_token" in tokens

    bad = sandbox.control("apps", {"name": "No redirect"})
    assert bad.status_code == 400
    assert "redirect_uris" in bad.json()["fields"]
