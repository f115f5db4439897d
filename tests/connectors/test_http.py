"""connectors.http against a real HTTP server on 127.0.0.1: answers, failures, limits, logs."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from connectors.http import (
    HttpResult,
    Timeout,
    async_http_request,
    http_request,
    make_async_client,
    portal_version,
)
from portal.secrets import Secret

TOKEN = "tok_live_0123456789abcdefSECRET"
FAST = Timeout(connect=1, read=2, total=5)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    hits: Counter[str]
    in_flight: int
    most_in_flight: int
    lock: threading.Lock

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that hang up early (timeouts, size caps) are the point of some tests


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the connection closes after each answer
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload).encode())

    def do_POST(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        self.server.hits[f"{self.command} {parts.path}"] += 1
        route = parts.path
        if route == "/json":
            self._json(200, {"ok": True})
        elif route == "/headers":
            self._json(200, {k.lower(): v for k, v in self.headers.items()})
        elif route.startswith("/status/"):
            code = int(route.rsplit("/", 1)[1])
            self._json(code, {"type": "error.list", "errors": [{"code": "server_error"}]})
        elif route == "/held":  # counts how many are served at once
            with self.server.lock:
                self.server.in_flight += 1
                self.server.most_in_flight = max(self.server.most_in_flight, self.server.in_flight)
            time.sleep(0.2)
            with self.server.lock:
                self.server.in_flight -= 1
            self._json(200, {"held": True})
        elif route == "/slow":
            time.sleep(int(query.get("ms", ["500"])[0]) / 1000)
            self._json(200, {"slow": True})
        elif route == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(40):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.1)
        elif route == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            chunk = b"[" + b"1," * 32768
            for _ in range(50):  # about 3 MiB, with no Content-Length
                self.wfile.write(chunk)
        elif route == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
            self.wfile.write(b"[1,2,3")
        elif route == "/badjson":
            self._send(200, b"{not json at all", "application/json")
        elif route == "/html":
            self._send(502, b"<html>Bad gateway</html>", "text/html")
        elif route == "/echo-auth":
            auth = self.headers.get("Authorization", "")
            self._send(401, f"you sent {auth} and {TOKEN}".encode(), "text/plain")
        elif route == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/json")
            self.end_headers()
        elif route == "/form":
            length = int(self.headers.get("Content-Length", "0"))
            self._json(200, parse_qs(self.rfile.read(length).decode()))
        else:
            self._json(404, {"missing": route})


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.hits, httpd.in_flight, httpd.most_in_flight = Counter(), 0, 0
    httpd.lock = threading.Lock()
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def base(server: Server) -> str:
    server.hits.clear()
    server.most_in_flight = 0
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def refused_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing"


def test_a_json_answer_comes_back_as_plain_values(base: str) -> None:
    result = http_request("GET", f"{base}/json", timeout=FAST)
    assert result.ok
    assert result.status == 200
    assert result.json == {"ok": True}
    assert result.error_kind is None
    assert result.header("Content-Type") == "application/json"
    assert result.text_excerpt == '{"ok": true}'
    assert result.elapsed_ms >= 0
    assert result.attempts == 1


def test_every_request_carries_the_portal_user_agent_and_its_own_headers(base: str) -> None:
    result = http_request(
        "GET", f"{base}/headers", purpose="test-provider", headers={"X-Extra": "1"}, timeout=FAST
    )
    assert result.json["user-agent"] == f"ConnectorPortal/{portal_version()} (+http://testserver)"
    assert result.json["x-extra"] == "1"
    plain = http_request("GET", f"{base}/headers", purpose="test-provider", timeout=FAST)
    assert "x-extra" not in plain.json


def test_a_bearer_secret_is_sent_but_scrubbed_from_the_excerpt(base: str) -> None:
    result = http_request("GET", f"{base}/echo-auth", bearer=Secret(TOKEN), timeout=FAST)
    assert result.status == 401
    assert TOKEN not in result.text_excerpt
    assert "you sent Bearer [redacted]" in result.text_excerpt


def test_a_secret_in_form_data_is_revealed_only_on_the_wire(base: str) -> None:
    result = http_request(
        "POST", f"{base}/form", data={"client_secret": Secret(TOKEN), "code": "c"}, timeout=FAST
    )
    assert result.json == {"client_secret": [TOKEN], "code": ["c"]}
    assert TOKEN not in result.text_excerpt


def test_a_slow_server_times_out_as_a_result_not_an_exception(base: str) -> None:
    started = time.monotonic()
    result = http_request("GET", f"{base}/slow?ms=2000", timeout=Timeout(connect=1, read=0.3))
    assert result.error_kind == "timeout"
    assert result.status is None
    assert not result.ok
    assert time.monotonic() - started < 1.5
    assert "did not answer in time" in result.error_detail


def test_the_total_timeout_caps_a_server_that_drips_its_answer(base: str) -> None:
    started = time.monotonic()
    result = http_request("GET", f"{base}/drip", timeout=Timeout(connect=1, read=1, total=0.5))
    assert result.error_kind == "timeout"
    assert result.status == 200
    assert time.monotonic() - started < 1.5


def test_no_call_goes_without_a_timeout(base: str) -> None:
    with pytest.raises(TypeError, match="no call goes without one"):
        http_request("GET", f"{base}/json", timeout=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        Timeout(read=0)


def test_a_refused_connection_is_retried_once_for_get(refused_url: str) -> None:
    result = http_request("GET", refused_url, timeout=FAST)
    assert result.error_kind == "connect"
    assert result.status is None
    assert result.attempts == 2


def test_a_post_is_never_retried_unless_the_caller_says_it_is_safe(refused_url: str) -> None:
    assert http_request("POST", refused_url, timeout=FAST).attempts == 1
    assert http_request("POST", refused_url, timeout=FAST, retry_safe=True).attempts == 2
    assert http_request("GET", refused_url, timeout=FAST, retry_safe=False).attempts == 1


def test_a_server_error_is_returned_once_and_never_retried(base: str, server: Server) -> None:
    for method in ("GET", "POST"):
        result = http_request(method, f"{base}/status/503", timeout=FAST)
        assert result.status == 503
        assert result.error_kind is None
        assert result.json["type"] == "error.list"
        assert not result.ok
    assert server.hits["GET /status/503"] == 1
    assert server.hits["POST /status/503"] == 1


def test_a_huge_body_is_cut_off_at_the_cap(base: str) -> None:
    result = http_request("GET", f"{base}/huge", timeout=FAST, max_body_bytes=64 * 1024)
    assert result.error_kind == "too_large"
    assert result.status == 200
    assert result.json is None
    assert len(result.text_excerpt) <= 300
    default_cap = http_request("GET", f"{base}/huge", timeout=FAST)
    assert default_cap.error_kind == "too_large"


def test_a_declared_huge_body_is_not_read_at_all(base: str) -> None:
    result = http_request("GET", f"{base}/huge-declared", timeout=FAST)
    assert result.error_kind == "too_large"
    assert result.text_excerpt == ""


def test_a_body_that_claims_json_but_is_not_is_flagged(base: str) -> None:
    result = http_request("GET", f"{base}/badjson", timeout=FAST)
    assert result.status == 200
    assert result.error_kind == "invalid_json"
    assert result.json is None
    assert result.text_excerpt == "{not json at all"


def test_a_non_json_error_page_is_an_answer_without_json(base: str) -> None:
    result = http_request("GET", f"{base}/html", timeout=FAST)
    assert (result.status, result.error_kind, result.json) == (502, None, None)
    assert "Bad gateway" in result.text_excerpt


def test_redirects_are_not_followed(base: str) -> None:
    result = http_request("GET", f"{base}/redirect", timeout=FAST)
    assert result.status == 302
    assert result.header("location") == "/json"


def test_an_unusable_url_is_a_result_too() -> None:
    assert http_request("GET", "ftp://example.com/x", timeout=FAST).error_kind == "invalid_url"
    assert http_request("GET", "not a url", timeout=FAST).error_kind == "invalid_url"


def test_log_lines_never_hold_the_token_or_query_values(
    base: str, refused_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    port = urlsplit(base).port
    url = f"http://127.0.0.1:{port}/echo-auth?code=abc987code&x=1"
    http_request("GET", url, bearer=Secret(TOKEN), timeout=FAST)
    http_request("POST", refused_url, data={"client_secret": Secret(TOKEN)}, timeout=FAST)
    slow = f"http://user:pw@127.0.0.1:{port}/slow?ms=1000&token=abc987code"
    http_request("GET", slow, timeout=Timeout(read=0.2))
    lines = [r.getMessage() for r in caplog.records if r.name == "connectors.http"]
    assert len(lines) == 3
    assert "GET http://127.0.0.1:" in lines[0]
    assert "/echo-auth?code=[redacted]&x=[redacted] -> 401" in lines[0]
    assert "(connect)" in lines[1]
    assert "(timeout)" in lines[2]
    everything = caplog.text + "\n".join(lines)
    for leaked in (TOKEN, "abc987code", "user:pw", "pw@"):
        assert leaked not in everything


def test_results_are_plain_frozen_values(base: str) -> None:
    result = http_request("GET", f"{base}/json", timeout=FAST)
    assert isinstance(result, HttpResult)
    with pytest.raises(AttributeError):
        result.status = 500  # type: ignore[misc]


def test_async_requests_share_a_pool_and_respect_the_per_host_cap(
    base: str, server: Server
) -> None:
    async def batch() -> list[HttpResult]:
        async with make_async_client(max_connections=10, per_host=2) as client:
            return await asyncio.gather(
                *(async_http_request(client, "GET", f"{base}/held", timeout=FAST) for _ in range(6))
            )

    started = time.monotonic()
    results = asyncio.run(batch())
    assert [r.status for r in results] == [200] * 6
    assert server.most_in_flight == 2
    assert time.monotonic() - started >= 0.55  # three rounds of two


def test_async_failures_come_back_as_results(base: str, refused_url: str) -> None:
    async def run() -> list[HttpResult]:
        async with make_async_client(max_connections=4, per_host=4) as client:
            return [
                await async_http_request(client, "GET", refused_url, timeout=FAST),
                await async_http_request(client, "POST", refused_url, timeout=FAST),
                await async_http_request(
                    client, "GET", f"{base}/slow?ms=2000", timeout=Timeout(read=5, total=0.3)
                ),
                await async_http_request(
                    client, "GET", f"{base}/huge", timeout=FAST, max_body_bytes=1024
                ),
                await async_http_request(client, "GET", f"{base}/badjson", timeout=FAST),
                await async_http_request(client, "GET", f"{base}/json", bearer=Secret(TOKEN)),
            ]

    refused_get, refused_post, slow, huge, bad, good = asyncio.run(run())
    assert (refused_get.error_kind, refused_get.attempts) == ("connect", 2)
    assert (refused_post.error_kind, refused_post.attempts) == ("connect", 1)
    assert slow.error_kind == "timeout"
    assert huge.error_kind == "too_large"
    assert bad.error_kind == "invalid_json"
    assert good.ok
    assert good.json == {"ok": True}


def test_a_prepared_call_never_shows_its_secrets_in_a_repr(base: str) -> None:
    from connectors.http.calls import DEFAULT_TIMEOUT, prepare_call

    call = prepare_call(
        "POST",
        f"{base}/form?code=abc987code",
        headers={"X-Key": Secret(TOKEN)},
        bearer=Secret(TOKEN),
        data={"client_secret": Secret(TOKEN)},
        json=None,
        timeout=DEFAULT_TIMEOUT,
        retry_safe=None,
        purpose="default",
        max_body_bytes=1024,
    )
    assert TOKEN not in repr(call)
    assert "abc987code" not in repr(call)
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
