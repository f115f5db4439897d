"""Self-healing revocations and a provider incident with real workers: batches,
confirming retries, the outbox and the operators' notice all run in `celery worker`
processes over Redis and Postgres, against the sandbox over HTTP."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from connectors.models import Connection, Incident, Transition
from connectors.notify.models import EventType, OutboxEvent
from tests.engine.conftest import dispatch_until
from tests.engine.test_revoked_rechecks_and_incidents import _fleet
from tests.factories import UserFactory
from tests.sandbox.conftest import Sandbox
from tests.support.workers import WorkerPool, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def _statuses() -> set[str]:
    return set(Connection.objects.values_list("status", flat=True))


def _mails(folder: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in sorted(folder.glob("*.log"))]


@pytest.fixture
def mail(tmp_path: Path) -> Path:
    """The workers' file mail backend's folder."""
    folder = tmp_path / "mail"
    folder.mkdir()
    return folder


def _healthy_fleet(workers: WorkerPool, sandbox_at: Sandbox, mail: Path, **env: str) -> None:
    """Three teams of four connections, checked healthy by a started worker."""
    assert len(_fleet(sandbox_at, teams=3, each=4)) == 12
    workers.start(EMAIL_URL=f"filemail:///{mail}", **env)
    dispatch_until(workers, "every connection healthy", lambda: _statuses() == {"healthy"})


def test_a_sandbox_wide_401_is_one_incident_no_revocation_and_one_operator_email(
    workers: WorkerPool, sandbox_at: Sandbox, mail: Path
) -> None:
    UserFactory(email="ops@example.com", is_staff=True)
    _healthy_fleet(workers, sandbox_at, mail)

    sandbox_at.control("sandbox", {"mode": "401"})
    Connection.objects.update(next_check_at=timezone.now())  # at once, not at the interval
    dispatch_until(workers, "every connection suspect", lambda: _statuses() == {"suspect"})
    assert Incident.objects.filter(ended_at__isnull=True).count() == 1
    wait_for(lambda: any("Provider incident" in m for m in _mails(mail)), timeout=30,
             what="the operators' email", pool=workers)  # fmt: skip

    sandbox_at.control("sandbox", {"mode": "ok"})
    dispatch_until(workers, "every connection healthy again", lambda: _statuses() == {"healthy"})
    Connection.objects.update(next_check_at=timezone.now())
    dispatch_until(workers, "the incident's end",
           lambda: not Incident.objects.filter(ended_at__isnull=True).exists())  # fmt: skip

    assert Incident.objects.count() == 1
    assert not Connection.objects.filter(status="revoked").exists()
    incident_mails = [m for m in _mails(mail) if "Provider incident" in m]
    assert len(incident_mails) == 1
    assert "To: ops@example.com" in incident_mails[0]
    assert not any("is now revoked" in m or "is now suspect" in m for m in _mails(mail))
    assert not OutboxEvent.objects.filter(event_type=EventType.STATUS_CHANGED).exists()


def test_a_revoked_connection_is_rechecked_and_recovers_with_a_real_worker(
    workers: WorkerPool, sandbox_at: Sandbox, mail: Path
) -> None:
    (linked,) = _fleet(sandbox_at, teams=1, each=1)
    workers.start(EMAIL_URL=f"filemail:///{mail}")
    dispatch_until(workers, "healthy", lambda: _statuses() == {"healthy"})
    sandbox_at.control("workspaces/acme0us1", {"mode": "401"})
    Connection.objects.update(next_check_at=timezone.now())
    dispatch_until(workers, "revoked", lambda: _statuses() == {"revoked"})
    connection = linked.reload()
    assert connection.next_check_at is not None
    assert connection.next_check_at - timezone.now() > timedelta(minutes=50)  # 1 h, jittered

    sandbox_at.control("workspaces/acme0us1", {"mode": "ok"})
    # An hour later, as far as the row knows: the re-check is due.
    Connection.objects.update(
        status_since=timezone.now() - timedelta(hours=1), next_check_at=timezone.now()
    )
    dispatch_until(workers, "recovered", lambda: _statuses() == {"healthy"})
    rows = Transition.objects.filter(connection=connection).order_by("at", "id")
    assert [(t.from_status, t.to_status) for t in rows] == [
        ("pending", "healthy"), ("healthy", "revoked"), ("revoked", "healthy"),
    ]  # fmt: skip
    assert rows.last().reason.startswith("Recovered: 2 good checks in a row.")  # type: ignore[union-attr]
    wait_for(lambda: any("Recovered:" in m for m in _mails(mail)), timeout=30,
             what="the team's recovery email", pool=workers)  # fmt: skip


def test_a_token_still_dead_after_the_hold_is_revoked_with_a_note_and_its_team_told(
    workers: WorkerPool, sandbox_at: Sandbox, mail: Path
) -> None:
    _healthy_fleet(workers, sandbox_at, mail, HEALTH_INCIDENT_HOLD_SECONDS="1800")
    sandbox_at.control("sandbox", {"mode": "401"})
    Connection.objects.update(next_check_at=timezone.now())
    dispatch_until(workers, "every connection suspect", lambda: _statuses() == {"suspect"})

    # Half an hour later, as far as the rows know, and Intercom still answers 401.
    Connection.objects.update(
        status_since=timezone.now() - timedelta(minutes=31), next_check_at=timezone.now()
    )
    dispatch_until(workers, "every connection revoked", lambda: _statuses() == {"revoked"})
    assert Incident.objects.filter(ended_at__isnull=True).count() == 1  # still going on
    for connection in Connection.objects.all():
        assert connection.status_reason.startswith(
            "Held as suspect for 30 min during a provider incident; still dead."
        ), connection.status_reason
    # Revoked as usual: each connection's team is told, one email a connection.
    wait_for(lambda: sum("is now revoked" in m for m in _mails(mail)) == 12, timeout=60,
             what="the teams' twelve revocation emails", pool=workers)  # fmt: skip
