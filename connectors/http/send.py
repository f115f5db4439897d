"""Sending: the sync and async entry points, with retries, deadlines and the size cap."""

from __future__ import annotations

import asyncio
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.http.calls import (
    DEFAULT_TIMEOUT,
    MAX_BODY_BYTES,
    RETRY_PAUSE_SECONDS,
    Call,
    HttpResult,
    Timeout,
    Values,
    build_result,
    is_retryable,
    prepare_call,
    transport_error_kind,
)
from connectors.http.clients import AsyncHttp, get_client
from portal.secrets import Secret


def _build(client: httpx.Client | httpx.AsyncClient, call: Call) -> httpx.Request:
    return client.build_request(
        call.method,
        call.url,
        headers=call.headers,
        data=call.data,
        json=call.json,
        content=call.content,
        timeout=call.timeout.for_httpx(),
    )


def _pin(request: httpx.Request, address: str) -> None:
    # The pool keys connections by (scheme, address, port): "close" keeps one checked for
    # this host from being reused for another host on the same address.
    request.extensions["sni_hostname"] = request.url.host
    request.url = request.url.copy_with(host=address)
    request.headers["Connection"] = "close"


def _declared_too_large(response: httpx.Response, limit: int) -> bool:
    try:
        return int(response.headers.get("content-length", "0")) > limit
    except ValueError:
        return False


class _PastDeadline(Exception):
    """The whole call took longer than Timeout.total."""


def _read_body(response: httpx.Response, limit: int, deadline: float) -> tuple[bytes, bool]:
    """(body, cut off): stops reading once past `limit` bytes, so nonsense stays small."""
    if _declared_too_large(response, limit):
        return b"", True
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            return bytes(body[:limit]), True
        if time.monotonic() > deadline:
            raise _PastDeadline
    return bytes(body), False


async def _aread_body(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    if _declared_too_large(response, limit):
        return b"", True
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            return bytes(body[:limit]), True
    return bytes(body), False


def http_request(
    method: str,
    url: str,
    *,
    headers: Values | None = None,
    bearer: Secret | None = None,
    data: Values | None = None,
    json: Any = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    retry_safe: bool | None = None,
    purpose: str = "default",
    max_body_bytes: int = MAX_BODY_BYTES,
    content: bytes | None = None,
    connect_to: str | None = None,
) -> HttpResult:
    """Send one request through the pooled client for `purpose`; never raises httpx errors.

    `connect_to`: an IP address the caller has already resolved and checked; the request
    goes there with no lookup of its own, the URL's host staying in Host and in TLS (SNI
    and certificate check), on a connection that is closed after it.

    `retry_safe=None` retries connect failures for GET/HEAD/OPTIONS only; pass True for
    a POST that is safe to repeat. Secret values in `headers`/`data` and `bearer` are
    revealed only here, and scrubbed from the excerpt.
    """
    call = prepare_call(
        method, url, headers=headers, bearer=bearer, data=data, json=json, timeout=timeout,
        retry_safe=retry_safe, purpose=purpose, max_body_bytes=max_body_bytes, content=content,
    )  # fmt: skip
    started = time.monotonic()
    deadline = started + timeout.total
    attempt = 0
    while True:
        attempt += 1
        client = get_client(purpose)
        try:
            request = _build(client, call)
            if connect_to is not None:
                _pin(request, connect_to)
            response = client.send(request, stream=True)
        except (httpx.HTTPError, ValueError) as exc:
            can_retry = attempt <= call.retries and is_retryable(exc)
            if can_retry and time.monotonic() + RETRY_PAUSE_SECONDS < deadline:
                time.sleep(RETRY_PAUSE_SECONDS)
                continue
            kind = transport_error_kind(exc)
            return build_result(call, started=started, attempts=attempt, error=kind)
        break
    try:
        body, too_large = _read_body(response, max_body_bytes, deadline)
    except _PastDeadline:
        return build_result(
            call, started=started, attempts=attempt, response=response, error="timeout"
        )
    except httpx.HTTPError as exc:
        kind = transport_error_kind(exc)
        return build_result(call, started=started, attempts=attempt, response=response, error=kind)
    finally:
        response.close()
    return build_result(
        call, started=started, attempts=attempt, response=response, body=body, too_large=too_large
    )


async def async_http_request(
    client: AsyncHttp,
    method: str,
    url: str,
    *,
    headers: Values | None = None,
    bearer: Secret | None = None,
    data: Values | None = None,
    json: Any = None,
    timeout: Timeout = DEFAULT_TIMEOUT,
    retry_safe: bool | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> HttpResult:
    """`http_request` for asyncio, through `client` and its per-host cap.

    Timeout.total covers the whole call, including the wait for a per-host slot.
    """
    call = prepare_call(
        method, url, headers=headers, bearer=bearer, data=data, json=json, timeout=timeout,
        retry_safe=retry_safe, purpose=client.purpose, max_body_bytes=max_body_bytes,
    )  # fmt: skip
    started = time.monotonic()
    attempt = 0
    response: httpx.Response | None = None
    try:
        async with asyncio.timeout(timeout.total), client.slots_for(urlsplit(url).netloc):
            while True:
                attempt += 1
                try:
                    response = await client.client.send(_build(client.client, call), stream=True)
                except (httpx.HTTPError, ValueError) as exc:
                    if attempt <= call.retries and is_retryable(exc):
                        await asyncio.sleep(RETRY_PAUSE_SECONDS)
                        continue
                    kind = transport_error_kind(exc)
                    return build_result(call, started=started, attempts=attempt, error=kind)
                break
            try:
                body, too_large = await _aread_body(response, max_body_bytes)
            finally:
                await response.aclose()
    except TimeoutError:
        return build_result(
            call, started=started, attempts=attempt, response=response, error="timeout"
        )
    except httpx.HTTPError as exc:
        kind = transport_error_kind(exc)
        return build_result(call, started=started, attempts=attempt, response=response, error=kind)
    return build_result(
        call, started=started, attempts=attempt, response=response, body=body, too_large=too_large
    )
