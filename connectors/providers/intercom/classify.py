"""What Intercom's answer to `GET /me` means: a pure function over the probe's answer.

Follows the "Health check: GET /me" table in docs/intercom-setup.md. Decisions beyond the table:
- A 401 counts as "token dead" only when it carries Intercom's `error.list` body; a bare
  401 (a proxy's HTML page, an empty body) proves nothing about the token: transient.
- `token_suspended` means "token dead" whatever the HTTP status.
- An unexpected 3xx or 4xx (404, 405, a 400 other than a bad version, ...) means our
  request is wrong, not the token: misconfigured, for operators to fix. 408 is transient.
- A 200 whose body is not the `admin_with_app` shape is nonsense: transient.
- A 429 whose `X-RateLimit-Reset` is missing or garbage waits 60 s.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
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

DEAD_TOKEN_CODES = frozenset(
    {
        "unauthorized",
        "token_not_found",
        "token_revoked",
        "token_unauthorized",
        "token_expired",
        "token_blocked",
        "token_suspended",
    }
)
RATE_LIMIT_FALLBACK = timedelta(seconds=60)
# Unix seconds beyond this are not a plausible reset time (year 5138): treat as garbage.
_MAX_UNIX = 10**11

_TRANSPORT_REASONS = {
    "timeout": "Intercom did not answer in time",
    "connect": "Intercom could not be reached",
    "too_large": "Intercom's answer was far larger than expected",
    "invalid_json": "Intercom's answer was not valid JSON",
}
_CHECKS_CONTINUE = "a temporary problem; checks continue."

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
    if code == "token_suspended":
        return result(
            Outcome.TOKEN_DEAD,
            "Intercom says this app's access was suspended: reconnect the workspace "
            "once the app is reinstated.",
        )
    if status == 200:
        return _classify_ok(answer, expected_workspace, result)
    if status == 401:
        if error is None:
            return result(
                Outcome.TRANSIENT,
                "The check was refused (401) without Intercom's usual error body, "
                f"perhaps by a proxy: {_CHECKS_CONTINUE}",
            )
        return result(Outcome.TOKEN_DEAD, _dead_reason(code))
    if status == 403:
        if code == "api_plan_restricted":
            reason = (
                "Intercom says this workspace's plan does not include API access: "
                "upgrade the plan in Intercom, then press Check now."
            )
        else:
            reason = (
                "Intercom accepted the token but refused access (403): give the app the "
                "permissions it needs in Intercom's Developer Hub, then reconnect."
            )
        return result(Outcome.FORBIDDEN, reason)
    if status == 429:
        return result(
            Outcome.RATE_LIMITED,
            "Intercom is rate limiting this app: the next check waits until the limit resets.",
            reset_at=reset or now + RATE_LIMIT_FALLBACK,
        )
    if 500 <= status <= 599:
        return result(
            Outcome.TRANSIENT,
            f"Intercom answered {status}: a temporary problem on Intercom's side; checks continue.",
        )
    if status == 400 and code == "intercom_version_invalid":
        return result(
            Outcome.MISCONFIGURED,
            "Intercom rejected the API version the portal sends: an operator must set a "
            "supported Intercom-Version.",
        )
    if status == 408:
        return result(
            Outcome.TRANSIENT, f"Intercom timed out the request (408): {_CHECKS_CONTINUE}"
        )
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


def _dead_reason(code: str) -> str:
    if code == "token_revoked":
        return "Intercom says this token was revoked: reconnect the workspace."
    if code == "token_expired":
        return "Intercom says this token expired: reconnect the workspace."
    if code == "token_blocked":
        return "Intercom says this token is blocked: reconnect the workspace."
    return (
        "Intercom no longer accepts this token (the app was uninstalled or access was "
        "revoked): reconnect the workspace."
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
