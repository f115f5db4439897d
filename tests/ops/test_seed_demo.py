"""`manage.py seed_demo`: a living demo, idempotent, never outside DEBUG."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Min
from django.utils import timezone

from connectors.engine.batch import batch_run
from connectors.models import App, Check, CheckDaily, Connection, Transition
from connectors.providers.intercom.sandbox.models import SandboxApp, SandboxToken, SandboxWorkspace
from connectors.providers.intercom.sandbox.services import (
    sandbox_app_authenticate,
    sandbox_token_find,
)
from portal.models import Team, User
from tests.sandbox.conftest import Sandbox, sandbox  # noqa: F401 - the fixture


@pytest.mark.django_db
def test_refuses_to_run_without_debug(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not Team.objects.filter(slug="demo").exists()


@pytest.mark.django_db
def test_seeds_a_demo_team_with_every_state_and_30_days_of_history(settings: Any) -> None:
    settings.DEBUG = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    demo = Team.objects.get(slug="demo")
    assert App.objects.get(team=demo).region == "sandbox"
    connections = Connection.objects.filter(team=demo)
    assert connections.count() == 50
    assert set(connections.values_list("status", flat=True)) == {
        "healthy", "degraded", "failing", "revoked", "pending", "disconnected"
    }  # fmt: skip
    oldest = Transition.objects.filter(team=demo).aggregate(at=Min("at"))["at"]
    assert oldest < timezone.now() - timedelta(days=25)
    assert CheckDaily.objects.filter(connection__team=demo).count() > 50 * 20
    assert Check.objects.filter(connection__team=demo).exists()
    # Login details are printed and work: verified email, published password.
    text = out.getvalue()
    assert "ops@demo.example" in text
    assert "demo-password-2026" in text
    ops = User.objects.get(email="ops@demo.example")
    assert ops.is_staff
    assert ops.check_password("demo-password-2026")
    assert EmailAddress.objects.get(user=ops).verified


@pytest.mark.django_db
def test_running_twice_gives_the_same_demo(settings: Any) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    first = sorted(Connection.objects.values_list("team__slug", "external_id", "status"))
    call_command("seed_demo", stdout=StringIO())
    assert sorted(Connection.objects.values_list("team__slug", "external_id", "status")) == first
    assert User.objects.filter(email__endswith="@demo.example").count() == 3
    assert Team.objects.filter(slug__in=["demo", "globex"]).count() == 2


@pytest.mark.django_db
def test_every_connected_demo_connection_holds_a_real_sandbox_token(settings: Any) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    connections = Connection.objects.filter(team__slug__in=["demo", "globex"]).select_related("app")
    assert connections.count() == 62
    for connection in connections:
        assert connection.app.region == "sandbox"
        assert sandbox_app_authenticate(
            client_id=connection.app.client_id,
            client_secret=connection.app.client_secret.reveal(),  # type: ignore[attr-defined]
        )
        workspace = SandboxWorkspace.objects.get(id_code=connection.external_id)
        assert (workspace.name, workspace.region) == (
            connection.workspace_name, connection.region.upper()
        )  # fmt: skip
        if connection.status == "disconnected":
            assert connection.access_token is None
            continue
        token = sandbox_token_find(token=connection.access_token.reveal())  # type: ignore[attr-defined]
        assert token is not None, connection.status
        assert token.workspace == workspace
        assert token.app.client_id == connection.app.client_id
        assert (token.revoked_at is not None) == (connection.status == "revoked")
    # Stored hashed in the sandbox: no plaintext token anywhere in its table.
    sample = connections.exclude(status="disconnected").first()
    assert sample is not None
    plain = sample.access_token.reveal()  # type: ignore[attr-defined]
    assert not SandboxToken.objects.filter(token_hash=plain).exists()
    assert not SandboxToken.objects.filter(prefix=plain).exists()


@pytest.mark.django_db
def test_running_twice_replaces_the_demo_sandbox_apps_and_workspaces(settings: Any) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    assert SandboxApp.objects.filter(name__startswith="[demo] ").count() == 2
    assert SandboxWorkspace.objects.filter(id_code__startswith="demo").count() == 62
    # One token per connected workspace: the first run's tokens went with its apps.
    connected = Connection.objects.exclude(status="disconnected").count()
    assert SandboxToken.objects.filter(app__name__startswith="[demo] ").count() == connected


def test_the_engine_keeps_each_seeded_connection_in_its_state(
    settings: Any,
    sandbox: Sandbox,  # noqa: F811
) -> None:
    """A real check over HTTP against the sandbox confirms each seeded status."""
    settings.DEBUG = True
    settings.SANDBOX_BASE_URL = sandbox.base
    settings.HEALTH_PROBE_TOTAL_TIMEOUT = 3
    settings.HEALTH_PROBE_READ_TIMEOUT = 2
    # The live server shares one in-memory SQLite database: one sandbox call at a time.
    settings.HEALTH_PER_HOST = 1
    call_command("seed_demo", stdout=StringIO())
    expected = {
        "healthy": ("healthy", 200),
        "degraded": ("degraded", 403),
        "failing": ("failing", 500),
        "revoked": ("revoked", 401),
        "pending": ("healthy", 200),
    }
    picked: dict[int, str] = {}
    for status in expected:
        for slug in ("demo", "globex"):
            rows = Connection.objects.filter(team__slug=slug, status=status)
            picked |= {pk: status for pk in rows.values_list("pk", flat=True)[:2]}
    assert set(picked.values()) == set(expected)
    report = batch_run(ids=list(picked), lease_token=None, trigger="manual")
    assert report.checked == len(picked)
    for pk, seeded in picked.items():
        connection = Connection.objects.get(pk=pk)
        check = Check.objects.filter(connection=connection, trigger="manual").get()
        status, http = expected[seeded]
        assert (connection.status, check.http_status) == (status, http), (seeded, check.detail)
