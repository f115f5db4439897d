"""A second provider that lives only here proves the provider boundary.

"FakeDesk" registers itself like any provider folder would (one `Provider` object), with
its own hosts (per customer: the team types its site), probe, classifier and revoke
call, served by a local HTTP server. It goes through the portal's real pages and engine:
register an app, connect by token, scheduled checks, an outage, recovery, disconnect.
Nothing outside this file knows it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from connectors.engine.batch import batch_run
from connectors.engine.dispatch import connections_claim_due
from connectors.health.outcomes import Classification, Outcome, ProbeAnswer, WorkspaceIdentity
from connectors.http import AsyncHttp, Timeout, async_http_get, http_request
from connectors.models import App, Check, Connection
from connectors.providers import (
    Provider,
    Region,
    RevokeOutcome,
    provider_register,
    provider_unregister,
)
from portal.models import Team
from portal.secrets import Secret

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "fd_live_" + "k" * 40
WORKSPACE = {"id": "ws-4242", "name": "Initrode Help"}


@dataclass
class DeskState:
    """What the fake FakeDesk serves: "ok", or "down" (503 to everything)."""

    mode: str = "ok"
    tokens: set[str] = field(default_factory=lambda: {TOKEN})
    calls: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, bearer


def _handler(state: DeskState) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real API host

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def _bearer(self) -> str:
            return self.headers.get("Authorization", "").removeprefix("Bearer ")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            token = self._bearer()
            state.calls.append((method, self.path, token))
            if state.mode == "down":
                self._answer(503, {"error": "maintenance"})
            elif token not in state.tokens:
                self._answer(401, {"error": "invalid_token"})
            elif (method, self.path) == ("GET", "/api/whoami"):
                user = {"id": "u-7", "name": "Peter Gibbons", "email": "peter@initrode.example"}
                self._answer(200, {"workspace": WORKSPACE, "user": user})
            elif (method, self.path) == ("POST", "/api/revoke"):
                state.tokens.discard(token)
                self._answer(200, {"revoked": True})
            else:
                self._answer(404, {"error": "not_found"})

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


_SITE = re.compile(r"127\.0\.0\.1:\d{2,5}")


class FakeDesk(Provider):
    """A provider whose hosts are per customer: the app's "region" is the customer's site."""

    key = "fakedesk"
    name = "FakeDesk"
    console_name = "admin console"
    region_label = "Your FakeDesk site"
    region_help = "The host and port of your FakeDesk site."

    def region(self, key: str) -> Region | None:
        if not _SITE.fullmatch(key):
            return None
        return Region(key=key, label=f"{key} (your site)", authorize_url="", token_url="",
                      api_base=f"http://{key}/api")  # fmt: skip

    async def probe(
        self, client: AsyncHttp, region: Region, token: Secret, timeout: Timeout
    ) -> ProbeAnswer:
        result = await async_http_get(
            client, f"{region.api_base}/whoami", headers={"Accept": "application/json"},
            bearer=token, timeout=timeout,
        )  # fmt: skip
        return ProbeAnswer(status=result.status, json=result.json, headers=result.headers,
                           error_kind=result.error_kind, elapsed_ms=result.elapsed_ms)  # fmt: skip

    def classify(
        self, answer: ProbeAnswer, *, expected_workspace: str | None, now: datetime
    ) -> Classification:
        body = answer.json if isinstance(answer.json, dict) else {}
        if answer.error_kind or answer.status is None or answer.status >= 500:
            return Classification(Outcome.TRANSIENT, "FakeDesk is not answering properly.",
                                  http_status=answer.status)  # fmt: skip
        if answer.status == 401:
            code = str(body.get("error", ""))
            return Classification(Outcome.TOKEN_DEAD, "FakeDesk says the token is invalid.",
                                  http_status=401, error_code=code)  # fmt: skip
        workspace = body.get("workspace") if answer.status == 200 else None
        if not isinstance(workspace, dict):
            return Classification(Outcome.MISCONFIGURED, "FakeDesk answered oddly.",
                                  http_status=answer.status)  # fmt: skip
        user = body.get("user") or {}
        identity = WorkspaceIdentity(
            external_id=str(workspace["id"]), name=str(workspace.get("name", "")),
            admin_id=str(user.get("id", "")), admin_name=str(user.get("name", "")),
            admin_email=str(user.get("email", "")),
        )  # fmt: skip
        if expected_workspace is not None and identity.external_id != expected_workspace:
            return Classification(Outcome.WRONG_WORKSPACE, "Another FakeDesk workspace.",
                                  http_status=200, workspace=identity)  # fmt: skip
        return Classification(Outcome.OK, "", http_status=200, workspace=identity)

    def revoke(self, *, region: Region, token: Secret) -> RevokeOutcome:
        result = http_request(
            "POST", f"{region.api_base}/revoke", bearer=token, timeout=Timeout(total=5.0),
            retry_safe=True, purpose=self.key,
        )  # fmt: skip
        return RevokeOutcome(ok=result.ok, detail=f"FakeDesk answered HTTP {result.status}.")


@pytest.fixture
def desk() -> Iterator[tuple[DeskState, str]]:
    """FakeDesk registered, and its site served on a free local port."""
    state = DeskState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    provider_register(FakeDesk())
    try:
        yield state, f"127.0.0.1:{server.server_address[1]}"
    finally:
        provider_unregister("fakedesk")
        server.shutdown()
        server.server_close()


def _sweep() -> None:
    """Make every checked connection due and run the engine's claim and batch."""
    Connection.objects.filter(next_check_at__isnull=False).update(next_check_at=timezone.now())
    claim = connections_claim_due(limit=50)
    retries: list[tuple[list[int], str]] = []
    batch_run(ids=claim.ids, lease_token=claim.lease_token,
              retry=lambda ids, token, _delay: retries.append((ids, token)))  # fmt: skip
    for ids, token in retries:
        batch_run(ids=ids, lease_token=token, trigger="confirm")


