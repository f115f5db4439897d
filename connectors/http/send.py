"""Sending through aiohttp: retries, the deadline and the size cap, for sync and async callers.

aiohttp (its HTTP parser is compiled) costs far less CPU per request than httpx, whose
connection pool scans every connection and queued request on each request and release:
at a health sweep's hundreds of probes in flight that dominated a worker's CPU.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import aiohttp.abc

from connectors.http.calls import (
    DEFAULT_TIMEOUT,
    MAX_BODY_BYTES,
    RETRY_PAUSE_SECONDS,
    Call,
    ErrorKind,
    HttpResult,
    Timeout,
    Values,
    build_result,
    prepare_call,
)
from connectors.http.clients import AsyncHttp, proxy_for, run_sync
from portal.secrets import Secret


@functools.cache
def _socket_timeouts(timeout: Timeout) -> aiohttp.ClientTimeout:
    # Timeout.total is kept by asyncio.timeout around the whole call, retries included.
    return aiohttp.ClientTimeout(total=None, sock_connect=timeout.connect, sock_read=timeout.read)


def _error_kind(exc: Exception) -> ErrorKind:
    if isinstance(exc, TimeoutError):  # aiohttp's own timeouts are TimeoutErrors too
        return "timeout"
    if isinstance(exc, aiohttp.ClientOSError):  # refused, reset, unreachable, TLS, DNS
        return "connect"
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError | ValueError):
        return "invalid_url"  # ValueError: also a header holding a line break, never sent
    return "protocol"


def _is_retryable(exc: Exception) -> bool:
    # The request never reached the server: repeating it cannot do anything twice.
    return isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)


async def _read_body(response: aiohttp.ClientResponse, limit: int) -> tuple[bytes, bool]:
    """(body, cut off): stops reading once past `limit` bytes, so nonsense stays small.

    The limit holds for the decoded body: a small gzip bomb is cut off like a big body.
    """
    declared = response.content_length
    if declared is not None and declared > limit:
        return b"", True
    headers = response.headers  # case-insensitive
    if (
        declared is not None
        and "Content-Encoding" not in headers
        and "Transfer-Encoding" not in headers
    ):
        return await response.read(), False  # exactly `declared` bytes: within the limit
    body = bytearray()
    async for chunk in response.content.iter_any():
        body += chunk
        if len(body) > limit:
            return bytes(body[:limit]), True
    return bytes(body), False


async def _send(client: AsyncHttp, call: Call) -> HttpResult:
    """One call through `client`; every failure comes back as an `HttpResult`."""
    started = time.monotonic()
    attempt = 0
    status: int | None = None
    headers: Mapping[str, str] | None = None
    try:
        parts = urlsplit(call.url)
        proxy = proxy_for(parts.scheme, parts.hostname or "")
        async with asyncio.timeout(call.timeout.total):
            while True:
                attempt += 1
                try:
                    response = await client.session.request(
                        call.method,
                        call.url,
                        headers=call.headers,
                        data=call.content if call.content is not None else call.data,
                        json=call.json,
                        allow_redirects=False,  # a token must never follow a redirect
                        proxy=proxy,
                        timeout=_socket_timeouts(call.timeout),
                    )
                except (aiohttp.ClientError, OSError, ValueError) as exc:
                    if attempt <= call.retries and _is_retryable(exc):
                        await asyncio.sleep(RETRY_PAUSE_SECONDS)
                        continue
                    raise
                break
            status, headers = response.status, response.headers
            try:
                body, too_large = await _read_body(response, call.max_body_bytes)
            except BaseException:
                response.close()
                raise
            if too_large:
                response.close()  # the rest is never read: the socket cannot be reused
            else:
                response.release()
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        # TimeoutError is an OSError: the deadline and aiohttp's socket timeouts land here.
        return build_result(
            call, started=started, attempts=max(attempt, 1), status=status, headers=headers,
            error=_error_kind(exc),
        )  # fmt: skip
    return build_result(
        call, started=started, attempts=attempt, status=status, headers=headers, body=body,
        too_large=too_large,
    )  # fmt: skip


class _PinnedResolver(aiohttp.abc.AbstractResolver):
    """Answers every lookup with the one address the caller already resolved and checked,
    so nothing resolves the name a second time (DNS rebinding). The URL keeps its host
    name, which stays in the Host header and in TLS (SNI and the certificate check)."""

    def __init__(self, address: str) -> None:
        self.address = address

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[aiohttp.abc.ResolveResult]:
        kind = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        return [{"hostname": host, "host": self.address, "port": port, "family": kind,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]  # fmt: skip

    async def close(self) -> None:
        return None


async def _send_pinned(call: Call, address: str) -> HttpResult:
    # Its own one-connection client: a pooled socket to this address must never serve
    # another host's request, nor this host's request go to a pooled socket elsewhere.
    pinned = AsyncHttp(
        max_connections=1, per_host=1, purpose=call.purpose, resolver=_PinnedResolver(address)
    )
    async with pinned:
        return await _send(pinned, call)


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
    """Send one request through the pooled client for `purpose`; never raises for the network.

    `connect_to`: an IP address the caller has already resolved and checked; the request
    goes there with no lookup of its own, on a connection used for it alone.

    `retry_safe=None` retries connect failures for GET/HEAD/OPTIONS only; pass True for
    a POST that is safe to repeat. Secret values in `headers`/`data` and `bearer` are
    revealed only here, and scrubbed from the excerpt.
    """
    call = prepare_call(
        method, url, headers=headers, bearer=bearer, data=data, json=json, timeout=timeout,
        retry_safe=retry_safe, purpose=purpose, max_body_bytes=max_body_bytes, content=content,
    )  # fmt: skip
    if connect_to is not None:
        address = connect_to
        return run_sync(purpose, lambda _client: _send_pinned(call, address))
    return run_sync(purpose, lambda client: _send(client, call))


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
    return await _send(client, call)


async def async_http_get(
    client: AsyncHttp,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    bearer: Secret | None = None,
    timeout: Timeout,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> HttpResult:
    """A GET through `client` (a health probe): `async_http_request` with a required timeout."""
    return await async_http_request(
        client, "GET", url, headers=headers, bearer=bearer, timeout=timeout,
        max_body_bytes=max_body_bytes,
    )  # fmt: skip
