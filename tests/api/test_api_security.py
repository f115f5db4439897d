"""Who may call what: keys, scopes, teams, revocation, expiry, rate limits, token audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.api.models import ApiKey
from connectors.models import Connection
from portal.models import AuditEvent, Team
from tests.api.conftest import ACCESS_TOKEN, KeyMaker

pytestmark = pytest.mark.django_db


def test_another_teams_key_gets_404_for_our_connection(
    connection: Connection, charlie_team: Team, make_key: KeyMaker, api: object
) -> None:
    client = api(make_key(charlie_team, ["read", "check", "tokens"]))  # type: ignore[operator]
    for path in ("", "/token"):
        response = client.get(f"/api/v1/connections/{connection.pk}{path}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert client.post(f"/api/v1/connections/{connection.pk}/check").status_code == 404
    assert client.get("/api/v1/connections").json()["count"] == 0


def test_a_revoked_key_gets_401(team: Team, make_key: KeyMaker, api: object) -> None:
    raw = make_key(team, ["read"])
    ApiKey.objects.update(revoked_at=timezone.now())
    response = api(raw).get("/api/v1/apps")  # type: ignore[operator]
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_an_expired_key_gets_401(team: Team, make_key: KeyMaker, api: object) -> None:
    raw = make_key(team, ["read"], expires_at=timezone.now() - timedelta(seconds=1))
    assert api(raw).get("/api/v1/apps").status_code == 401  # type: ignore[operator]


def test_no_key_or_a_made_up_key_gets_401(client: object, api: object) -> None:
    assert client.get("/api/v1/apps").status_code == 401  # type: ignore[attr-defined]
    response = api("cpk_not-a-real-key").get("/api/v1/apps")  # type: ignore[operator]
    assert response.status_code == 401
    assert "Bearer" in response.json()["message"]


def test_a_read_key_cannot_fetch_tokens(
    team: Team, connection: Connection, make_key: KeyMaker, api: object
) -> None:
    response = api(make_key(team, ["read"])).get(f"/api/v1/connections/{connection.pk}/token")  # type: ignore[operator]
    assert response.status_code == 403
    assert response.json()["code"] == "scope_missing"
    assert ACCESS_TOKEN not in response.content.decode()


def test_a_tokens_key_fetches_the_token_and_every_read_is_audited(
    team: Team, connection: Connection, make_key: KeyMaker, api: object
) -> None:
    client = api(make_key(team, ["tokens"]))  # type: ignore[operator]
    for _ in range(2):
        response = client.get(f"/api/v1/connections/{connection.pk}/token")
        assert response.status_code == 200
        assert response.json()["access_token"] == ACCESS_TOKEN
        assert response["Cache-Control"] == "no-store"
    reads = AuditEvent.objects.filter(action="connection.token_read", team=team)
    assert reads.count() == 2
    assert reads.first().target_id == str(connection.pk)  # type: ignore[union-attr]
    assert "billing-sync" in reads.first().details["via"]  # type: ignore[union-attr]
    assert ACCESS_TOKEN not in str(list(reads.values()))
    key = ApiKey.objects.get()
    assert key.last_used_at is not None
    assert key.last_used_ip == "127.0.0.1"


@pytest.mark.parametrize("status", ["revoked", "disconnected"])
def test_a_dead_connection_answers_409_saying_reconnect(
    team: Team, connection: Connection, make_key: KeyMaker, api: object, status: str
) -> None:
    Connection.objects.filter(pk=connection.pk).update(status=status)
    response = api(make_key(team, ["tokens"])).get(f"/api/v1/connections/{connection.pk}/token")  # type: ignore[operator]
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "reconnect_required"
    assert "Reconnect" in body["message"]
    assert AuditEvent.objects.filter(action="connection.token_read").count() == 1


def test_hitting_the_rate_limit_gives_429_with_retry_after(
    team: Team, make_key: KeyMaker, api: object, settings: object
) -> None:
    settings.API_RATE_LIMIT_PER_MINUTE = 3  # type: ignore[attr-defined]
    client = api(make_key(team, ["read"]))  # type: ignore[operator]
    codes = [client.get("/api/v1/apps").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/apps")
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_check_now_answers_202_with_a_check_id_to_poll(
    team: Team, connection: Connection, make_key: KeyMaker, api: object, monkeypatch: object
) -> None:
    queued: list[int] = []
    monkeypatch.setattr("connectors.tasks.enqueue_check_now", queued.append)  # type: ignore[attr-defined]
    client = api(make_key(team, ["read", "check"]))  # type: ignore[operator]
    response = client.post(f"/api/v1/connections/{connection.pk}/check")
    assert response.status_code == 202
    body = response.json()
    assert queued == [connection.pk]
    poll = client.get(body["poll"])
    assert poll.status_code == 200
    assert poll.json()["state"] == "pending"


def test_check_now_with_the_broker_down_answers_503(
    team: Team, connection: Connection, make_key: KeyMaker, api: object, monkeypatch: object
) -> None:
    def broker_down(connection_id: int) -> None:
        raise ConnectionRefusedError("redis is down")

    monkeypatch.setattr("connectors.tasks.enqueue_check_now", broker_down)  # type: ignore[attr-defined]
    response = api(make_key(team, ["read", "check"])).post(
        f"/api/v1/connections/{connection.pk}/check"
    )  # type: ignore[operator]
    assert response.status_code == 503
    assert response.json()["code"] == "checks_delayed"
