"""classify_me follows the "Health check: GET /me" table in docs/intercom-setup.md, row by row."""

from __future__ import annotations

import pytest

from connectors.health.outcomes import Outcome
from connectors.providers.intercom.classify import classify_me
from tests.connectors.health.support import NOW, WORKSPACE, answer, error_body, me_body

DEAD_401_CODES = [
    "unauthorized",
    "token_not_found",
    "token_revoked",
    "token_unauthorized",
    "token_expired",
    "token_blocked",
]

TABLE = [
    pytest.param(answer(200, me_body()), Outcome.OK, id="200-same-workspace"),
    pytest.param(answer(200, me_body("zzz999")), Outcome.WRONG_WORKSPACE, id="200-other-workspace"),
    *[
        pytest.param(answer(401, error_body(code)), Outcome.TOKEN_DEAD, id=f"401-{code}")
        for code in DEAD_401_CODES
    ],
    pytest.param(answer(401, error_body("brand_new_code")), Outcome.TOKEN_DEAD, id="401-unknown"),
    pytest.param(
        answer(401, error_body("token_suspended")), Outcome.TOKEN_DEAD, id="401-suspended"
    ),
    pytest.param(
        answer(403, error_body("token_suspended")), Outcome.TOKEN_DEAD, id="403-suspended"
    ),
    pytest.param(
        answer(500, error_body("token_suspended")), Outcome.TOKEN_DEAD, id="500-suspended"
    ),
    pytest.param(answer(403, error_body("forbidden")), Outcome.FORBIDDEN, id="403-forbidden"),
    pytest.param(answer(403, error_body("api_plan_restricted")), Outcome.FORBIDDEN, id="403-plan"),
    pytest.param(answer(403, None), Outcome.FORBIDDEN, id="403-no-body"),
    pytest.param(answer(429, error_body("rate_limit_exceeded")), Outcome.RATE_LIMITED, id="429"),
    pytest.param(answer(500, error_body("server_error")), Outcome.TRANSIENT, id="500"),
    pytest.param(answer(502, "<html>Bad gateway</html>"), Outcome.TRANSIENT, id="502-html"),
    pytest.param(answer(503, None), Outcome.TRANSIENT, id="503"),
    pytest.param(answer(504, None, error_kind="invalid_json"), Outcome.TRANSIENT, id="504-json"),
    pytest.param(answer(None, error_kind="timeout"), Outcome.TRANSIENT, id="timeout"),
    pytest.param(answer(None, error_kind="connect"), Outcome.TRANSIENT, id="connect"),
    pytest.param(answer(200, error_kind="invalid_json"), Outcome.TRANSIENT, id="200-bad-json"),
    pytest.param(answer(200, error_kind="too_large"), Outcome.TRANSIENT, id="200-too-large"),
    pytest.param(answer(None), Outcome.TRANSIENT, id="nothing-at-all"),
    pytest.param(
        answer(400, error_body("intercom_version_invalid")),
        Outcome.MISCONFIGURED,
        id="400-version",
    ),
    pytest.param(answer(400, error_body("parameter_invalid")), Outcome.MISCONFIGURED, id="400"),
    pytest.param(answer(404, error_body("not_found")), Outcome.MISCONFIGURED, id="404"),
    pytest.param(answer(301, None), Outcome.MISCONFIGURED, id="301-redirect"),
    pytest.param(answer(408, None), Outcome.TRANSIENT, id="408"),
    pytest.param(answer(204, None), Outcome.TRANSIENT, id="204"),
    pytest.param(answer(999, None), Outcome.TRANSIENT, id="999"),
]


@pytest.mark.parametrize(("probe", "expected"), TABLE)
def test_each_row_of_the_me_table_maps_to_its_outcome(probe: object, expected: Outcome) -> None:
    result = classify_me(probe, expected_workspace=WORKSPACE, now=NOW)  # type: ignore[arg-type]
    assert result.outcome is expected
    assert result.reason, "every outcome carries words a person can act on"
    assert result.http_status == probe.status  # type: ignore[attr-defined]


