"""Intercom's HTTP calls (token exchange, `GET /me`, refresh, revoke), all through
connectors.http; hosts and answers as docs/intercom-setup.md sets them out."""

from __future__ import annotations

from connectors.health.outcomes import ProbeAnswer
from connectors.http import AsyncHttp, HttpResult, Timeout, async_http_get, http_request
from connectors.providers import INTERACTIVE_TIMEOUT, RefreshAnswer, Region, RevokeOutcome
from connectors.providers.intercom.versions import api_version
from portal.logs import redact
from portal.secrets import Secret

PURPOSE = "intercom"
# Longer than any real lifetime (ten years): a bigger `expires_in` is not believed.
MAX_TOKEN_LIFETIME = 10 * 365 * 24 * 3600


def _headers() -> dict[str, str]:
    return {"Accept": "application/json", "Intercom-Version": api_version()}


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


def expiring_from_exchange(body: object) -> dict[str, str | int]:
    """`refresh_token` and `expires_in` of a token answer, when both are usable.

    Intercom sends neither (its tokens never expire); the sandbox's "Not Intercom: expiring
    tokens" apps send both. An odd value (a negative or non-numeric lifetime) is dropped
    rather than trusted, so the connection is stored as never-expiring, as Intercom's are.
    """
    if not isinstance(body, dict):
        return {}
    rotated = body.get("refresh_token")
    lifetime = _positive_seconds(body.get("expires_in"))
    if not isinstance(rotated, str) or not rotated.strip() or lifetime is None:
        return {}
    return {"refresh_token": rotated.strip(), "expires_in": lifetime}


def _positive_seconds(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and 0 < value <= MAX_TOKEN_LIFETIME else None


async def me_probe(
    client: AsyncHttp, region: Region, token: Secret, timeout: Timeout
) -> ProbeAnswer:
    """One `GET /me` on the region's API host, as a `ProbeAnswer` for `classify_me`."""
    result = await async_http_get(
        client, f"{region.api_base}/me", headers=_headers(), bearer=token, timeout=timeout
    )
    return ProbeAnswer(
        status=result.status,
        json=result.json,
        headers=result.headers,
        error_kind=result.error_kind,
        elapsed_ms=result.elapsed_ms,
    )


def tokens_refresh(
    *, region: Region, client_id: str, client_secret: Secret, refresh_token: Secret
) -> RefreshAnswer:
    """`grant_type=refresh_token` at the region's token endpoint; never sent twice.

    Only the sandbox issues expiring tokens: Intercom's own never expire.
    """
    result = http_request(
        "POST",
        region.token_url,
        headers={"Accept": "application/json"},
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        },
        timeout=INTERACTIVE_TIMEOUT,
        retry_safe=False,  # a refresh token is single-use: a repeat could burn the new one
        purpose=f"{PURPOSE}-refresh",
    )
    body = result.json if isinstance(result.json, dict) else {}
    error = str(body.get("error", ""))
    if result.ok:
        access = body.get("access_token") or body.get("token")
        rotated = body.get("refresh_token")
        if isinstance(access, str) and access:
            return RefreshAnswer(
                kind="ok",
                access_token=Secret(access),
                refresh_token=Secret(rotated) if isinstance(rotated, str) and rotated else None,
                expires_in=_positive_seconds(body.get("expires_in")),
            )
        return RefreshAnswer(kind="transient", detail="the token answer had no access token")
    if error == "invalid_grant":
        return RefreshAnswer(kind="invalid_grant", detail="invalid_grant")
    detail = result.error_detail or f"HTTP {result.status} {error}".strip()
    return RefreshAnswer(kind="transient", detail=redact(detail, limit=120))


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


def exchange_error_message(body: object) -> str:
    """The human message of a refused exchange: `error.list`'s, or OAuth2's description."""
    if not isinstance(body, dict):
        return ""
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        message = errors[0].get("message")
        return message[:200] if isinstance(message, str) else ""
    description = body.get("error_description")
    return description[:200] if isinstance(description, str) else ""
