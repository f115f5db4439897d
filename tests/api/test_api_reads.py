"""Reading through the API: apps, connections (filtered, paginated), one connection's health."""

from __future__ import annotations

import pytest

from connectors.models import Connection
from portal.models import Team
from tests.api.conftest import KeyMaker
from tests.connectors.factories import AppFactory, ConnectionFactory

pytestmark = pytest.mark.django_db


def test_a_read_key_lists_the_teams_apps(
    team: Team, connection: Connection, make_key: KeyMaker, api: object
) -> None:
    response = api(make_key(team, ["read"])).get("/api/v1/apps")  # type: ignore[operator]
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["items"][0]["id"] == connection.app.public_id  # type: ignore[union-attr]


def test_connections_are_filtered_by_status_and_app_and_paginated(
    team: Team, connection: Connection, make_key: KeyMaker, api: object
) -> None:
    other_app = AppFactory(team=team)
    for _ in range(3):
        ConnectionFactory(app=other_app, status="revoked")
    client = api(make_key(team, ["read"]))  # type: ignore[operator]

    everything = client.get("/api/v1/connections").json()
    assert everything["count"] == 4
    revoked = client.get("/api/v1/connections", {"status": "revoked"}).json()
    assert revoked["count"] == 3
    assert {c["status"] for c in revoked["items"]} == {"revoked"}
    by_app = client.get("/api/v1/connections", {"app": connection.app.public_id}).json()  # type: ignore[union-attr]
    assert [c["id"] for c in by_app["items"]] == [connection.pk]
    page = client.get("/api/v1/connections", {"limit": 2, "offset": 2}).json()
    assert len(page["items"]) == 2
    assert page["count"] == 4


def test_one_connection_comes_with_its_health(
    team: Team, connection: Connection, make_key: KeyMaker, api: object
) -> None:
    response = api(make_key(team, ["read"])).get(f"/api/v1/connections/{connection.pk}")  # type: ignore[operator]
    assert response.status_code == 200
    body = response.json()
    assert body["workspace_name"] == "Acme Support"
    assert body["health"]["status"] == "healthy"
    assert "access_token" not in response.content.decode()


def test_a_bad_parameter_is_a_json_error(team: Team, make_key: KeyMaker, api: object) -> None:
    response = api(make_key(team, ["read"])).get("/api/v1/connections", {"limit": 0})  # type: ignore[operator]
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_the_openapi_document_and_docs_page_are_served(client: object) -> None:
    schema = client.get("/api/v1/openapi.json").json()  # type: ignore[attr-defined]
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/connections/{connection_id}/token" in schema["paths"]
    docs = client.get("/api/v1/docs/")  # type: ignore[attr-defined]
    assert docs.status_code == 200
    assert b"GET /api/v1/connections" in docs.content
    assert b"cdn" not in docs.content.lower()