NONSENSE_200_BODIES = [
    None,
    "ok",
    [],
    {},
    {"type": "admin"},
    {"type": "admin", "app": "abc123de"},
    {"type": "admin", "app": {"id_code": ""}},
    {"type": "admin", "app": {"id_code": 42}},
    {"type": "user", "app": {"id_code": WORKSPACE}},
    error_body("unauthorized"),
]


@pytest.mark.parametrize("body", NONSENSE_200_BODIES)
def test_a_200_with_a_nonsense_body_is_transient_and_says_so(body: object) -> None:
    result = classify_me(answer(200, body), expected_workspace=WORKSPACE, now=NOW)
    assert result.outcome is Outcome.TRANSIENT
    assert "nonsense" in result.reason
    assert result.workspace is None


def test_a_200_reports_the_workspace_and_admin_it_belongs_to() -> None:
    result = classify_me(answer(200, me_body()), expected_workspace=WORKSPACE, now=NOW)
    assert result.workspace is not None
    assert result.workspace.external_id == WORKSPACE
    assert result.workspace.name == "Acme Support"
    assert result.workspace.region == "US"
    assert result.workspace.admin_id == "991267460"
    assert result.workspace.admin_name == "Ops Admin"
    assert result.workspace.admin_email == "ops@example.com"


def test_the_first_check_while_connecting_accepts_any_workspace() -> None:
    result = classify_me(answer(200, me_body("new0ne")), expected_workspace=None, now=NOW)
    assert result.outcome is Outcome.OK
    assert result.workspace is not None
    assert result.workspace.external_id == "new0ne"


def test_a_wrong_workspace_names_both_workspaces_and_never_re_points() -> None:
    result = classify_me(answer(200, me_body("zzz999")), expected_workspace=WORKSPACE, now=NOW)
    assert "zzz999" in result.reason
    assert WORKSPACE in result.reason
    assert "will not re-point" in result.reason


def test_a_revoked_token_says_to_reconnect() -> None:
    result = classify_me(
        answer(401, error_body("token_revoked")), expected_workspace=WORKSPACE, now=NOW
    )
    assert result.reason == "Intercom says this token was revoked: reconnect the workspace."
    assert result.error_code == "token_revoked"


def test_a_401_without_intercoms_error_body_proves_nothing_about_the_token() -> None:
    for body in (None, "<html>401 Authorization Required</html>", {"message": "nope"}):
        result = classify_me(answer(401, body), expected_workspace=WORKSPACE, now=NOW)
        assert result.outcome is Outcome.TRANSIENT


def test_a_5xx_says_checks_continue() -> None:
    result = classify_me(answer(503, None), expected_workspace=WORKSPACE, now=NOW)
    assert result.reason == (
        "Intercom answered 503: a temporary problem on Intercom's side; checks continue."
    )


def test_a_bad_api_version_is_surfaced_to_operators() -> None:
    result = classify_me(
        answer(400, error_body("intercom_version_invalid")), expected_workspace=WORKSPACE, now=NOW
    )
    assert "operator" in result.reason
    assert "Intercom-Version" in result.reason


def test_a_plan_without_api_access_says_what_to_do() -> None:
    result = classify_me(
        answer(403, error_body("api_plan_restricted")), expected_workspace=WORKSPACE, now=NOW
    )
    assert "plan" in result.reason
    assert "Check now" in result.reason


def test_transport_failures_name_what_went_wrong() -> None:
    timeout = classify_me(answer(None, error_kind="timeout"), expected_workspace=WORKSPACE, now=NOW)
    connect = classify_me(answer(None, error_kind="connect"), expected_workspace=WORKSPACE, now=NOW)
    assert "in time" in timeout.reason
    assert "could not be reached" in connect.reason
    assert timeout.detail.startswith("timeout")
