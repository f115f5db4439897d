"""Intercom's HTTP calls (token exchange, `GET /me`, revoke), all through connectors.http."""

from __future__ import annotations

from connectors.health.outcomes import ProbeAnswer
from connectors.http import HttpResult, Timeout, http_request
from connectors.providers.base import Region, RevokeOutcome
from portal.secrets import Secret

API_VERSION = "2.14"
PURPOSE = "intercom"
# The exchange and the first /me run inside a person's request: fail fast rather than
# leave them staring at a spinner.
INTERACTIVE_TIMEOUT = Timeout(connect=5.0, read=10.0, total=15.0)


def _headers() -> dict[str, str]:
    return {"Accept": "application/json", "Intercom-Version": API_VERSION}


def code_exchange(
    *, token_url: str, code: str, client_id: str, client_secret: Secret
) -> HttpResult:
    """POST the authorization code, form-encoded, exactly as Intercom documents it."""
    return http_request(
        "POST",
        token_url,
        headers={"Accept": "application/json"},
        data={"code": code, "client_id": client_id, "client_secret": client_secret},
        timeout=INTERACTIVE_TIMEOUT,
        retry_safe=False,  # a code is single-use: never send it twice
        purpose=PURPOSE,
    )


def token_from_exchange(body: object) -> str | None:
    """The access token of a token answer: Intercom sends `token` and/or `access_token`."""
    if not isinstance(body, dict):
        return None
    for key in ("access_token", "token"):
        value = body.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def me_fetch(
    *, region: Region, token: Secret, timeout: Timeout = INTERACTIVE_TIMEOUT
) -> ProbeAnswer:
    """`GET /me` on the region's API host, as a `ProbeAnswer` for the classifier."""
    result = http_request(
        "GET",
        f"{region.api_base}/me",
        headers=_headers(),
        bearer=token,
        timeout=timeout,
        purpose=PURPOSE,
    )
    return ProbeAnswer(
        status=result.status,
        json=result.json,
        headers=result.headers,
        error_kind=result.error_kind,
        elapsed_ms=result.elapsed_ms,
    )


def token_revoke(*, region: Region, token: Secret) -> RevokeOutcome:
    """`POST /auth/uninstall`: best effort; the outcome is for the audit log."""
    result = http_request(
        "POST",
        f"{region.api_base}/auth/uninstall",
        headers=_headers(),
        bearer=token,
        timeout=INTERACTIVE_TIMEOUT,
        retry_safe=True,  # revoking twice is harmless
        purpose=PURPOSE,
    )
    if result.ok:
        return RevokeOutcome(ok=True, detail=f"Intercom revoked the token (HTTP {result.status}).")
    if result.error_kind:
        return RevokeOutcome(
            ok=False, detail=f"Intercom could not be reached: {result.error_detail}."
        )
    code = _error_code(result.json)
    if result.status == 401:
        # Already dead (uninstalled or revoked before): the goal is met.
        return RevokeOutcome(
            ok=True, detail=f"Intercom says the token was already invalid ({code})."
        )
    return RevokeOutcome(
        ok=False, detail=f"Intercom answered HTTP {result.status} {code}".strip() + "."
    )


def _error_code(body: object) -> str:
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            code = errors[0].get("code")
            if isinstance(code, str):
                return code[:60]
    return ""


def exchange_error_code(body: object) -> str:
    """Intercom's error code from a refused exchange (`error.list` or OAuth2's `error`)."""
    code = _error_code(body)
    if not code and isinstance(body, dict) and isinstance(body.get("error"), str):
        code = str(body["error"])[:60]
    return code
