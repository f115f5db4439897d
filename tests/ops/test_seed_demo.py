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

from connectors.models import App, Check, CheckDaily, Connection, Transition
from portal.models import Team, User


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
