"""The sandbox's answers, over real HTTP, against Intercom's own schemas: the vendored
subset of Intercom-OpenAPI (see connectors/providers/intercom/sandbox/openapi/README.md).

The token answer is not in Intercom's OpenAPI description; its schema below is written
from Intercom's OAuth documentation ({"token_type": "Bearer", "token", "access_token"},
no refresh token, no expiry).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest

from connectors.providers.intercom.sandbox.models import Mode, SandboxApp
from tests.sandbox.conftest import Sandbox
from tests.sandbox.factories import SandboxAppFactory

pytestmark = pytest.mark.django_db(transaction=True)

VENDORED = (
    Path(__file__).resolve().parents[2]
    / "connectors/providers/intercom/sandbox/openapi/intercom-openapi-subset.json"
)
SPEC: dict[str, Any] = json.loads(VENDORED.read_text())

# Intercom's Error Codes page (developers.intercom.com, rest-api/errors/error-codes), the
# codes the portal meets on /me and the token endpoint; token_suspended from INTERCOM.md.
DOCUMENTED_CODES = {
    "server_error", "client_error", "parameter_not_found", "parameter_invalid",
    "api_plan_restricted", "rate_limit_exceeded", "token_revoked", "token_blocked",
    "token_not_found", "token_unauthorized", "token_expired", "missing_authorization",
    "unauthorized", "forbidden", "intercom_version_invalid", "token_suspended",
}  # fmt: skip

TOKEN_ANSWER = {
    "type": "object",
    "required": ["token_type", "token", "access_token"],
    "properties": {
        "token_type": {"const": "Bearer"},
        "token": {"type": "string", "minLength": 1},
        "access_token": {"type": "string", "minLength": 1},
    },
    "not": {"anyOf": [{"required": ["refresh_token"]}, {"required": ["expires_in"]}]},
}


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects as JSON Schema: `nullable` becomes a null type, and
    `$ref`s to components are inlined."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return _json_schema(SPEC["components"]["schemas"][name])
    out = {key: _json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") and "type" in node:
        out["type"] = [node["type"], "null"]
    return out


def _validator(name: str) -> jsonschema_rs.Draft7Validator:
    return jsonschema_rs.Draft7Validator(_json_schema(SPEC["components"]["schemas"][name]))


def _assert_valid(name: str, body: Any) -> None:
    errors = [str(error) for error in _validator(name).iter_errors(body)]
    assert not errors, (name, errors, body)


def test_the_vendored_me_example_itself_validates() -> None:
    example = SPEC["paths"]["/me"]["get"]["responses"]["200"]["content"]["application/json"]
    _assert_valid("admin_with_app", example["examples"]["Successful response"]["value"])


def test_me_answers_admin_with_app(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    body = sandbox.me(sandbox.connect(sandbox_app)["token"]).json()
    _assert_valid("admin_with_app", body)
    assert body["type"] == "admin"
    assert body["app"]["type"] == "app"
    assert set(body["app"]) >= {"id_code", "name", "region", "timezone", "created_at", "secure"}


def test_the_token_answer_is_intercoms_without_refresh_or_expiry(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    code = sandbox.approve(sandbox_app)["code"]
    body = sandbox.exchange(sandbox_app, code).json()
    assert jsonschema_rs.is_valid(TOKEN_ANSWER, body), body


def test_only_the_not_intercom_mode_hands_out_refresh_tokens(sandbox: Sandbox) -> None:
    app: SandboxApp = SandboxAppFactory(expiring_tokens=True)
    body = sandbox.exchange(app, sandbox.approve(app)["code"]).json()
    assert "refresh_token" in body
    assert not jsonschema_rs.is_valid(TOKEN_ANSWER, body)


# Every mode whose answer carries Intercom's error body: (status, code) Intercom sends.
ERROR_MODES = {
    Mode.UNAUTHORIZED: (401, "unauthorized"),
    Mode.TOKEN_UNAUTHORIZED: (401, "token_unauthorized"),
    Mode.TOKEN_SUSPENDED: (401, "token_suspended"),
    Mode.FORBIDDEN: (403, "forbidden"),
    Mode.PLAN_RESTRICTED: (403, "api_plan_restricted"),
    Mode.PAYMENT_REQUIRED: (402, "api_plan_restricted"),
    Mode.RATE_LIMITED: (429, "rate_limit_exceeded"),
    Mode.SERVER_ERROR: (500, "server_error"),
}
PROXY_MODES = {Mode.BAD_GATEWAY_HTML: 502, Mode.UNAVAILABLE_HTML: 503, Mode.EMPTY_401: 401}


@pytest.mark.parametrize("mode", list(ERROR_MODES))
def test_each_error_mode_answers_an_intercom_error_list(
    sandbox: Sandbox, sandbox_app: SandboxApp, mode: str
) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    sandbox.control("workspaces/acme0us1", {"mode": mode})
    answer = sandbox.me(token)
    status, code = ERROR_MODES[mode]
    assert answer.status_code == status
    _assert_valid("error", answer.json())
    assert answer.json()["errors"][0]["code"] == code
    assert code in DOCUMENTED_CODES
    for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert answer.headers[header].isdigit()
    if status == 429:
        assert answer.headers["X-RateLimit-Remaining"] == "0"
        assert int(answer.headers["X-RateLimit-Reset"]) > time.time()


@pytest.mark.parametrize("mode", list(PROXY_MODES))
def test_proxy_modes_answer_without_intercoms_body(
    sandbox: Sandbox, sandbox_app: SandboxApp, mode: str
) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    sandbox.control("workspaces/acme0us1", {"mode": mode})
    answer = sandbox.me(token)
    assert answer.status_code == PROXY_MODES[mode]
    assert "error.list" not in answer.text


def test_slow_answers_late_and_silent_not_at_all(sandbox: Sandbox, sandbox_app: SandboxApp) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    sandbox.control("workspaces/acme0us1", {"mode": "slow", "latency_ms": 1200})
    started = time.monotonic()
    answer = sandbox.me(token)
    assert answer.status_code == 200
    assert time.monotonic() - started >= 1.2
    sandbox.control("workspaces/acme0us1", {"mode": "silent", "timeout_seconds": 2})
    with pytest.raises(httpx.TimeoutException):
        sandbox.http.get(
            f"{sandbox.base}/me", headers={"Authorization": f"Bearer {token}"}, timeout=0.5
        )
    time.sleep(2)  # let the sleeping request finish before the database is flushed


def test_every_sandbox_mode_is_covered_here() -> None:
    assert set(Mode.values) == {
        Mode.OK, *ERROR_MODES, *PROXY_MODES, Mode.SLOW, Mode.SILENT,
    }  # fmt: skip


def test_the_other_error_answers_are_documented_error_lists(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    token = sandbox.connect(sandbox_app)["token"]
    answers = {
        "no token": sandbox.http.get(f"{sandbox.base}/me"),
        "unknown token": sandbox.me("sbx_not-a-token"),
        "bad version": sandbox.me(token, **{"Intercom-Version": "2.99"}),
        "wrong secret": sandbox.exchange(sandbox_app, "a-code", secret="wrong"),
        "no code": sandbox.http.post(f"{sandbox.base}/auth/eagle/token", data={}),
    }
    sandbox.control("workspaces/acme0us1", {"mode": "revoked"})
    answers["revoked"] = sandbox.me(token)
    for what, answer in answers.items():
        assert 400 <= answer.status_code < 500, what
        _assert_valid("error", answer.json())
        assert answer.json()["errors"][0]["code"] in DOCUMENTED_CODES, what


def test_the_sandbox_wide_401_answers_every_token_with_intercoms_unauthorized(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    tokens = [sandbox.connect(sandbox_app, workspace)["token"] for workspace in
              ("acme0us1", "globex0eu", "initech0au")]  # fmt: skip
    revoked = sandbox.connect(sandbox_app)["token"]
    sandbox.control("workspaces/acme0us1", {"mode": "500"})  # a workspace's own mode yields
    assert sandbox.control("sandbox", {"mode": "401"}).json() == {"mode": "401"}
    for token in [*tokens, revoked, "not-a-token-at-all"]:
        answer = sandbox.me(token)
        assert answer.status_code == 401
        _assert_valid("error", answer.json())
        code = answer.json()["errors"][0]["code"]
        assert code in DOCUMENTED_CODES
        if token != "not-a-token-at-all":
            assert code == "unauthorized"
    assert sandbox.control("sandbox").json() == {"mode": "401"}
    sandbox.control("sandbox", {"mode": "ok"})
    assert sandbox.me(tokens[1]).status_code == 200
    assert sandbox.me(tokens[0]).status_code == 500  # the workspace's mode again


def test_the_sandbox_wide_mode_refuses_modes_that_need_knobs_and_resets(
    sandbox: Sandbox, sandbox_app: SandboxApp
) -> None:
    for mode in ("slow", "429", "silent", "nonsense"):
        answer = sandbox.control("sandbox", {"mode": mode})
        assert answer.status_code == 400
        assert "mode must be one of" in answer.json()["error"]
    sandbox.control("sandbox", {"mode": "401"})
    sandbox.http.post(f"{sandbox.base}/_control/reset")
    assert sandbox.control("sandbox").json() == {"mode": "ok"}
    assert sandbox.me(sandbox.connect(sandbox_app)["token"]).status_code == 200
