"""Creating teams, landing pages, the last-owner rule, MFA requirement and deleting a team."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from portal.models import AuditEvent, Membership, Team, User
from portal.roles import Role
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_new_user_without_a_team_is_led_to_create_or_join_one(
    client_for: Callable[[User], Client],
) -> None:
    client = client_for(UserFactory())
    response = client.get("/")
    assert response["Location"] == "/welcome/"
    page = client.get("/welcome/").content.decode()
    assert "Create a team" in page
    assert "Join a team" in page


def test_creating_a_team_makes_the_creator_its_owner(
    client_for: Callable[[User], Client],
) -> None:
    user = UserFactory()
    response = client_for(user).post("/teams/new/", {"name": "Globex Support"})
    assert response["Location"] == "/t/globex-support/"
    team = Team.objects.get(slug="globex-support")
    assert Membership.objects.get(team=team, user=user).role == Role.OWNER
    assert AuditEvent.objects.filter(team=team, action="team.created").exists()


def test_a_taken_address_is_a_form_error(team: Team, charlie_client: Client) -> None:
    response = charlie_client.post("/teams/new/", {"name": "Alice & Co"})
    assert response.status_code == 200
    assert "/t/alice-co/ is taken" in response.content.decode()
    assert Team.objects.filter(slug="alice-co").count() == 1


def test_a_name_without_letters_is_a_form_error(charlie_client: Client) -> None:
    response = charlie_client.post("/teams/new/", {"name": "!!!"})
    assert "at least one letter or digit" in response.content.decode()


def test_a_member_of_one_team_lands_in_it_and_of_two_chooses(
    team: Team, charlie_team: Team, bob: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(bob)
    assert client.get("/")["Location"] == "/t/alice-co/"
    MembershipFactory(team=charlie_team, user=bob)
    page = client.get("/").content.decode()
    assert "Alice &amp; Co" in page
    assert "Charlie Ltd" in page


def test_the_team_switcher_lists_only_my_teams(
    team: Team, charlie_team: Team, alice_client: Client
) -> None:
    page = alice_client.get("/t/alice-co/").content.decode()
    assert 'href="/t/alice-co/members/"' in page
    assert "Charlie Ltd" not in page


def test_renaming_keeps_the_address_and_everything_in_it(team: Team, alice_client: Client) -> None:
    before = set(team.memberships.values_list("pk", flat=True))
    response = alice_client.post("/t/alice-co/settings/", {"name": "Alice Industries"})
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.slug) == ("Alice Industries", "alice-co")
    assert set(team.memberships.values_list("pk", flat=True)) == before
    assert AuditEvent.objects.filter(action="team.renamed", details__to="Alice Industries").exists()


@pytest.mark.parametrize("attempt", ["leave", "demote", "remove"])
def test_the_last_owner_cannot_leave_be_demoted_or_removed(
    attempt: str, team: Team, alice: User, alice_client: Client
) -> None:
    mine = Membership.objects.get(team=team, user=alice)
    url = {
        "leave": "/t/alice-co/leave/",
        "demote": f"/t/alice-co/members/{mine.pk}/role/",
        "remove": f"/t/alice-co/members/{mine.pk}/remove/",
    }[attempt]
    response = alice_client.post(url, {"role": "admin"}, follow=True)
    assert "last owner" in response.content.decode()
    assert Membership.objects.get(pk=mine.pk).role == Role.OWNER


def test_with_a_second_owner_the_first_may_leave(
    team: Team, alice: User, bob: User, alice_client: Client
) -> None:
    Membership.objects.filter(team=team, user=bob).update(role=Role.OWNER)
    response = alice_client.post("/t/alice-co/leave/")
    assert response["Location"] == "/"
    assert not Membership.objects.filter(team=team, user=alice).exists()
    assert AuditEvent.objects.filter(action="member.left").exists()


def test_an_admin_cannot_touch_an_owner_or_make_one(
    team: Team, alice: User, bob: User, admin_user: User, client_for: Callable[[User], Client]
) -> None:
    client = client_for(admin_user)
    owner = Membership.objects.get(team=team, user=alice)
    member = Membership.objects.get(team=team, user=bob)
    client.post(f"/t/alice-co/members/{owner.pk}/role/", {"role": "viewer"})
    client.post(f"/t/alice-co/members/{owner.pk}/remove/")
    client.post(f"/t/alice-co/members/{member.pk}/role/", {"role": "owner"})
    assert Membership.objects.get(pk=owner.pk).role == Role.OWNER
    assert Membership.objects.get(pk=member.pk).role == Role.MEMBER


def test_role_changes_and_removals_leave_audit_events(
    team: Team, bob: User, alice_client: Client
) -> None:
    member = Membership.objects.get(team=team, user=bob)
    alice_client.post(f"/t/alice-co/members/{member.pk}/role/", {"role": "admin"})
    alice_client.post(f"/t/alice-co/members/{member.pk}/remove/")
    changed = AuditEvent.objects.get(action="member.role_changed")
    assert changed.details == {"email": "bob@example.com", "from": "member", "to": "admin"}
    assert changed.actor_email == "alice@example.com"
    assert changed.ip == "127.0.0.1"
    assert AuditEvent.objects.filter(action="member.removed", target_id=str(member.pk)).exists()


def test_a_member_cannot_reach_another_teams_membership_by_id(
    team: Team, charlie_team: Team, alice_client: Client
) -> None:
    foreign = Membership.objects.get(team=charlie_team)
    response = alice_client.post(f"/t/alice-co/members/{foreign.pk}/remove/")
    assert response.status_code == 404
    assert Membership.objects.filter(pk=foreign.pk).exists()


def test_deleting_a_team_asks_for_the_password_again(
    team: Team, alice: User, alice_client: Client
) -> None:
    response = alice_client.get("/t/alice-co/delete/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    response = alice_client.post(
        "/accounts/reauthenticate/?next=/t/alice-co/delete/", {"password": PASSWORD}
    )
    assert response["Location"] == "/t/alice-co/delete/"
    response = alice_client.post("/t/alice-co/delete/", {"confirm": "wrong"})
    assert Team.objects.filter(pk=team.pk).exists()
    response = alice_client.post("/t/alice-co/delete/", {"confirm": "alice-co"})
    assert response["Location"] == "/"
    assert not Team.objects.filter(pk=team.pk).exists()
    event = AuditEvent.objects.get(action="team.deleted")
    assert event.details == {"name": "Alice & Co", "slug": "alice-co"}
