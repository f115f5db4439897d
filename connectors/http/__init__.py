"""The one way the portal talks HTTP to the outside world.

Every call has a timeout, a User-Agent, bounded body size and a redacted log line, and
comes back as an `HttpResult` rather than a library's exception, so callers classify
answers with plain code. Retries happen only where a repeat cannot do harm. One library
(aiohttp) carries every call, sync and async.

    result = http_request("GET", url, bearer=token, timeout=Timeout(read=5), purpose="health")
    if result.error_kind == "timeout": ...
"""

from __future__ import annotations

from connectors.http.calls import (
    DEFAULT_TIMEOUT,
    MAX_BODY_BYTES,
    ErrorKind,
    HttpResult,
    Timeout,
    safe_url,
)
from connectors.http.clients import (
    AsyncHttp,
    make_async_client,
    portal_version,
    run_sync,
    user_agent,
)
from connectors.http.send import async_http_get, async_http_request, http_request

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_BODY_BYTES",
    "AsyncHttp",
    "ErrorKind",
    "HttpResult",
    "Timeout",
    "async_http_get",
    "async_http_request",
    "http_request",
    "make_async_client",
    "portal_version",
    "run_sync",
    "safe_url",
    "user_agent",
]
