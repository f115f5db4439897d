"""Refresh end to end: a workspace connected through the real OAuth dance to a sandbox app
in its "Not Intercom: expiring tokens" mode, its tokens stored and refreshed ahead of
expiry, over real HTTP (Intercom's own tokens never expire, so only the sandbox can
prove this)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from django.db import connection as db
from django.utils import timezone

from connectors import tasks
from connectors.engine.batch import BatchReport
from connectors.engine.dispatch import connections_claim_refresh
from connectors.http import Timeout
from connectors.models import App, Connection, Transition
from connectors.providers.intercom import client as intercom_client
from connectors.providers.intercom.sandbox import credentials
from connectors.providers.intercom.sandbox.models import SandboxToken, TokenKind
from portal.models import Team, User
from tests.connect.live import Dance, sandbox_apps_for, signed_in
from tests.sandbox.conftest import Sandbox
from tests.support.workers import WorkerPool, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

LIFETIME = 120  # seconds: the detection bench's 2-minute tokens
# With HEALTH_REFRESH_AHEAD_SECONDS at its default (600), longer than half of LIFETIME,
# a 2-minute token is refreshed at half its life: 60 s before it expires.
REFRESH_LEAD = timedelta(seconds=60)
# What a person reads after the provider refused the refresh (issue 15's wording).
INVALID_GRANT_REASON = (
    "The provider refused to refresh the token (invalid_grant): reconnect the workspace."
)


@pytest.fixture
def app(team: Team, base: str) -> App:
    return sandbox_apps_for([team], base, expiring_tokens=True, token_lifetime_seconds=LIFETIME)[0]


@pytest.fixture
def bob_http(base: str, bob: User) -> Iterator[httpx.Client]:
    with signed_in(base, bob) as http:
        yield http


@pytest.fixture
def sandbox_http(base: str) -> Iterator[Sandbox]:
    with httpx.Client(timeout=10) as http:
        yield Sandbox(base=f"{base}/sandbox/intercom", http=http)


def _connect(bob_http: httpx.Client, app: App) -> Connection:
    page = Dance(bob_http, app).consent("approve")
    assert page.status_code == 200, page.text[:500]
    assert "badge badge-healthy" in page.text
    connection = Connection.objects.get(app=app)
    assert connection.refresh_due_at is not None
    # The connection page says when the token expires and that it is refreshed for you.
    assert "refreshed automatically at " + connection.refresh_due_at.strftime("%H:%M:%S") in (
        page.text
    )
    return connection


def _time_passes(connection: Connection, seconds: int) -> Connection:
    """As if `seconds` went by for the portal: its stored expiry and schedule move closer."""
    gone = timedelta(seconds=seconds)
    row = Connection.objects.get(pk=connection.pk)
    assert row.token_expires_at is not None
    assert row.refresh_due_at is not None
    Connection.objects.filter(pk=row.pk).update(
        token_expires_at=row.token_expires_at - gone,
        refresh_due_at=row.refresh_due_at - gone,
        refresh_after=row.refresh_after - gone if row.refresh_after else None,
    )
    return Connection.objects.get(pk=row.pk)


def _near(moment: datetime | None, expected: datetime) -> bool:
    """Within a second: the token answer is parsed a moment before the row is written."""
    return moment is not None and abs(moment - expected) < timedelta(seconds=1)


def _secrets(connection: Connection) -> tuple[str, str]:
    connection.refresh_from_db()
    assert connection.access_token is not None
    assert connection.refresh_token is not None
    return connection.access_token.reveal(), connection.refresh_token.reveal()


def _raw_column(connection: Connection, column: str) -> str:
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM connectors_connection WHERE id = %s",  # noqa: S608 (ours)
            [connection.pk],
        )
        return str(cursor.fetchone()[0])


def _grants(app: App) -> tuple[int, int]:
    """(refresh grants the sandbox honoured, refresh tokens it saw spent or revoked)."""
    rows = SandboxToken.objects.filter(app__client_id=app.client_id, kind=TokenKind.REFRESH)
    return rows.count() - 1, rows.filter(revoked_at__isnull=False).count()


def _spent_at_sandbox(sandbox: Sandbox, app: App, refresh_token: str) -> httpx.Response:
    assert app.client_secret is not None
    return sandbox.http.post(
        f"{sandbox.base}/auth/eagle/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token,
              "client_id": app.client_id, "client_secret": app.client_secret.reveal()},
    )  # fmt: skip


def test_a_connection_made_through_the_dance_stays_healthy_through_five_refreshes(
    app: App,
    bob_http: httpx.Client,
    sandbox_http: Sandbox,
    sweep: Callable[..., BatchReport],
) -> None:
    before = timezone.now()
    connection = _connect(bob_http, app)
    after = timezone.now()

    access, refresh = _secrets(connection)
    assert access.startswith("sbx_")
    assert refresh.startswith("sbxr_")
    expires = connection.token_expires_at
    assert expires is not None
    lifetime = timedelta(seconds=LIFETIME)
    assert before + lifetime - timedelta(seconds=1) <= expires <= after + lifetime
    assert _near(connection.refresh_due_at, expires - REFRESH_LEAD)
    # Encrypted at rest, like the access token: neither appears in its column.
    assert refresh not in _raw_column(connection, "refresh_token")
    assert access not in _raw_column(connection, "access_token")
    # The stored refresh token is the one the sandbox issued, and still live there.
    issued = SandboxToken.objects.get(token_hash=credentials.digest(refresh))
    assert (issued.kind, issued.revoked_at) == (TokenKind.REFRESH, None)

    assert connections_claim_refresh(limit=10) == []  # a fresh token is not due

    for round_ in range(1, 6):
        old_access, old_refresh = _secrets(connection)
        _time_passes(connection, seconds=61)
        assert connections_claim_refresh(limit=10) == [connection.pk], f"round {round_}"
        assert tasks.refresh_token(connection.pk) == "refreshed"

        new_access, new_refresh = _secrets(connection)
        assert new_access != old_access
        assert new_refresh != old_refresh  # rotation kept: the answer's new refresh token
        assert _spent_at_sandbox(sandbox_http, app, old_refresh).json()["error"] == "invalid_grant"
        assert connection.token_expires_at is not None
        assert connection.token_expires_at > timezone.now() + timedelta(seconds=LIFETIME - 10)
        assert _near(connection.refresh_due_at, connection.token_expires_at - REFRESH_LEAD)
        assert (connection.refresh_failures, connection.refresh_started_at) == (0, None)

        me = sandbox_http.me(new_access)
        assert me.status_code == 200
        assert me.json()["app"]["id_code"] == "acme0us1"
        sweep()
        connection.refresh_from_db()
        assert connection.status == "healthy", connection.last_error

    assert _grants(app)[0] == 5
    assert not Transition.objects.filter(connection=connection, to_status="revoked").exists()


def test_a_refused_refresh_revokes_with_its_reason_and_a_reconnect_brings_a_new_grant(
    app: App, bob_http: httpx.Client, sandbox_http: Sandbox
) -> None:
    connection = _connect(bob_http, app)
    _, refresh = _secrets(connection)
    # The workspace uninstalls the app: the sandbox revokes every token, refresh ones too.
    sandbox_http.control("workspaces/acme0us1", {"mode": "revoked"})
    _time_passes(connection, seconds=61)
    assert connections_claim_refresh(limit=10) == [connection.pk]

    assert tasks.refresh_token(connection.pk) == "revoked"

    connection.refresh_from_db()
    assert connection.status == "revoked"
    assert connection.status_reason == INVALID_GRANT_REASON
    assert connection.next_check_at is None
    assert (connection.refresh_token, connection.refresh_due_at) == (None, None)  # spent
    transition = Transition.objects.get(connection=connection, to_status="revoked")
    assert transition.reason == INVALID_GRANT_REASON
    assert connections_claim_refresh(limit=10, now=timezone.now() + timedelta(hours=1)) == []

    connection = _connect(bob_http, app)  # reconnect: the same row, a new grant
    new_access, new_refresh = _secrets(connection)
    assert new_refresh != refresh
    assert connection.status == "healthy"
    assert connection.refresh_due_at is not None
    _time_passes(connection, seconds=61)
    assert tasks.refresh_token(connection.pk) == "refreshed"
    assert _secrets(connection)[0] != new_access


@pytest.mark.parametrize("fault", ["500", "503_html", "timeout"])
def test_a_failing_token_service_is_retried_with_backoff_and_never_revokes(
    fault: str,
    app: App,
    bob_http: httpx.Client,
    sandbox_http: Sandbox,
    sweep: Callable[..., BatchReport],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connection = _connect(bob_http, app)
    access, refresh = _secrets(connection)
    if fault == "timeout":
        # The sandbox holds the answer 3 s; the portal's refresh call gives up at 1.5 s.
        monkeypatch.setattr(intercom_client, "INTERACTIVE_TIMEOUT", Timeout(1.0, 1.0, 1.5))
        sandbox_http.control("workspaces/acme0us1", {"mode": "silent", "timeout_seconds": 3})
    else:
        sandbox_http.control("workspaces/acme0us1", {"mode": fault})
    _time_passes(connection, seconds=61)
    backoffs: list[timedelta] = []

    for attempt in range(1, 4):
        assert connections_claim_refresh(limit=10) == [connection.pk], f"attempt {attempt}"
        started = timezone.now()
        assert tasks.refresh_token(connection.pk) == "retry"
        connection.refresh_from_db()
        assert connection.refresh_failures == attempt
        assert connection.refresh_after is not None
        backoffs.append(connection.refresh_after - started)
        assert connections_claim_refresh(limit=10) == []  # waits out its backoff
        assert _secrets(connection) == (access, refresh)  # the grant is kept
        assert connection.status != "revoked"
        assert "Token refresh failed, retrying" in connection.last_error
        _time_passes(connection, seconds=int(backoffs[-1].total_seconds()) + 1)
    assert backoffs[0] < backoffs[1] < backoffs[2]
    page = bob_http.get(f"/t/{app.team.slug}/connections/{connection.pk}/")
    assert "refresh failed 3 times, retried automatically" in page.text

    # The outage outlasts the access token: its /me now says token_expired, and still
    # nothing is revoked while the refresh grant has not been refused.
    _expire_at_sandbox(access)
    _time_passes(connection, seconds=LIFETIME)
    sandbox_http.control("workspaces/acme0us1", {"mode": "ok"})
    sweep()
    sweep()
    connection.refresh_from_db()
    assert connection.status != "revoked"
    assert "expired before its refresh went through" in connection.last_error

    # The token service is back: the next attempt refreshes and the checks recover.
    assert tasks.refresh_token(connection.pk) == "refreshed"
    sweep()
    sweep()
    connection.refresh_from_db()
    assert connection.status == "healthy", connection.last_error
    assert not Transition.objects.filter(connection=connection, to_status="revoked").exists()


def _expire_at_sandbox(access: str) -> None:
    SandboxToken.objects.filter(token_hash=credentials.digest(access)).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


def _finished_refreshes(pool: WorkerPool) -> list[str]:
    """The results the workers logged for connectors.refresh_token tasks."""
    found = []
    for line in pool.logs().splitlines():
        if "connectors.refresh_token[" in line and " succeeded in " in line:
            found.append(line.rsplit(":", 1)[-1].strip().strip("'"))
    return found


def test_two_workers_racing_to_refresh_one_connection_make_one_refresh_grant(
    workers: WorkerPool,
    app: App,
    bob_http: httpx.Client,
    sandbox_http: Sandbox,
    settings: Any,
) -> None:
    connection = _connect(bob_http, app)
    old_access, _ = _secrets(connection)
    # The token service answers after 2 s, so the second worker arrives mid-refresh.
    sandbox_http.control("workspaces/acme0us1", {"latency_ms": 2000})
    _time_passes(connection, seconds=61)
    workers.start()
    workers.start()

    for _ in range(2):
        tasks.refresh_token.apply_async(args=(connection.pk,))
    wait_for(lambda: len(_finished_refreshes(workers)) == 2, timeout=60,
             what="both workers to finish their refresh", pool=workers)  # fmt: skip

    results = sorted(_finished_refreshes(workers))
    assert results[1] == "refreshed", results
    assert results[0] in {"in_flight", "not_due"}, results
    # The sandbox saw one grant: one new refresh token, and only the connect's one spent.
    # A second grant with the same (now spent) refresh token would have been refused,
    # and the refusal would have revoked the connection.
    assert _grants(app) == (1, 1)
    connection.refresh_from_db()
    assert connection.status == "healthy"
    assert _secrets(connection)[0] != old_access
    assert sandbox_http.me(_secrets(connection)[0]).status_code == 200


def test_a_real_worker_refreshes_on_the_dispatch_schedule_and_the_connection_stays_healthy(
    workers: WorkerPool, team: Team, base: str, bob_http: httpx.Client, sandbox_http: Sandbox
) -> None:
    # Six-second tokens, refreshed at half their life: three refreshes in about ten
    # seconds of real time, with nothing moved by hand.
    short = sandbox_apps_for([team], base, name="Short-lived",
                             expiring_tokens=True, token_lifetime_seconds=6)[0]  # fmt: skip
    connection = _connect(bob_http, short)
    workers.start()

    def refreshed_three_times() -> bool:
        tasks.dispatch_due_checks.apply_async()  # what beat sends every 30 s
        time.sleep(0.5)
        return _grants(short)[0] >= 3

    wait_for(refreshed_three_times, timeout=60, what="three scheduled refreshes", pool=workers)

    connection.refresh_from_db()
    assert connection.status == "healthy", connection.last_error
    assert sandbox_http.me(_secrets(connection)[0]).status_code == 200
    assert "'refreshed'" in workers.logs()
