"""Capability checks against the sandbox over real HTTP: declare capabilities on the app's
page, withhold a permission in the sandbox, see the connection degraded with words that
name it, restore it, see it cleared; the identity check never flaps it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from connectors.engine.batch import BatchReport
from connectors.engine.capabilities import (
    CapabilityReport,
    capabilities_claim_due,
    capabilities_run,
)
from connectors.models import CapabilityResult, Connection, Transition
from connectors.notify.models import OutboxEvent
from portal.models import User
from tests.engine.conftest import Linked

pytestmark = pytest.mark.django_db(transaction=True)

Sweep = Callable[..., BatchReport]

# Written from Intercom's OAuth Scopes page (Developer Hub permission names) and the
# capability list shown on the app's page: capability -> the permission to tick.
PERMISSION_OF = {
    "read_conversations": "Read conversations",
    "read_contacts": "Read and list users and companies",
    "read_tags": "Read tags",
}
SANDBOX_PERMISSION = {  # the sandbox's key for each of those permissions
    "read_conversations": "read_conversations",
    "read_contacts": "read_users_companies",
    "read_tags": "read_tags",
    "read_admins": "read_admins",
}


def declare(client: Client, linked: Linked, *keys: str) -> Any:
    url = f"/t/{linked.app.team.slug}/apps/{linked.app.public_id}/capabilities/"
    return client.post(url, {"capabilities": list(keys)})


def capability_sweep() -> CapabilityReport:
    """Claim every due capability check and run it, as a worker would."""
    ids, until = capabilities_claim_due(limit=500)
    return capabilities_run(ids=ids, claim_until=until)


def make_due() -> None:
    Connection.objects.filter(capabilities_due_at__isnull=False).update(
        capabilities_due_at=timezone.now()
    )


def withhold(linked: Linked, *capabilities: str) -> None:
    keys = [SANDBOX_PERMISSION[c] for c in capabilities]
    answer = linked.sandbox.control("workspaces/acme0us1/permissions", {"withheld": keys})
    assert answer.status_code == 200, answer.text


def moves(linked: Linked) -> list[tuple[str, str]]:
    rows = Transition.objects.filter(connection=linked.connection).order_by("at", "id")
    return [(t.from_status, t.to_status) for t in rows]


@pytest.fixture
def admin_client(admin_user: User, client_for: Callable[[User], Client]) -> Client:
    return client_for(admin_user)


def test_a_withheld_permission_degrades_with_its_name_and_its_return_clears_it(
    linked: Linked, sweep: Sweep, admin_client: Client
) -> None:
    sweep()
    assert linked.reload().status == "healthy"
    answer = declare(admin_client, linked, "read_conversations", "read_tags")
    assert answer.status_code == 302
    connection = linked.reload()
    assert connection.capabilities_due_at is not None
    assert connection.capabilities_due_at <= timezone.now()

    report = capability_sweep()
    assert (report.checked, report.probes) == (1, 2)
    connection = linked.reload()
    assert connection.status == "healthy"
    results = dict(CapabilityResult.objects.values_list("key", "outcome"))
    assert results == {"read_conversations": "ok", "read_tags": "ok"}
    interval = timedelta(hours=6)  # the documented default cadence
    assert connection.capabilities_due_at is not None
    assert connection.capabilities_due_at >= timezone.now() + interval * 0.99

    withhold(linked, "read_conversations")
    make_due()
    capability_sweep()
    connection = linked.reload()
    assert connection.status == "degraded"
    reason = connection.status_reason
    assert "cannot read conversations" in reason
    assert f"'{PERMISSION_OF['read_conversations']}'" in reason
    assert "Developer Hub" in reason
    assert "tags" not in reason
    assert CapabilityResult.objects.get(key="read_conversations").outcome == "missing"
    assert moves(linked)[-1] == ("healthy", "degraded")
    changed = OutboxEvent.objects.filter(event_type="connection.status_changed")
    assert [e.data["to"] for e in changed] == ["degraded"]

    # The identity check answers 200 every time: it neither clears nor flaps the status.
    for _ in range(4):
        sweep()
        connection = linked.reload()
        assert connection.status == "degraded"
        assert connection.status_reason == reason
    assert moves(linked) == [("pending", "healthy"), ("healthy", "degraded")]

    withhold(linked)  # the permission is back
    make_due()
    capability_sweep()
    connection = linked.reload()
    assert connection.status == "healthy"
    assert connection.capability_reason == ""
    assert moves(linked)[-1] == ("degraded", "healthy")
    assert "every declared capability works again" in connection.status_reason
    sweep()
    assert linked.reload().status == "healthy"


def test_a_probe_without_a_verdict_keeps_the_last_result(
    linked: Linked, sweep: Sweep, admin_client: Client
) -> None:
    sweep()
    declare(admin_client, linked, "read_tags")
    withhold(linked, "read_tags")
    capability_sweep()
    assert linked.reload().status == "degraded"
    checked_at = CapabilityResult.objects.get().checked_at

    withhold(linked)
    linked.sandbox.control("workspaces/acme0us1", {"mode": "500"})
    make_due()
    capability_sweep()
    result = CapabilityResult.objects.get()
    assert (result.outcome, result.checked_at, result.http_status) == ("missing", checked_at, 500)
    connection = linked.reload()
    assert connection.status == "degraded"
    # Retried after the identity check's interval (60 s here), not the 6-hour cadence.
    assert connection.capabilities_due_at is not None
    assert connection.capabilities_due_at < timezone.now() + timedelta(minutes=5)


def test_an_identity_outage_while_held_shows_the_outage_then_the_capability_again(
    linked: Linked, sweep: Sweep, admin_client: Client
) -> None:
    sweep()
    declare(admin_client, linked, "read_contacts")
    withhold(linked, "read_contacts")
    capability_sweep()
    held_reason = linked.reload().status_reason
    assert f"'{PERMISSION_OF['read_contacts']}'" in held_reason

    linked.sandbox.control("workspaces/acme0us1", {"mode": "500"})
    sweep()
    connection = linked.reload()
    assert connection.status == "degraded"
    assert "500" in connection.status_reason
    linked.sandbox.control("workspaces/acme0us1", {"mode": "ok"})
    sweep()
    sweep()
    connection = linked.reload()
    assert (connection.status, connection.status_reason) == ("degraded", held_reason)
    assert moves(linked) == [("pending", "healthy"), ("healthy", "degraded")]


def test_undeclaring_a_missing_capability_clears_it_at_once(
    linked: Linked, sweep: Sweep, admin_client: Client
) -> None:
    sweep()
    declare(admin_client, linked, "read_tags", "read_conversations")
    withhold(linked, "read_tags")
    capability_sweep()
    assert linked.reload().status == "degraded"

    declare(admin_client, linked, "read_conversations")
    connection = linked.reload()
    assert connection.status == "healthy"
    assert list(CapabilityResult.objects.values_list("key", flat=True)) == ["read_conversations"]
    declare(admin_client, linked)
    connection = linked.reload()
    assert connection.capabilities_due_at is None
    assert not CapabilityResult.objects.exists()


def test_capability_checks_stay_inside_the_rate_budget(
    linked: Linked, sweep: Sweep, admin_client: Client, settings: Any
) -> None:
    sweep()
    declare(admin_client, linked, "read_conversations", "read_contacts", "read_tags")
    # An allowance of one call per 10-second window: three probes do not fit.
    settings.HEALTH_RATE_SHARE_PERCENT = 0.001
    report = capability_sweep()
    assert (report.checked, report.deferred) == (0, 1)
    assert not CapabilityResult.objects.exists()
    connection = linked.reload()
    assert connection.capabilities_due_at is not None
    assert connection.capabilities_due_at > timezone.now()
    assert connection.capabilities_due_at < timezone.now() + timedelta(seconds=20)


def test_only_members_with_apps_manage_may_declare(
    linked: Linked, client_for: Callable[[User], Client], bob: User
) -> None:
    answer = declare(client_for(bob), linked, "read_tags")  # bob is a member
    assert answer.status_code in (403, 404)
    linked.app.refresh_from_db()
    assert linked.app.capabilities == []


def test_an_unknown_capability_is_refused_with_a_message(
    linked: Linked, admin_client: Client
) -> None:
    answer = declare(admin_client, linked, "read_minds")
    assert answer.status_code == 302
    page = admin_client.get(answer["Location"])
    assert "The capabilities were not saved" in page.content.decode()
    linked.app.refresh_from_db()
    assert linked.app.capabilities == []


def test_the_connection_page_shows_each_declared_capability_with_its_result(
    linked: Linked, sweep: Sweep, admin_client: Client
) -> None:
    sweep()
    declare(admin_client, linked, "read_conversations", "read_tags")
    withhold(linked, "read_tags")
    capability_sweep()
    page = admin_client.get(
        f"/t/{linked.app.team.slug}/connections/{linked.connection.pk}/"
    ).content.decode()
    assert "Capabilities" in page
    assert "Read conversations" in page
    assert "Read tags" in page
    assert page.count('class="capability-row capability-ok"') == 1
    assert page.count('class="capability-row capability-missing"') == 1
    checked = CapabilityResult.objects.get(key="read_tags").checked_at
    assert checked is not None
    assert checked.strftime("%Y-%m-%d %H:%M:%S") in page

    app_page = admin_client.get(f"/t/{linked.app.team.slug}/apps/{linked.app.public_id}/")
    text = app_page.content.decode()
    assert 'name="capabilities" value="read_conversations"' in text
    assert "Read and list users and companies" in text  # the permission, as Intercom names it


def test_a_disconnected_connection_is_never_claimed_for_capability_checks(
    linked: Linked, sweep: Sweep, admin_client: Client, admin_user: User
) -> None:
    from connectors.services.connections import connection_disconnect

    sweep()
    declare(admin_client, linked, "read_tags")
    connection_disconnect(connection=linked.reload(), actor=admin_user, request=None)
    assert linked.reload().capabilities_due_at is None
    Connection.objects.filter(pk=linked.connection.pk).update(capabilities_due_at=timezone.now())
    assert capabilities_claim_due(limit=10)[0] == []


def test_check_now_checks_the_declared_capabilities_too(
    linked: Linked, sweep: Sweep, admin_client: Client
) -> None:
    from connectors.tasks import check_now

    sweep()
    declare(admin_client, linked, "read_admins")
    withhold(linked, "read_admins")
    capability_sweep()
    assert linked.reload().status == "degraded"
    withhold(linked)
    later = timezone.now() + timedelta(hours=1)
    Connection.objects.filter(pk=linked.connection.pk).update(capabilities_due_at=later)
    assert check_now(linked.connection.pk) == "degraded"  # /me alone does not clear it
    connection = linked.reload()
    assert connection.status == "healthy"  # the capability check after it does
    assert CapabilityResult.objects.get().outcome == "ok"
