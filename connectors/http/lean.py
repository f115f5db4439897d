"""A lean asyncio HTTP/1.1 GET for health probes: keep-alive sockets, little CPU per call.

httpx costs about a millisecond of CPU per request, and its connection pool scans every
connection for every request (quadratic at a few hundred in flight); at 10,000 probes a
sweep that dominated the worker's CPU. A health probe needs far less: one GET, a small
JSON answer, a per-host cap, timeouts, a size cap and a redacted log line. This module
does exactly that over `asyncio` streams and answers the same `HttpResult` as
`async_http_request`. Anything unusual (a proxy in the environment) falls back to httpx.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
import urllib.request
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from connectors.http.calls import (
    _ERROR_DETAILS,
    MAX_BODY_BYTES,
    ErrorKind,
    HttpResult,
    Timeout,
    _excerpt,
    _parse_json,
    log_result,
    safe_url,
)
from connectors.http.clients import AsyncHttp, default_headers, user_agent
from connectors.http.send import async_http_request
from portal.secrets import Secret

logger = logging.getLogger("connectors.http")

HEAD_LIMIT = 64 * 1024  # an answer's status line and headers; more is a broken server
IDLE_SECONDS = 20.0  # a pooled socket idle longer than this is not reused (servers drop them)


class _ProtocolError(Exception):
    """The server broke HTTP/1.1 (or answered more than we accept)."""


class _StaleConnection(Exception):
    """A reused keep-alive socket was closed by the server before any answer came."""


@dataclass
class _Socket:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    idle_since: float
    reused: bool = False

    def close(self) -> None:
        self.writer.close()


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # The same trust store httpx uses (certifi), built once: contexts are costly.
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi ships with httpx
        return ssl.create_default_context()


@functools.cache
def lean_supported(scheme: str, host: str) -> bool:
    """Plain http(s) with no proxy configured for `host`; otherwise use httpx."""
    if scheme not in {"http", "https"} or not host:
        return False
    proxies = urllib.request.getproxies()
    return scheme not in proxies or bool(urllib.request.proxy_bypass(host))


class LeanPool:
    """Idle keep-alive sockets per (scheme, host, port), for one batch's probes."""

    def __init__(self, *, max_connections: int) -> None:
        self.slots = asyncio.Semaphore(max_connections)
        self._idle: dict[tuple[str, str, int], list[_Socket]] = {}

    async def acquire(self, scheme: str, host: str, port: int, connect_timeout: float) -> _Socket:
        now = time.monotonic()
        idle = self._idle.get((scheme, host, port), [])
        while idle:
            sock = idle.pop()
            if now - sock.idle_since < IDLE_SECONDS and not sock.reader.at_eof():
                sock.reused = True
                return sock
            sock.close()
        async with asyncio.timeout(connect_timeout):
            reader, writer = await asyncio.open_connection(
                host,
                port,
                ssl=_tls_context() if scheme == "https" else None,
                limit=HEAD_LIMIT,
            )
        return _Socket(reader, writer, now)

    def release(self, key: tuple[str, str, int], sock: _Socket) -> None:
        sock.idle_since = time.monotonic()
        sock.reused = False
        self._idle.setdefault(key, []).append(sock)

    async def aclose(self) -> None:
        for sockets in self._idle.values():
            for sock in sockets:
                sock.close()
        self._idle.clear()