def test_a_provider_defined_only_in_tests_goes_through_the_whole_life_of_a_connection(
    desk: tuple[DeskState, str], alice_client: Client, team: Team
) -> None:
    state, site = desk
    base = f"/t/{team.slug}"

    # Register an app: FakeDesk is offered, and asks for the customer's site.
    page = alice_client.get(f"{base}/apps/new/?provider=fakedesk")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Add FakeDesk app" in html
    assert "Your FakeDesk site" in html
    # An internal integration: the wizard asks for its access token, checks it with the
    # provider's own probe, and connects its workspace as it saves the app.
    form = {"kind": "internal", "name": "Initrode desk", "access_token": TOKEN}
    refused = alice_client.post(f"{base}/apps/new/?provider=fakedesk",
                                {**form, "region": "example.com"})  # fmt: skip
    assert refused.status_code == 200
    assert "FakeDesk does not recognise “example.com”" in refused.content.decode()
    saved = alice_client.post(f"{base}/apps/new/?provider=fakedesk", {**form, "region": site})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    app = App.objects.get(team=team, provider="fakedesk")
    assert app.region == site

    # Connecting by token again is a reconnect of the same workspace.
    added = alice_client.post(f"{base}/apps/{app.public_id}/add-token/", {"token": TOKEN})
    assert added.status_code == 302, added.content.decode()[:2000]
    connection = Connection.objects.get(app=app)
    assert (connection.provider, connection.external_id) == ("fakedesk", "ws-4242")
    assert connection.workspace_name == "Initrode Help"
    assert connection.status == "healthy"
    assert ("GET", "/api/whoami", TOKEN) in state.calls

    # Scheduled checks, an outage, and recovery, by the README's rules: degraded on a
    # transient error, failing after 3 in a row, healthy again after 2 good checks.
    expected = [("ok", "healthy"), ("down", "degraded"), ("down", "degraded"),
                ("down", "failing"), ("ok", "failing"), ("ok", "healthy")]  # fmt: skip
    seen = []
    for mode, _status in expected:
        state.mode = mode
        _sweep()
        connection.refresh_from_db()
        seen.append((mode, connection.status))
    assert seen == expected
    assert Check.objects.filter(connection=connection, trigger="schedule").count() == 6
    detail = alice_client.get(f"{base}/connections/{connection.pk}/")
    assert detail.status_code == 200
    assert "Initrode Help" in detail.content.decode()

    # Disconnect: the token is revoked at FakeDesk and wiped here.
    gone = alice_client.post(f"{base}/connections/{connection.pk}/disconnect/")
    assert gone.status_code == 302
    connection.refresh_from_db()
    assert connection.status == "disconnected"
    assert connection.access_token is None
    assert ("POST", "/api/revoke", TOKEN) in state.calls
    assert TOKEN not in state.tokens
