"""The API on self-healing revocations and held (suspect) connections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.models import Team
from tests.api.conftest import KeyMaker
from tests.connectors.factories import AppFactory, ConnectionFactory

pytestmark = pytest.mark.django_db

REVOKED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NEXT = REVOKED_AT + timedelta(hours=2)


def test_a_revoked_connection_says_when_it_is_rechecked_and_until_when(
    team: Team, make_key: KeyMaker, api: object
) -> None:
    revoked = ConnectionFactory(app=AppFactory(team=team), status="revoked",
                                status_since=REVOKED_AT, next_check_at=NEXT)  # fmt: skip
    body = api(make_key(team, ["read"])).get(f"/api/v1/connections/{revoked.pk}").json()  # type: ignore[operator]
    assert body["next_check_at"].startswith("2026-03-01T14:00:00")
    # The documented default: re-checked for 30 days after the revocation.
    assert body["health"]["rechecks_until"].startswith("2026-03-31T12:00:00")


def test_a_healthy_connection_has_no_recheck_window(
    team: Team, make_key: KeyMaker, api: object
) -> None:
    healthy = ConnectionFactory(app=AppFactory(team=team), status="healthy")
    body = api(make_key(team, ["read"])).get(f"/api/v1/connections/{healthy.pk}").json()  # type: ignore[operator]
    assert body["health"]["rechecks_until"] is None


def test_suspect_connections_are_listed_and_filtered(
    team: Team, make_key: KeyMaker, api: object
) -> None:
    app = AppFactory(team=team)
    for status in ("suspect", "suspect", "revoked", "healthy"):
        ConnectionFactory(app=app, status=status)
    client = api(make_key(team, ["read"]))  # type: ignore[operator]
    held = client.get("/api/v1/connections", {"status": "suspect"}).json()
    assert held["count"] == 2
    assert {c["status"] for c in held["items"]} == {"suspect"}
    assert client.get("/api/v1/connections", {"status": "nonsense"}).status_code == 422
