"""Fixtures for connecting workspaces: an app of alice's team and a faked Intercom."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from connectors.models import App
from connectors.providers.intercom import client as intercom_client
from portal.models import Team
from tests.connect.fake_intercom import FakeIntercom
from tests.connectors.factories import AppFactory


@pytest.fixture
def fake_intercom(monkeypatch: pytest.MonkeyPatch) -> FakeIntercom:
    fake = FakeIntercom()
    monkeypatch.setattr(intercom_client, "http_request", fake)
    monkeypatch.setattr(intercom_client, "async_http_get", fake.get)
    return fake


@pytest.fixture
def app(team: Team) -> App:
    app: App = AppFactory(team=team, region="us", name="Acme helpdesk")
    return app


@dataclass
class Started:
    location: str
    query: dict[str, list[str]]

    @property
    def state(self) -> str:
        return self.query["state"][0]


def connect_url(app: App) -> str:
    return f"/t/{app.team.slug}/apps/{app.public_id}/connect/"


def callback_url(app: App) -> str:
    return f"/accounts/intercom/intercom-{app.public_id}/login/callback/"


def start(client: Client, app: App) -> Started:
    """Press "Connect workspace": answer where the browser is sent."""
    response = client.post(connect_url(app))
    assert response.status_code == 302, response.content
    location = response["Location"]
    return Started(location=location, query=parse_qs(urlsplit(location).query))
