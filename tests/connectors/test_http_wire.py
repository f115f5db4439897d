"""connectors.http on the wire, against a real HTTP/1.1 server on 127.0.0.1: keep-alive
reuse, chunked and gzipped answers, size caps, header injection, proxies."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from connectors.http import HttpResult, Timeout, async_http_get, http_request, make_async_client
from connectors.http.clients import proxy_for
from portal.secrets import Secret

TOKEN = "tok_live_wire_0123456789SECRET"
FAST = Timeout(connect=1, read=2, total=5)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0
    hits = 0
    lock = threading.Lock()
    paths: list[str]

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up early (timeouts, size caps) are the point of some tests


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive unless a route says otherwise
    server: Server

    def setup(self) -> None:
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", headers.pop("content_type", "application/json"))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        with self.server.lock:
            self.server.hits += 1
            self.server.paths.append(self.path)
        if self.path == "/json":
            self._send(200, b'{"ok": true}')
        elif self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b'{"chunked": ', b"true}"):
                self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/gzip":
            self._send(200, gzip.compress(b'{"zipped": true}'), Content_Encoding="gzip")
        elif self.path == "/gzip-bomb":  # 8 MiB of zeros in about 8 KiB on the wire
            self._send(200, gzip.compress(b"0" * (8 * 1024 * 1024)), Content_Encoding="gzip")
        elif self.path == "/slow":
            time.sleep(1.0)
            self._send(200, b"{}")
        elif self.path == "/huge-declared":
            self._send(200, b"[1]" * 400)
        elif self.path == "/huge-unsized":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"[" + b"1," * 4096)
            self.close_connection = True
        elif self.path == "/badjson":
            self._send(200, b"{not json")
        elif self.path == "/echo-auth":
            auth = self.headers.get("Authorization", "")
            self._send(401, f"you sent {auth}".encode(), content_type="text/plain")
        elif self.path == "/closes":  # HTTP/1.1 with no "Connection: close", then hangs up
            self._send(200, b'{"ok": true}')
            self.close_connection = True
        elif self.path.startswith("http://"):  # a proxy's request line names the whole URL
            self._send(200, json.dumps({"proxied": self.path}).encode())
        else:
            self._send(404, b"{}")


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.paths = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def base(server: Server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def _get_all(urls: list[str], *, per_host: int = 4, **kwargs: Any) -> list[HttpResult]:
    async def run() -> list[HttpResult]:
        async with make_async_client(max_connections=10, per_host=per_host) as client:
            return list(
                await asyncio.gather(
                    *(async_http_get(client, url, timeout=FAST, **kwargs) for url in urls)
                )
            )

    return asyncio.run(run())


def test_sequential_probes_reuse_one_keep_alive_connection(base: str, server: Server) -> None:
    async def run() -> list[HttpResult]:
        async with make_async_client(max_connections=4, per_host=4) as client:
            return [await async_http_get(client, f"{base}/json", timeout=FAST) for _ in range(10)]

    results = asyncio.run(run())
    assert [r.json for r in results] == [{"ok": True}] * 10
    assert server.connections == 1


def test_sync_calls_from_several_threads_share_keep_alive_connections(
    base: str, server: Server
) -> None:
    results: list[HttpResult] = []

    def caller() -> None:
        for _ in range(5):
            results.append(http_request("GET", f"{base}/json", purpose="wire", timeout=FAST))

    threads = [threading.Thread(target=caller) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.json for r in results] == [{"ok": True}] * 15
    assert server.connections <= 3  # at most one socket per thread's call in flight


def test_chunked_and_gzipped_answers_are_decoded(base: str) -> None:
    chunked, zipped = _get_all([f"{base}/chunked", f"{base}/gzip"])
    assert chunked.json == {"chunked": True}
    assert zipped.json == {"zipped": True}


def test_the_size_cap_counts_decoded_bytes_so_a_gzip_bomb_is_cut_off(base: str) -> None:
    (bomb,) = _get_all([f"{base}/gzip-bomb"], max_body_bytes=64 * 1024)
    assert bomb.error_kind == "too_large"
    assert bomb.status == 200
    assert bomb.json is None


def test_failures_come_back_as_results_not_exceptions(base: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{sock.getsockname()[1]}/json"
    slow, declared, unsized, bad = _get_all(
        [f"{base}/slow", f"{base}/huge-declared", f"{base}/huge-unsized", f"{base}/badjson"],
        max_body_bytes=1024,
    )
    (refused_result,) = _get_all([refused])
    assert (refused_result.error_kind, refused_result.attempts) == ("connect", 2)
    assert declared.error_kind == "too_large"
    assert declared.text_excerpt == ""  # declared too large: not read at all
    assert unsized.error_kind == "too_large"
    assert bad.error_kind == "invalid_json"
    assert slow.ok  # one second is inside FAST's read timeout ...

    async def impatient() -> HttpResult:
        async with make_async_client(max_connections=1, per_host=1) as client:
            return await async_http_get(client, f"{base}/slow", timeout=Timeout(total=0.3))

    late = asyncio.run(impatient())  # ... but not inside a 0.3 s total
    assert late.error_kind == "timeout"
    assert late.status is None


def test_a_token_reaches_neither_the_result_nor_the_log(
    base: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="connectors.http")
    (result,) = _get_all([f"{base}/echo-auth"], bearer=Secret(TOKEN))
    assert result.status == 401
    assert "[redacted]" in result.text_excerpt
    assert TOKEN not in repr(result) + json.dumps(dict(result.headers))
    assert TOKEN not in caplog.text
    assert "/echo-auth -> 401" in caplog.text


def test_a_header_with_a_line_break_is_never_sent(base: str, server: Server) -> None:
    (result,) = _get_all([f"{base}/json"], bearer=Secret("abc\r\nX-Smuggled: 1"))
    assert result.error_kind is not None
    assert result.status is None
    assert server.hits == 0


def test_a_keep_alive_socket_the_server_closed_is_replaced_quietly(
    base: str, server: Server
) -> None:
    async def run() -> list[HttpResult]:
        async with make_async_client(max_connections=1, per_host=1) as client:
            first = await async_http_get(client, f"{base}/closes", timeout=FAST)
            await asyncio.sleep(0.1)  # the server has hung up by now
            return [first, await async_http_get(client, f"{base}/json", timeout=FAST)]

    first, second = asyncio.run(run())
    assert first.ok
    assert second.ok
    assert second.attempts == 1
    assert server.connections == 2


@pytest.fixture
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    proxy_for.cache_clear()
    yield monkeypatch
    proxy_for.cache_clear()


def test_a_proxy_in_the_environment_carries_the_calls(
    base: str, server: Server, no_proxy_env: pytest.MonkeyPatch
) -> None:
    no_proxy_env.setenv("HTTP_PROXY", base)
    (through,) = _get_all(["http://api.example.invalid/me"])
    assert through.json == {"proxied": "http://api.example.invalid/me"}
    no_proxy_env.setenv("NO_PROXY", "api.example.invalid")
    proxy_for.cache_clear()
    assert proxy_for("http", "api.example.invalid") is None
    assert proxy_for("http", "other.example.invalid") == base
