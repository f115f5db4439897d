"""Intercom's health probe: `GET /me` on the connection's region host, asynchronously.

Also the refresh call for apps with expiring tokens (only the sandbox issues them:
Intercom's own tokens never expire).
"""

from __future__ import annotations

from connectors.engine.hooks import RefreshAnswer
from connectors.health.outcomes import ProbeAnswer, redact
from connectors.http import AsyncHttp, Timeout, async_http_get, http_request
from connectors.providers.base import Region
from portal.secrets import Secret

API_VERSION = "2.14"
HEADERS = {"Accept": "application/json", "Intercom-Version": API_VERSION}
REFRESH_TIMEOUT = Timeout(connect=5.0, read=10.0, total=15.0)


async def probe_me(
    client: AsyncHttp, region: Region, token: Secret, timeout: Timeout
) -> ProbeAnswer:
    """One `GET /me`, as a `ProbeAnswer` for `classify_me`."""
    result = await async_http_get(
        client, f"{region.api_base}/me", headers=HEADERS, bearer=token, timeout=timeout
    )
    return ProbeAnswer(
        status=result.status,
        json=result.json,
        headers=result.headers,
        error_kind=result.error_kind,
        elapsed_ms=result.elapsed_ms,
    )


def refresh_tokens(
    *, region: Region, client_id: str, client_secret: Secret, refresh_token: Secret
) -> RefreshAnswer:
    """`grant_type=refresh_token` at the region's token endpoint; never sent twice."""
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
        timeout=REFRESH_TIMEOUT,
        retry_safe=False,  # a refresh token is single-use: a repeat could burn the new one
        purpose="intercom-refresh",
    )
    body = result.json if isinstance(result.json, dict) else {}
    error = str(body.get("error", ""))
    if result.ok:
        access = body.get("access_token") or body.get("token")
        rotated = body.get("refresh_token")
        expires = body.get("expires_in")
        if isinstance(access, str) and access:
            return RefreshAnswer(
                kind="ok",
                access_token=Secret(access),
                refresh_token=Secret(rotated) if isinstance(rotated, str) and rotated else None,
                expires_in=expires if isinstance(expires, int) and expires > 0 else None,
            )
        return RefreshAnswer(kind="transient", detail="the token answer had no access token")
    if error == "invalid_grant":
        return RefreshAnswer(kind="invalid_grant", detail="invalid_grant")
    detail = result.error_detail or f"HTTP {result.status} {error}".strip()
    return RefreshAnswer(kind="transient", detail=redact(detail, limit=120))
