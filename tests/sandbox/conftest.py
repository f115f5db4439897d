"""Fixtures for the sandbox Intercom: an app, and a real HTTP client for the live server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.providers.intercom.sandbox.models import SandboxApp
from tests.sandbox.factories import SandboxAppFactory


@dataclass
class Sandbox:
    """The sandbox over real HTTP, with the steps a portal would take."""

    base: str
    http: httpx.Client

    def consent(self, app: SandboxApp, **query: str) -> httpx.Response:
        params = {"client_id": app.client_id, "state": "s1", **query}
        return self.http.get(f"{self.base}/oauth", params=params)

    def approve(self, app: SandboxApp, workspace: str = "acme0us1", **query: str) -> dict[str, str]:
        """Approve on the consent page like a browser; answer the redirect's query."""
        page = self.consent(app, **query)
        assert page.status_code == 200, page.text
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert csrf is not None
        answer = self.http.post(
            str(page.url),
            data={"csrfmiddlewaretoken": csrf.group(1), "workspace": workspace, "approve": "1"},
        )
        assert answer.status_code == 302, answer.text
        query_params = parse_qs(urlsplit(answer.headers["location"]).query)
        return {key: values[0] for key, values in query_params.items()}

    def exchange(self, app: SandboxApp, code: str, secret: str | None = None) -> httpx.Response:
        data = {
            "code": code,
            "client_id": app.client_id,
            "client_secret": secret if secret is not None else app.client_secret,  # type: ignore[attr-defined]
        }
        return self.http.post(f"{self.base}/auth/eagle/token", data=data)

    def connect(self, app: SandboxApp, workspace: str = "acme0us1") -> dict[str, Any]:
        """The whole dance: consent, approve, exchange; answer the token body."""
        code = self.approve(app, workspace)["code"]
        answer = self.exchange(app, code)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def me(self, token: str, **headers: str) -> httpx.Response:
        sent = {"Authorization": f"Bearer {token}", "Accept": "application/json", **headers}
        return self.http.get(f"{self.base}/me", headers=sent)

    def control(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        if body is None:
            return self.http.get(f"{self.base}/_control/{path}")
        return self.http.post(f"{self.base}/_control/{path}", json=body)


@pytest.fixture
def sandbox(live_server: Any) -> Iterator[Sandbox]:
    with httpx.Client(timeout=10) as http:
        yield Sandbox(base=f"{live_server.url}/sandbox/intercom", http=http)


@pytest.fixture
def sandbox_app(db: None) -> SandboxApp:
    app: SandboxApp = SandboxAppFactory()
    return app
