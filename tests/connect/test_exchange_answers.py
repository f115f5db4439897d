"""The code exchange's answers, over real HTTP, classified as INTERCOM.md's "Token exchange
errors" say: the client's credentials, the code, or Intercom's own trouble.

The sandbox answers the documented 401s ("Unauthorized Client", "Unauthorized Code"); a
small local server plays Intercom having trouble (5xx JSON, a proxy's HTML, silence).
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator

import pytest

from connectors.http import Timeout
from connectors.oauth import FailureKind
from connectors.providers.intercom import client
from connectors.providers.intercom.sandbox.models import SandboxApp
from connectors.providers.intercom.views import exchange_failure
from portal.secrets import Secret
from tests.sandbox.conftest import Sandbox, sandbox, sandbox_app  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)

# path -> (status, content type, body) the troubled "Intercom" sends.
TROUBLE = {
    "/500": (500, "application/json",
             b'{"type":"error.list","request_id":"r1","errors":[{"code":"server_error",'
             b'"message":"Server Error"}]}'),
    "/502": (502, "text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    "/503": (503, "text/html", b"<html><body><h1>503 Service Unavailable</h1></body></html>"),
    "/503-empty": (503, "text/plain", b""),
}  # fmt: skip


class _Troubled(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/silent":
            time.sleep(2)
            return
        status, kind, body = TROUBLE[self.path]
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def troubled() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Troubled)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _exchange(token_url: str, code: str, client_id: str, secret: str) -> object:
    result = client.code_exchange(
        token_url=token_url, code=code, client_id=client_id, client_secret=Secret(secret)
    )
    return exchange_failure(result)


def test_a_wrong_client_secret_says_the_client_id_or_secret_is_wrong(
    sandbox: Sandbox,  # noqa: F811
    sandbox_app: SandboxApp,  # noqa: F811
) -> None:
    code = sandbox.approve(sandbox_app)["code"]
    failure = _exchange(f"{sandbox.base}/auth/eagle/token", code, sandbox_app.client_id, "wrong")
    assert failure is not None
    assert failure.kind is FailureKind.EXCHANGE_REFUSED  # type: ignore[attr-defined]
    message = failure.message  # type: ignore[attr-defined]
    assert "client ID or client secret" in message
    assert "Developer Hub" in message


def test_a_reused_code_says_try_again_and_never_blames_the_secret(
    sandbox: Sandbox,  # noqa: F811
    sandbox_app: SandboxApp,  # noqa: F811
) -> None:
    code = sandbox.approve(sandbox_app)["code"]
    assert sandbox.exchange(sandbox_app, code).status_code == 200
    secret = sandbox_app.client_secret  # type: ignore[attr-defined]
    failure = _exchange(f"{sandbox.base}/auth/eagle/token", code, sandbox_app.client_id, secret)
    assert failure is not None
    message = failure.message  # type: ignore[attr-defined]
    assert "already used" in message
    assert "Try again" in message
    assert "secret" not in message


def test_a_good_exchange_is_no_failure(
    sandbox: Sandbox,  # noqa: F811
    sandbox_app: SandboxApp,  # noqa: F811
) -> None:
    code = sandbox.approve(sandbox_app)["code"]
    secret = sandbox_app.client_secret  # type: ignore[attr-defined]
    assert (
        _exchange(f"{sandbox.base}/auth/eagle/token", code, sandbox_app.client_id, secret) is None
    )


@pytest.mark.parametrize("path", [*TROUBLE, "/silent", "/closed"])
def test_intercoms_trouble_says_try_again_and_never_mentions_the_secret(
    troubled: str, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client, "INTERACTIVE_TIMEOUT", Timeout(connect=1.0, read=0.5, total=1.0))
    # A port nothing listens on: the connection is refused.
    url = "http://127.0.0.1:9/token" if path == "/closed" else f"{troubled}{path}"
    failure = _exchange(url, "a-code=", "client-id", "s3cret")
    assert failure is not None
    assert failure.kind is FailureKind.UNREACHABLE  # type: ignore[attr-defined]
    message = failure.message  # type: ignore[attr-defined]
    assert "Try again" in message
    assert "secret" not in message
