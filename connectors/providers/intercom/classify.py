"""What Intercom's answer to `GET /me` means: a pure function over the probe's answer.

Intercom's error codes decide, through one table, `ANSWERS` (code x HTTP status ->
outcome, each row with its source). Outside the table, decisions that concern our own
request or the network, not Intercom's codes:
- No usable answer (timeout, connection error, unreadable body): transient.
- A 200 whose body is not the `admin_with_app` shape is nonsense: transient.
- An unexpected 3xx or 4xx (404, 405, a 400 other than a bad version, ...) means our
  request is wrong, not the token: misconfigured, for operators to fix.
- Any other status (1xx, 2xx other than 200, beyond 599): transient.
- A 429 whose `X-RateLimit-Reset` is missing or garbage waits 60 s.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.health.outcomes import (
    DETAIL_LIMIT,
    Classification,
    Outcome,
    ProbeAnswer,
    WorkspaceIdentity,
)
from portal.logs import redact

# Special values of `Answer.code`: the answer has no Intercom `error.list` body (a
# proxy's HTML page, an empty body); it has one whose code the table does not name for
# that status; any body at all.
NO_BODY = "(no Intercom error body)"
OTHER_CODE = "(another code)"
ANY_BODY = "(any body)"

_CHECKS_CONTINUE = "a temporary problem; checks continue."
_DOCS_ERRORS = (
    "Intercom's Error Codes page (developers.intercom.com/docs/references/rest-api/errors/"
    "error-codes)"
)
_OPENAPI = "Intercom-OpenAPI 2.16"

_DEAD = (
    "Intercom no longer accepts this token (the app was uninstalled or access was "
    "revoked): reconnect the workspace."
)
_SUSPENDED = (
    "Intercom says this app's access was suspended: reconnect the workspace once the app "
    "is reinstated."
)
_PERMISSION = (
    "Intercom accepted the token, but it lacks a permission ({code}): add it to the app in "
    "Intercom's Developer Hub (GET /me needs the permission to read admins), then reconnect."
)
_PLAN = (
    "Intercom says this workspace's plan does not include API access: upgrade the plan in "
    "Intercom, then press Check now."
)
_TRANSIENT_401 = (
    "The check was refused (401) without one of Intercom's token codes, perhaps by a proxy: "
    + _CHECKS_CONTINUE
)
_TRANSIENT_403 = (
    "The check was refused (403) without one of Intercom's codes, perhaps by a proxy: "
    + _CHECKS_CONTINUE
)


@dataclass(frozen=True)
class Answer:
    """One row of `ANSWERS`: an Intercom code at some HTTP statuses, and what it means."""

    code: str
    statuses: tuple[int, ...]
    outcome: Outcome
    reason: str
    source: str


ANSWERS: tuple[Answer, ...] = (
    # Dead tokens: revoked after the confirming retry. The only way to `revoked`.
    Answer("unauthorized", (401,), Outcome.TOKEN_DEAD, _DEAD,
           f"{_OPENAPI} components/responses/Unauthorized ('Access Token Invalid')"),
    Answer("token_not_found", (401,), Outcome.TOKEN_DEAD, _DEAD, _DOCS_ERRORS),
    Answer("token_revoked", (401,), Outcome.TOKEN_DEAD,
           "Intercom says this token was revoked: reconnect the workspace.", _DOCS_ERRORS),
    Answer("token_expired", (401,), Outcome.TOKEN_DEAD,
           "Intercom says this token expired: reconnect the workspace.", _DOCS_ERRORS),
    Answer("token_blocked", (401,), Outcome.TOKEN_DEAD,
           "Intercom says this token is blocked: reconnect the workspace.", _DOCS_ERRORS),
    Answer("token_suspended", (401, 403), Outcome.TOKEN_DEAD, _SUSPENDED,
           "INTERCOM.md (integrators report it with 401 or 403)"),
    # The token works but may not do this: degraded, never revoked.
    Answer("token_unauthorized", (401,), Outcome.FORBIDDEN, _PERMISSION,
           f"{_OPENAPI} POST /conversations/{{id}}/merge 401 ('Not authorized to access "
           "resource'); INTERCOM.md"),
    Answer("forbidden", (403,), Outcome.FORBIDDEN, _PERMISSION,
           f"{_OPENAPI} 403 'Forbidden - missing required OAuth scope'"),
    Answer("api_plan_restricted", (403,), Outcome.FORBIDDEN, _PLAN,
           f"{_OPENAPI} 403 'API plan restricted' ('Active subscription needed.')"),
    Answer(ANY_BODY, (402,), Outcome.FORBIDDEN, _PLAN,
           "INTERCOM.md (402: the workspace's plan lacks API access)"),
    # Not about the token at all.
    Answer(ANY_BODY, (429,), Outcome.RATE_LIMITED,
           "Intercom is rate limiting this app: the next check waits until the limit resets.",
           f"{_OPENAPI} 429 rate_limit_exceeded; Intercom's docs, Rate limiting "
           "(X-RateLimit-Reset)"),
    Answer("intercom_version_invalid", (400,), Outcome.MISCONFIGURED,
           "Intercom rejected the API version the portal sends (Intercom-Version): an "
           "operator must set INTERCOM_API_VERSION to a version Intercom publishes.",
           f"{_DOCS_ERRORS}; {_OPENAPI} components/schemas/intercom_version"),
    Answer(NO_BODY, (401,), Outcome.TRANSIENT, _TRANSIENT_401,
           "INTERCOM.md (a 401 without Intercom's body is a proxy's, not Intercom's)"),
    Answer(OTHER_CODE, (401,), Outcome.TRANSIENT, _TRANSIENT_401,
           "INTERCOM.md (unknown codes never prove a token dead)"),
    Answer(NO_BODY, (403,), Outcome.TRANSIENT, _TRANSIENT_403,
           "INTERCOM.md (HTML from a proxy)"),
    Answer(OTHER_CODE, (403,), Outcome.TRANSIENT, _TRANSIENT_403,
           "INTERCOM.md (unknown codes)"),
    Answer(ANY_BODY, (408,), Outcome.TRANSIENT,
           "Intercom timed out the request (408): " + _CHECKS_CONTINUE, "RFC 9110 (408)"),
    Answer(ANY_BODY, tuple(range(500, 600)), Outcome.TRANSIENT,
           "Intercom answered {status}: a temporary problem on Intercom's side; checks continue.",
           f"{_OPENAPI} 500 responses; INTERCOM.md (5xx never marks a token dead)"),
)  # fmt: skip

_BY_KEY: dict[tuple[str, int], Answer] = {
    (row.code, status): row for row in ANSWERS for status in row.statuses
}
DEAD_TOKEN_CODES = frozenset(row.code for row in ANSWERS if row.outcome is Outcome.TOKEN_DEAD)


def answer_row(status: int, code: str | None) -> Answer | None:
    """The row of `ANSWERS` for this status and Intercom code (None: no Intercom body)."""
    keys = (NO_BODY,) if code is None else (code, OTHER_CODE)
    for key in (*keys, ANY_BODY):
        row = _BY_KEY.get((key, status))
        if row is not None:
            return row
    return None


RATE_LIMIT_FALLBACK = timedelta(seconds=60)
# Unix seconds beyond this are not a plausible reset time (year 5138): treat as garbage.
_MAX_UNIX = 10**11

_TRANSPORT_REASONS = {
    "timeout": "Intercom did not answer in time",
    "connect": "Intercom could not be reached",
    "too_large": "Intercom's answer was far larger than expected",
    "invalid_json": "Intercom's answer was not valid JSON",
}
_Result = Callable[..., Classification]


def _to_int(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        value = float(raw.strip())
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0 or value >= _MAX_UNIX:
        return None
    return int(value)


def _reset_time(raw: str | None) -> datetime | None:
    seconds = _to_int(raw)
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)


def _first_error(body: Any) -> tuple[str, str, str] | None:
    """(code, message, request_id) of an Intercom `error.list` body, or None if not one."""
    if not isinstance(body, Mapping):
        return None
    errors = body.get("errors")
    if body.get("type") != "error.list" and not isinstance(errors, list):
        return None
    first = errors[0] if isinstance(errors, list) and errors else {}
    if not isinstance(first, Mapping):
        first = {}
    code = first.get("code")
    message = first.get("message")
    request_id = body.get("request_id")
    return (
        code if isinstance(code, str) else "",
        message if isinstance(message, str) else "",
        request_id if isinstance(request_id, str) else "",
    )


first_error = _first_error  # also read by the capability probes (capabilities.py)


def _text(mapping: Mapping[str, Any], key: str) -> str:
    value = mapping.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""


def parse_identity(body: Any) -> WorkspaceIdentity | None:
    """The workspace and admin from a 200 `/me` body, or None if it is not `admin_with_app`."""
    if not isinstance(body, Mapping) or body.get("type") != "admin":
        return None
    app = body.get("app")
    if not isinstance(app, Mapping):
        return None
    id_code = app.get("id_code")
    if not isinstance(id_code, str) or not id_code.strip():
        return None
    return WorkspaceIdentity(
        external_id=id_code.strip(),
        name=_text(app, "name"),
        region=_text(app, "region"),
        admin_id=_text(body, "id"),
        admin_name=_text(body, "name"),
        admin_email=_text(body, "email"),
    )


def _detail(status: int | None, code: str, message: str, request_id: str) -> str:
    parts = [f"HTTP {status}" if status is not None else "no HTTP answer"]
    if code:
        parts.append(code)
    if message:
        parts.append(f"'{message}'")
    if request_id:
        parts.append(f"request_id={request_id}")
    return redact(" ".join(parts), limit=DETAIL_LIMIT)


def classify_me(
    answer: ProbeAnswer, *, expected_workspace: str | None, now: datetime
) -> Classification:
    """Classify one `GET /me` answer. `expected_workspace` is the stored `app.id_code`.

    With `expected_workspace=None` (the first check while connecting) any workspace is OK.
    """
    status = answer.status
    limit = _to_int(answer.header("x-ratelimit-limit"))
    remaining = _to_int(answer.header("x-ratelimit-remaining"))
    reset = _reset_time(answer.header("x-ratelimit-reset"))
    error = _first_error(answer.json)
    code, message, request_id = error or ("", "", "")

    def result(
        outcome: Outcome,
        reason: str,
        *,
        workspace: WorkspaceIdentity | None = None,
        reset_at: datetime | None = reset,
        detail: str | None = None,
    ) -> Classification:
        return Classification(
            outcome=outcome,
            reason=reason,
            http_status=status,
            error_code=redact(code, limit=60),
            rate_limit_reset=reset_at,
            rate_limit_remaining=remaining,
            rate_limit_limit=limit,
            workspace=workspace,
            detail=detail if detail is not None else _detail(status, code, message, request_id),
        )

    if answer.error_kind is not None and (status is None or not 300 <= status <= 499):
        # No usable answer arrived: the network or the body failed us, not the token.
        what = _TRANSPORT_REASONS.get(
            answer.error_kind, "The check failed before Intercom answered"
        )
        kind = redact(answer.error_kind, limit=40)
        return result(
            Outcome.TRANSIENT,
            f"{what}: {_CHECKS_CONTINUE}",
            detail=redact(
                f"{kind} " + _detail(status, code, message, request_id), limit=DETAIL_LIMIT
            ),
        )
    if status is None:
        return result(Outcome.TRANSIENT, f"Intercom did not answer: {_CHECKS_CONTINUE}")
    if status == 200:
        return _classify_ok(answer, expected_workspace, result)
    row = answer_row(status, None if error is None else code)
    if row is not None:
        reason = row.reason.format(code=code or f"HTTP {status}", status=status)
        if row.outcome is Outcome.RATE_LIMITED:
            return result(row.outcome, reason, reset_at=reset or now + RATE_LIMIT_FALLBACK)
        return result(row.outcome, reason)
    if 300 <= status <= 499:
        return result(
            Outcome.MISCONFIGURED,
            f"Intercom answered {status} to the health check: the portal's request or API "
            "host is probably wrong; an operator should look at it.",
        )
    return result(
        Outcome.TRANSIENT,
        f"Intercom gave an unexpected answer (HTTP {status}): {_CHECKS_CONTINUE}",
    )


def _classify_ok(
    answer: ProbeAnswer, expected_workspace: str | None, result: _Result
) -> Classification:
    identity = parse_identity(answer.json)
    if identity is None:
        return result(
            Outcome.TRANSIENT,
            "Intercom answered 200 but the body was not the expected admin details "
            f"(the provider answered nonsense): {_CHECKS_CONTINUE}",
        )
    if expected_workspace is None or identity.external_id == expected_workspace:
        return result(Outcome.OK, "Intercom accepted the token.", workspace=identity)
    return result(
        Outcome.WRONG_WORKSPACE,
        f"This token now belongs to another Intercom workspace ({identity.external_id}, not "
        f"{expected_workspace}): the portal will not re-point it; disconnect this "
        "connection and connect the right workspace.",
        workspace=identity,
        detail=redact(
            f"HTTP 200 id_code={identity.external_id} expected={expected_workspace}",
            limit=DETAIL_LIMIT,
        ),
    )