def _request_bytes(host: str, target: str, headers: Mapping[str, str]) -> bytes:
    lines = [f"GET {target} HTTP/1.1", f"Host: {host}"]
    for name, value in headers.items():
        # A CR or LF would let a value smuggle a second header (or request): refuse it.
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise ValueError("a header contains a line break")
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def _read_head(sock: _Socket, read_timeout: float) -> tuple[int, dict[str, str], bool]:
    """(status, lower-cased headers, keep-alive) of the answer on `sock`."""
    try:
        async with asyncio.timeout(read_timeout):
            head = await sock.reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if sock.reused and not exc.partial:
            raise _StaleConnection from exc
        raise _ProtocolError("the connection closed before a full answer") from exc
    except asyncio.LimitOverrunError as exc:
        raise _ProtocolError("the answer's headers were too large") from exc
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise _ProtocolError("not an HTTP/1.x status line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, sep, value = line.partition(":")
            if not sep:
                raise _ProtocolError("a header line without a colon")
            headers[name.strip().lower()] = value.strip()
    connection = headers.get("connection", "").lower()
    keep_alive = parts[0] == "HTTP/1.1" and "close" not in connection
    return int(parts[1]), headers, keep_alive


async def _read_chunked(reader: asyncio.StreamReader, limit: int) -> tuple[bytes, bool]:
    body = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError as exc:
            raise _ProtocolError("a bad chunk size") from exc
        if size == 0:
            await _skip_trailers(reader)
            return bytes(body), False
        if len(body) + size > limit:
            return bytes(body[:limit]), True
        body += await reader.readexactly(size)
        await reader.readexactly(2)


async def _skip_trailers(reader: asyncio.StreamReader) -> None:
    while await reader.readuntil(b"\r\n") != b"\r\n":
        pass


async def _read_body(
    sock: _Socket, headers: Mapping[str, str], limit: int, status: int
) -> tuple[bytes, bool, bool]:
    """(body, cut off, reusable) for an answer whose head has been read."""
    if status in (204, 304) or 100 <= status < 200:
        return b"", False, True
    reader = sock.reader
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body, too_large = await _read_chunked(reader, limit)
        return body, too_large, not too_large
    length = headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise _ProtocolError("a bad Content-Length")
        size = int(length)
        if size > limit:
            return b"", True, False
        return await reader.readexactly(size), False, True
    body = await reader.read(limit + 1)  # no length: the body runs to the end of the stream
    while body and len(body) <= limit and not reader.at_eof():
        more = await reader.read(limit + 1 - len(body))
        if not more:
            break
        body += more
    return body[:limit], len(body) > limit, False


def _decoded(body: bytes, headers: Mapping[str, str]) -> bytes:
    # We never ask for compression, but a server may send it anyway.
    encoding = headers.get("content-encoding", "identity").lower()
    if encoding == "gzip":
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompress(body)
    return body


def _result(
    *,
    url: str,
    started: float,
    attempts: int,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    secrets: list[str],
    error: ErrorKind | None = None,
) -> HttpResult:
    parsed = None
    if error is None and status is not None:
        parsed, invalid = _parse_json(body, (headers or {}).get("content-type", ""))
        if invalid:
            error = "invalid_json"
    ok = error is None and status is not None and 200 <= status < 300
    # A good answer's excerpt is never read; skipping its redaction saves most of the CPU.
    excerpt = "" if ok else _excerpt(body, secrets)
    result = HttpResult(
        status=status,
        headers=dict(headers or {}),
        json=parsed,
        text_excerpt=excerpt,
        elapsed_ms=int((time.monotonic() - started) * 1000),
        error_kind=error,
        error_detail=_ERROR_DETAILS[error] if error else "",
        attempts=attempts,
        url=safe_url(url),
    )
    if not ok or logger.isEnabledFor(logging.DEBUG):
        log_result(result=result, method="GET", purpose="health-lean")
    return result


async def lean_get(
    pool: LeanPool,
    host_slots: asyncio.Semaphore,
    url: str,
    *,
    headers: Mapping[str, str],
    bearer: Secret | None,
    timeout: Timeout,
    purpose: str,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> HttpResult:
    """One GET through `pool`, holding one of `host_slots`; never raises for network trouble.

    Timeout.total covers the whole call, including the wait for a slot. A GET whose
    reused keep-alive socket turns out closed is sent once more on a fresh socket (it
    never reached the server); so is one whose connection was refused.
    """
    started = time.monotonic()
    secrets: list[str] = []
    parts = urlsplit(url)
    scheme, host = parts.scheme, parts.hostname or ""
    port = parts.port or (443 if scheme == "https" else 80)
    key = (scheme, host, port)
    merged = {"User-Agent": user_agent(), **default_headers(purpose), **headers}
    if bearer is not None:
        token = bearer.reveal()
        secrets.append(token)
        merged["Authorization"] = f"Bearer {token}"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    attempts = 0
    status: int | None = None
    try:
        payload = _request_bytes(netloc, target, merged)
        async with asyncio.timeout(timeout.total), host_slots, pool.slots:
            while True:
                attempts += 1
                try:
                    sock = await pool.acquire(scheme, host, port, timeout.connect)
                except OSError:
                    if attempts <= 1:
                        await asyncio.sleep(0.2)
                        continue
                    raise
                try:
                    sock.writer.write(payload)
                    status, answer_headers, keep_alive = await _read_head(sock, timeout.read)
                    async with asyncio.timeout(timeout.read):
                        raw, too_large, reusable = await _read_body(
                            sock, answer_headers, max_body_bytes, status
                        )
                except _StaleConnection:
                    sock.close()
                    attempts -= 1  # the server never saw it: not an attempt
                    continue
                except BaseException:
                    sock.close()
                    raise
                if keep_alive and reusable:
                    pool.release(key, sock)
                else:
                    sock.close()
                break
        if too_large:
            return _result(url=url, started=started, attempts=attempts, status=status,
                           headers=answer_headers, secrets=secrets, error="too_large")  # fmt: skip
        body = _decoded(raw, answer_headers)
    except TimeoutError:
        return _result(url=url, started=started, attempts=attempts, status=status,
                       secrets=secrets, error="timeout")  # fmt: skip
    except ValueError:
        # A line break in a header, or a URL we cannot send.
        return _result(url=url, started=started, attempts=max(attempts, 1), secrets=secrets,
                       error="invalid_url")  # fmt: skip
    except (_ProtocolError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, zlib.error):
        return _result(url=url, started=started, attempts=attempts, status=status,
                       secrets=secrets, error="protocol")  # fmt: skip
    except OSError:  # refused, reset, unreachable, TLS failure
        return _result(url=url, started=started, attempts=attempts, secrets=secrets,
                       error="connect")  # fmt: skip
    return _result(url=url, started=started, attempts=attempts, status=status,
                   headers=answer_headers, body=body, secrets=secrets)  # fmt: skip


async def async_http_get(
    client: AsyncHttp,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    bearer: Secret | None = None,
    timeout: Timeout,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> HttpResult:
    """A GET through `client`: the lean path where it applies, else `async_http_request`."""
    parts = urlsplit(url)
    if not lean_supported(parts.scheme, parts.hostname or ""):
        return await async_http_request(
            client, "GET", url, headers=headers, bearer=bearer, timeout=timeout,
            max_body_bytes=max_body_bytes,
        )  # fmt: skip
    return await lean_get(
        client.lean, client.slots_for(parts.netloc), url, headers=headers or {}, bearer=bearer,
        timeout=timeout, purpose=client.purpose, max_body_bytes=max_body_bytes,
    )  # fmt: skip
