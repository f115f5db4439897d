"""The audit log: one writer, secrets masked, an admin-only page that filters and pages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client, RequestFactory

from portal.models import AuditEvent, Team, User
from portal.services.audit import audit_log

pytestmark = pytest.mark.django_db


def test_audit_log_records_target_ip_and_masks_secret_looking_details(
    team: Team, alice: User
) -> None:
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    event = audit_log(
        team=team,
        actor=alice,
        action="app.created",
        target=team,
        request=request,
        details={"name": "x", "client_secret": "s3cr3t", "nested": {"access_token": "t"}},
    )
    event.refresh_from_db()
    assert (event.target_type, event.target_id) == ("portal.team", str(team.pk))
    assert event.ip == "203.0.113.9"
    assert event.details == {"name": "x", "client_secret": "***", "nested": {"access_token": "***"}}


def test_admins_see_the_audit_page_filtered_and_paginated(
    team: Team, alice: User, admin_user: User, client_for: Callable[[User], Client]
) -> None:
    for n in range(60):
        audit_log(team=team, actor=alice, action="member.added", details={"n": n})
    audit_log(team=team, actor=admin_user, action="team.renamed")
    client = client_for(admin_user)
    first = client.get("/t/alice-co/audit/").content.decode()
    assert "Page 1 of 2" in first
    filtered = client.get("/t/alice-co/audit/?action=team.renamed").content.decode()
    assert "dana.admin@example.com" in filtered
    assert "n=1" not in filtered
    by_actor = client.get("/t/alice-co/audit/?actor=alice&page=2").content.decode()
    assert "Page 2 of 2" in by_actor


def test_another_teams_events_never_show(
    team: Team, charlie_team: Team, charlie: User, alice_client: Client
) -> None:
    audit_log(team=charlie_team, actor=charlie, action="team.renamed", details={"to": "Secret"})
    page = alice_client.get("/t/alice-co/audit/").content.decode()
    assert "Secret" not in page


def test_members_and_viewers_cannot_see_the_audit_page(
    team: Team, viewer: User, bob_client: Client, client_for: Callable[[User], Client]
) -> None:
    assert bob_client.get("/t/alice-co/audit/").status_code == 403
    assert client_for(viewer).get("/t/alice-co/audit/").status_code == 403


def test_the_admin_site_lists_events_read_only(team: Team, alice: User) -> None:
    staff = User.objects.create_superuser("ops@example.com", "pw-ops-123456")
    audit_log(team=team, actor=alice, action="team.renamed")
    client = Client()
    client.force_login(staff)
    assert client.get("/admin/portal/auditevent/").status_code == 200
    event = AuditEvent.objects.get()
    assert client.get(f"/admin/portal/auditevent/{event.pk}/delete/").status_code == 403
    for page in ("team", "membership", "invitation"):
        assert client.get(f"/admin/portal/{page}/?q=alice").status_code == 200
