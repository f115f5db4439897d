"""classify_me follows the "Health check: GET /me" table in docs/intercom-setup.md, row by row."""

from __future__ import annotations

import pytest

from connectors.health.outcomes import Outcome
from connectors.providers.intercom.classify import (
    ANSWERS,
    ANY_BODY,
    NO_BODY,
    OTHER_CODE,
    classify_me,
)
from tests.connectors.health.support import NOW, WORKSPACE, answer, error_body, me_body

# Written from Intercom's Error Codes page, Intercom-OpenAPI 2.16's documented error
# bodies and INTERCOM.md's table; never from the classifier. Each row: the HTTP status,
# the `error.list` code Intercom sends (None: no Intercom body), the outcome, and a word
# the reason must contain.
DEAD = Outcome.TOKEN_DEAD
INTERCOM_ANSWERS: list[tuple[int, str | None, Outcome, str]] = [
    (401, "unauthorized", DEAD, "reconnect"),
    (401, "token_not_found", DEAD, "reconnect"),
    (401, "token_revoked", DEAD, "revoked"),
    (401, "token_expired", DEAD, "expired"),
    (401, "token_blocked", DEAD, "blocked"),
    (401, "token_suspended", DEAD, "suspended"),
    (403, "token_suspended", DEAD, "suspended"),
    (401, "token_unauthorized", Outcome.FORBIDDEN, "lacks a permission"),
    (403, "forbidden", Outcome.FORBIDDEN, "lacks a permission"),
    (403, "api_plan_restricted", Outcome.FORBIDDEN, "plan"),
    (402, "api_plan_restricted", Outcome.FORBIDDEN, "plan"),
    (402, None, Outcome.FORBIDDEN, "plan"),
    (429, "rate_limit_exceeded", Outcome.RATE_LIMITED, "rate limiting"),
    (429, None, Outcome.RATE_LIMITED, "rate limiting"),
    (400, "intercom_version_invalid", Outcome.MISCONFIGURED, "INTERCOM_API_VERSION"),
    (401, None, Outcome.TRANSIENT, "checks continue"),
    (401, "brand_new_code", Outcome.TRANSIENT, "checks continue"),
    (401, "", Outcome.TRANSIENT, "checks continue"),
    (403, None, Outcome.TRANSIENT, "checks continue"),
    (403, "brand_new_code", Outcome.TRANSIENT, "checks continue"),
    (408, None, Outcome.TRANSIENT, "checks continue"),
    (500, "server_error", Outcome.TRANSIENT, "checks continue"),
    (500, "token_suspended", Outcome.TRANSIENT, "checks continue"),
    (503, "service_unavailable", Outcome.TRANSIENT, "checks continue"),
    (502, None, Outcome.TRANSIENT, "checks continue"),
    (599, None, Outcome.TRANSIENT, "checks continue"),
]
# Documented message texts, as Intercom sends them with each code.
MESSAGES = {
    "unauthorized": "Access Token Invalid",
    "token_unauthorized": "Not authorized to access resource",
    "api_plan_restricted": "Active subscription needed.",
    "forbidden": "You do not have the required scope (read_admins) to access this resource",
    "rate_limit_exceeded": "Rate Limit Exceeded",
}


def _intercom(status: int, code: str | None) -> object:
    body = None if code is None else error_body(code, MESSAGES.get(code, "Something went wrong"))
    return answer(status, body)


@pytest.mark.parametrize(
    ("status", "code", "expected", "word"),
    INTERCOM_ANSWERS,
    ids=[f"{s}-{c}" for s, c, _, _ in INTERCOM_ANSWERS],
)
def test_each_intercom_answer_gets_its_outcome(
    status: int, code: str | None, expected: Outcome, word: str
) -> None:
    result = classify_me(_intercom(status, code), expected_workspace=WORKSPACE, now=NOW)  # type: ignore[arg-type]
    assert result.outcome is expected
    assert word in result.reason
    assert result.http_status == status


