"""Self-healing revocations and provider incidents, against the sandbox over real HTTP.

The clock is moved by moving the rows' own times back (a revocation "two hours ago"),
never by sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from connectors.engine import batch
from connectors.engine.batch import BatchReport
from connectors.engine.dispatch import connections_claim_due
from connectors.models import Connection, Incident, Transition
from connectors.notify.models import EventType, OutboxEvent
from connectors.notify.operators import incident_notify_operators
from portal.models import Team, User
from portal.roles import Role
from tests.engine.conftest import Linked, link
from tests.factories import MembershipFactory, TeamFactory, UserFactory
from tests.sandbox.conftest import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)

Sweep = Callable[..., BatchReport]
HOUR = timedelta(hours=1)


def _transitions(connection: Connection) -> list[tuple[str, str]]:
    rows = Transition.objects.filter(connection=connection).order_by("at", "id")
    return [(t.from_status, t.to_status) for t in rows]


def _revoked_ago(connection: Connection, ago: timedelta) -> None:
    """As if the revocation happened `ago`, and its re-check is due now."""
    Connection.objects.filter(pk=connection.pk).update(
        status_since=timezone.now() - ago, next_check_at=timezone.now()
    )


def _until_next(connection: Connection) -> timedelta:
    connection.refresh_from_db()
    assert connection.next_check_at is not None
    return connection.next_check_at - timezone.now()


def test_a_revoked_connection_is_rechecked_at_a_growing_cadence_and_recovers_after_two_good_answers(
    linked: Linked, sweep: Sweep, alice: User
) -> None:
    sweep()
    linked.sandbox.control("workspaces/acme0us1", {"mode": "401"})
    sweep()
    connection = linked.reload()
    assert connection.status == "revoked"
    assert HOUR * 0.85 < _until_next(connection) <= HOUR  # the first re-check: 1 h

    # (how long ago it was revoked, the next re-check's wait, jitter taking up to 10%)
    for ago, wait in [(HOUR, HOUR), (2 * HOUR, 2 * HOUR), (5 * HOUR, 5 * HOUR),
                      (30 * HOUR, 24 * HOUR)]:  # fmt: skip
        _revoked_ago(connection, ago)
        calls = linked.sandbox.control("workspaces/acme0us1").json()["me_calls"]
        sweep(force_due=False)
        assert linked.sandbox.control("workspaces/acme0us1").json()["me_calls"] == calls + 1
        assert linked.reload().status == "revoked"
        assert wait * 0.85 < _until_next(connection) <= wait, ago

    _revoked_ago(connection, timedelta(days=30, minutes=1))
    sweep(force_due=False)
    assert linked.reload().next_check_at is None  # past 30 days: only a reconnect

    _revoked_ago(connection, 3 * HOUR)
    linked.sandbox.control("workspaces/acme0us1", {"mode": "ok"})
    sweep(force_due=False)
    assert linked.reload().status == "revoked"  # one good answer is not a recovery
    sweep()
    connection = linked.reload()
    assert connection.status == "healthy"
    assert _transitions(connection) == [
        ("pending", "healthy"), ("healthy", "revoked"), ("revoked", "healthy"),
    ]  # fmt: skip
    assert connection.status_reason.startswith("Recovered: 2 good checks in a row.")
    told = OutboxEvent.objects.filter(connection=connection, event_type=EventType.STATUS_CHANGED)
    assert [(e.data["from"], e.data["to"]) for e in told.order_by("id")] == [
        ("healthy", "revoked"), ("revoked", "healthy"),
    ]  # fmt: skip


def test_the_connection_page_and_the_api_say_when_the_next_recheck_is(
    linked: Linked, sweep: Sweep, alice_client: Client, team: Team
) -> None:
    sweep()
    linked.sandbox.control("workspaces/acme0us1", {"mode": "401"})
    sweep()
    connection = linked.reload()
    Connection.objects.filter(pk=connection.pk).update(
        next_check_at=timezone.now() + timedelta(hours=2, minutes=1)
    )
    page = f"/t/{team.slug}/connections/{connection.pk}/"
    assert "Next re-check in 2\xa0hours" in alice_client.get(page).content.decode()

    _revoked_ago(connection, timedelta(days=31))
    sweep(force_due=False)
    assert "No longer re-checked; reconnect." in alice_client.get(page).content.decode()


def _fleet(sb: Sandbox, *, teams: int, each: int) -> list[Linked]:
    """`teams` teams, each with `each` connections (own apps) to the sandbox; admins mailed."""
    linked = []
    for n in range(teams):
        team = TeamFactory(name=f"Team {n}", slug=f"team-{n}")
        MembershipFactory(team=team, user=UserFactory(email=f"admin{n}@example.com"),
                          role=Role.OWNER)  # fmt: skip
        linked.extend(link(sb, team) for _ in range(each))
    return linked


@pytest.fixture
def fleet(sandbox_at: Sandbox, db: None) -> list[Linked]:
    return _fleet(sandbox_at, teams=3, each=4)


def _statuses() -> set[str]:
    return set(Connection.objects.values_list("status", flat=True))


def _team_status_mails(to: str) -> int:
    return OutboxEvent.objects.filter(event_type=EventType.STATUS_CHANGED, data__to=to).count()


def test_an_incident_holds_revocations_as_suspect_and_they_recover_when_it_ends(
    fleet: list[Linked], sweep: Sweep, sandbox_at: Sandbox, settings: Any
) -> None:
    UserFactory(email="ops@example.com", is_staff=True)
    sweep()
    assert _statuses() == {"healthy"}
    sandbox_at.control("sandbox", {"mode": "401"})
    sweep()
    assert _statuses() == {"suspect"}
    incident = Incident.objects.get()
    assert incident.ended_at is None
    assert (incident.provider, incident.region) == ("intercom", "us")
    assert (incident.checked, incident.bad, incident.teams) == (12, 12, 3)
    for connection in Connection.objects.all():
        assert connection.status_reason.startswith("Held as suspect, not revoked")
        assert "reconnect" not in connection.status_reason  # held: no advice to act
    assert _team_status_mails("suspect") == _team_status_mails("revoked") == 0

    assert incident_notify_operators(incident_id=incident.pk)
    assert not incident_notify_operators(incident_id=incident.pk)  # once only
    assert [m.to for m in mail.outbox] == [["ops@example.com"]]
    assert "Provider incident" in mail.outbox[0].subject

    sweep()  # still 401 everywhere: held
    assert _statuses() == {"suspect"}
    sandbox_at.control("sandbox", {"mode": "ok"})
    sweep()
    assert _statuses() == {"suspect"}  # one good answer is not a recovery
    sweep()
    assert _statuses() == {"healthy"}
    sweep()  # answers are back: the incident ends
    incident.refresh_from_db()
    assert incident.ended_at is not None
    assert Incident.objects.filter(ended_at__isnull=True).count() == 0
    for linked in fleet:
        assert _transitions(linked.reload()) == [
            ("pending", "healthy"), ("healthy", "suspect"), ("suspect", "healthy"),
        ]  # fmt: skip
    assert not OutboxEvent.objects.filter(event_type=EventType.STATUS_CHANGED).exists()


def test_the_banner_shows_on_ops_and_on_affected_team_pages_only(
    fleet: list[Linked], sweep: Sweep, sandbox_at: Sandbox, client_for: Callable[[User], Client]
) -> None:
    bystander = TeamFactory(name="Elsewhere", slug="elsewhere")
    owner = UserFactory()
    MembershipFactory(team=bystander, user=owner, role=Role.OWNER)
    staff = UserFactory(is_staff=True)
    sweep()
    sandbox_at.control("sandbox", {"mode": "401"})
    sweep()
    affected = fleet[0].connection.team
    admin = User.objects.get(email="admin0@example.com")
    detail = f"/t/{affected.slug}/connections/{fleet[0].connection.pk}/"
    pages = {
        "ops": (client_for(staff), "/ops/"),
        "team": (client_for(admin), f"/t/{affected.slug}/"),
        "connection": (client_for(admin), detail),
    }
    for name, (client, url) in pages.items():
        body = client.get(url).content.decode()
        assert "Provider incident: Intercom" in body, name
        assert "held as" in body, name
        assert "badge-suspect" in body, name
    assert (
        "Provider incident" not in client_for(owner).get(f"/t/{bystander.slug}/").content.decode()
    )
    team_page = client_for(admin).get(f"/t/{affected.slug}/").content.decode()
    assert "4 connections are held as" in team_page  # the team's own, not the fleet's


def test_a_token_still_dead_when_the_incident_ends_is_revoked_with_a_note(
    fleet: list[Linked], sweep: Sweep, sandbox_at: Sandbox
) -> None:
    sweep()
    dead = fleet[0]
    sandbox_at.control("sandbox", {"mode": "401"})
    sweep()
    assert _statuses() == {"suspect"}
    prefix = sandbox_at.control("tokens").json()["tokens"]
    mine = [t for t in prefix if t["client_id"] == dead.sandbox_app.client_id]
    sandbox_at.control(f"tokens/{mine[0]['id']}", {"mode": "401"})
    sandbox_at.control("sandbox", {"mode": "ok"})
    for _ in range(4):
        sweep()
    assert Incident.objects.filter(ended_at__isnull=True).count() == 0
    connection = dead.reload()
    assert connection.status == "revoked"
    assert connection.status_reason.startswith(
        "Held as suspect during a provider incident, which has ended; still dead."
    )
    others = Connection.objects.exclude(pk=connection.pk)
    assert set(others.values_list("status", flat=True)) == {"healthy"}
    assert _team_status_mails("revoked") == 1  # revoked as usual: its team is told


def test_a_token_still_dead_after_the_hold_is_revoked_with_a_note(
    fleet: list[Linked], sweep: Sweep, sandbox_at: Sandbox, settings: Any
) -> None:
    sweep()
    sandbox_at.control("sandbox", {"mode": "401"})
    sweep()
    assert _statuses() == {"suspect"}
    settings.HEALTH_INCIDENT_HOLD_SECONDS = 1800
    Connection.objects.update(status_since=timezone.now() - timedelta(minutes=31))
    sweep()
    assert _statuses() == {"revoked"}
    assert Incident.objects.filter(ended_at__isnull=True).count() == 1  # still going on
    for connection in Connection.objects.all():
        assert connection.status_reason.startswith(
            "Held as suspect for 30 min during a provider incident; still dead."
        )
    assert _team_status_mails("revoked") == 12


def test_one_teams_dead_tokens_are_not_an_incident(sandbox_at: Sandbox, sweep: Sweep) -> None:
    fleet = _fleet(sandbox_at, teams=1, each=12)
    sweep()
    sandbox_at.control("sandbox", {"mode": "401"})
    sweep()
    assert _statuses() == {"revoked"}
    assert not Incident.objects.exists()
    assert len(fleet) == _team_status_mails("revoked")


def test_a_connection_page_shows_only_the_incident_of_its_own_region(
    fleet: list[Linked], sweep: Sweep, sandbox_at: Sandbox, client_for: Callable[[User], Client]
) -> None:
    sweep()
    sandbox_at.control("sandbox", {"mode": "401"})
    sweep()
    (ours,) = Incident.objects.filter(ended_at__isnull=True)
    assert fleet[0].reload().region == ours.region == "us"
    # Another region's incident, open at the same time.
    Incident.objects.create(provider="intercom", region="eu", started_at=timezone.now(),
                            checked=40, bad=30, teams=5)  # fmt: skip
    admin = User.objects.get(email="admin0@example.com")
    team = fleet[0].connection.team
    detail = client_for(admin).get(f"/t/{team.slug}/connections/{fleet[0].connection.pk}/")
    body = detail.content.decode()
    assert "Provider incident: Intercom (us)" in body
    assert "Provider incident: Intercom (eu)" not in body
    ops = client_for(UserFactory(is_staff=True)).get("/ops/").content.decode()
    assert "Provider incident: Intercom (us)" in ops
    assert "Provider incident: Intercom (eu)" in ops


def test_a_revocation_written_just_after_another_worker_declared_is_held(
    fleet: list[Linked], sweep: Sweep, sandbox_at: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race bench/detection.py found: a batch judges "no incident", another worker
    declares one (its hold finds nothing of this batch yet), then this batch writes."""
    sweep()
    dead = fleet[0]
    tokens = sandbox_at.control("tokens").json()["tokens"]
    (mine,) = [t for t in tokens if t["client_id"] == dead.sandbox_app.client_id]
    sandbox_at.control(f"tokens/{mine['id']}", {"mode": "401"})
    Connection.objects.filter(pk=dead.connection.pk).update(next_check_at=timezone.now())
    Connection.objects.exclude(pk=dead.connection.pk).update(next_check_at=None)
    claim = connections_claim_due(limit=10)
    retries: list[tuple[list[int], str]] = []
    batch.batch_run(ids=claim.ids, lease_token=claim.lease_token,
                    retry=lambda ids, token, _delay: retries.append((ids, token)))  # fmt: skip
    assert dead.reload().pending_confirmation  # the first dead answer: a retry confirms it

    judge = batch.incidents_judge

    def judged_then_declared_elsewhere(**kwargs: Any) -> set[tuple[str, str]]:
        keys = judge(**kwargs)
        Incident.objects.create(provider="intercom", region="us", started_at=timezone.now(),
                                checked=12, bad=6, teams=3, peak_bad=6)  # fmt: skip
        return keys

    monkeypatch.setattr(batch, "incidents_judge", judged_then_declared_elsewhere)
    ((ids, token),) = retries
    batch.batch_run(ids=ids, lease_token=token, trigger="confirm")
    connection = dead.reload()
    assert connection.status == "suspect"
    assert connection.status_reason.startswith("Held as suspect, not revoked")
    assert _transitions(connection)[-2:] == [("healthy", "revoked"), ("revoked", "suspect")]


def test_a_revocation_with_no_incident_declared_meanwhile_stays(
    fleet: list[Linked], sweep: Sweep, sandbox_at: Sandbox
) -> None:
    sweep()
    dead = fleet[0]
    tokens = sandbox_at.control("tokens").json()["tokens"]
    (mine,) = [t for t in tokens if t["client_id"] == dead.sandbox_app.client_id]
    sandbox_at.control(f"tokens/{mine['id']}", {"mode": "401"})
    sweep()
    assert dead.reload().status == "revoked"
    assert not Incident.objects.exists()
    assert _transitions(dead.connection)[-1] == ("healthy", "revoked")