def test_every_row_of_the_providers_table_is_in_the_test_table() -> None:
    tested = {(status, code) for status, code, _, _ in INTERCOM_ANSWERS}
    tested_statuses = {status for status, _ in tested}
    for row in ANSWERS:
        if row.code == ANY_BODY:
            assert tested_statuses & set(row.statuses), row
        elif row.code == NO_BODY:
            assert any((status, None) in tested for status in row.statuses), row
        elif row.code == OTHER_CODE:
            assert any((status, "brand_new_code") in tested for status in row.statuses), row
        else:
            assert all((status, row.code) in tested for status in row.statuses), row
        assert row.source, row


# Every other code on Intercom's Error Codes page (2.17 list), plus none and a new one.
OTHER_DOCUMENTED_CODES = [
    "server_error", "client_error", "bad_request", "type_mismatch", "parameter_not_found",
    "parameter_invalid", "data_invalid", "not_found", "action_forbidden", "forbidden",
    "conflict", "api_plan_restricted", "rate_limit_exceeded", "too_many_requests",
    "request_timeout", "service_unavailable", "unsupported", "token_unauthorized",
    "missing_authorization", "retry_after", "intercom_version_invalid", "brand_new_code", None,
]  # fmt: skip


@pytest.mark.parametrize("code", OTHER_DOCUMENTED_CODES)
def test_no_status_with_a_code_other_than_a_dead_token_code_is_token_dead(
    code: str | None,
) -> None:
    for status in range(100, 1000):
        result = classify_me(_intercom(status, code), expected_workspace=WORKSPACE, now=NOW)  # type: ignore[arg-type]
        assert result.outcome is not DEAD, (status, code)


TABLE = [
    pytest.param(answer(200, me_body()), Outcome.OK, id="200-same-workspace"),
    pytest.param(answer(200, me_body("zzz999")), Outcome.WRONG_WORKSPACE, id="200-other-workspace"),
    pytest.param(answer(502, "<html>Bad gateway</html>"), Outcome.TRANSIENT, id="502-html"),
    pytest.param(answer(401, "<html>401</html>"), Outcome.TRANSIENT, id="401-html"),
    pytest.param(answer(504, None, error_kind="invalid_json"), Outcome.TRANSIENT, id="504-json"),
    pytest.param(answer(None, error_kind="timeout"), Outcome.TRANSIENT, id="timeout"),
    pytest.param(answer(None, error_kind="connect"), Outcome.TRANSIENT, id="connect"),
    pytest.param(answer(200, error_kind="invalid_json"), Outcome.TRANSIENT, id="200-bad-json"),
    pytest.param(answer(200, error_kind="too_large"), Outcome.TRANSIENT, id="200-too-large"),
    pytest.param(answer(None), Outcome.TRANSIENT, id="nothing-at-all"),
    pytest.param(answer(400, error_body("parameter_invalid")), Outcome.MISCONFIGURED, id="400"),
    pytest.param(answer(404, error_body("not_found")), Outcome.MISCONFIGURED, id="404"),
    pytest.param(answer(301, None), Outcome.MISCONFIGURED, id="301-redirect"),
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
    assert result.outcome is Outcome.MISCONFIGURED


def test_a_plan_without_api_access_says_what_to_do() -> None:
    for status in (402, 403):
        result = classify_me(
            answer(status, error_body("api_plan_restricted")), expected_workspace=WORKSPACE, now=NOW
        )
        assert "plan" in result.reason
        assert "Check now" in result.reason


def test_a_missing_permission_names_the_code_and_the_developer_hub() -> None:
    result = classify_me(
        answer(401, error_body("token_unauthorized")), expected_workspace=WORKSPACE, now=NOW
    )
    assert result.outcome is Outcome.FORBIDDEN
    assert "token_unauthorized" in result.reason
    assert "Developer Hub" in result.reason
    assert "reconnect" in result.reason


def test_transport_failures_name_what_went_wrong() -> None:
    timeout = classify_me(answer(None, error_kind="timeout"), expected_workspace=WORKSPACE, now=NOW)
    connect = classify_me(answer(None, error_kind="connect"), expected_workspace=WORKSPACE, now=NOW)
    assert "in time" in timeout.reason
    assert "could not be reached" in connect.reason
    assert timeout.detail.startswith("timeout")
