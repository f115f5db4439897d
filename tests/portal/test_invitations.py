"""Invitations: invite by email with a role, accept once, and every bad link gets a clear page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from portal.models import AuditEvent, Invitation, Membership, Team, User
from portal.roles import Role
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/invitations/[^/\s]+/)")


def _invite(client: Client, team: Team, email: str, role: str = "member") -> str:
    response = client.post(f"/t/{team.slug}/invitations/", {"email": email, "role": role})
    assert response.status_code == 302, response.content.decode()[:2000]
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_an_invited_colleague_accepts_and_joins_with_the_role(
    team: Team, alice_client: Client, client_for: Callable[[User], Client]
) -> None:
    path = _invite(alice_client, team, "erin@example.com", "admin")
    assert mail.outbox[-1].to == ["erin@example.com"]
    assert "Alice & Co" in mail.outbox[-1].subject
    erin = UserFactory(email="erin@example.com")
    response = client_for(erin).post(path)
    assert response.status_code == 302
    assert response["Location"] == f"/t/{team.slug}/"
    assert Membership.objects.get(team=team, user=erin).role == Role.ADMIN
    invitation = Invitation.objects.get(email="erin@example.com")
    assert invitation.status == "accepted"
    assert invitation.accepted_by == erin
    actions = set(AuditEvent.objects.filter(team=team).values_list("action", flat=True))
    assert {"invitation.created", "invitation.accepted", "member.added"} <= actions


def test_the_link_shows_the_invitation_to_a_visitor_with_sign_in_and_sign_up(
    team: Team, alice_client: Client, client: Client
) -> None:
    path = _invite(alice_client, team, "erin@example.com")
    page = client.get(path).content.decode()
    assert "Join Alice &amp; Co" in page
    assert "/accounts/signup/?email=erin%40example.com&amp;next=" in page
    assert "/accounts/login/?next=" in page


def test_only_a_hash_of_the_token_is_stored(team: Team, alice_client: Client) -> None:
    path = _invite(alice_client, team, "erin@example.com")
    token = path.split("/")[2]
    invitation = Invitation.objects.get(email="erin@example.com")
    assert token not in invitation.token_hash
    assert len(invitation.token_hash) == 64


def _accept_fails(client: Client, path: str, status: int, words: str) -> None:
    before = (Membership.objects.count(), AuditEvent.objects.count())
    response = client.post(path)
    assert response.status_code == status
    page = response.content.decode()
    assert words in page
    assert "Nothing was changed" in page
    assert (Membership.objects.count(), AuditEvent.objects.count()) == before


def test_an_expired_invitation_gets_a_clear_page(
    team: Team, client_for: Callable[[User], Client]
) -> None:
    invitation = InvitationFactory(
        team=team, email="erin@example.com", expires_at=timezone.now() - timedelta(seconds=1)
    )
    erin = UserFactory(email="erin@example.com")
    _accept_fails(client_for(erin), f"/invitations/{invitation.token}/", 410, "has expired")


def test_a_revoked_invitation_gets_a_clear_page(
    team: Team, alice_client: Client, client_for: Callable[[User], Client]
) -> None:
    path = _invite(alice_client, team, "erin@example.com")
    invitation = Invitation.objects.get(email="erin@example.com")
    response = alice_client.post(f"/t/{team.slug}/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    erin = UserFactory(email="erin@example.com")
    _accept_fails(client_for(erin), path, 410, "withdrawn")
    assert AuditEvent.objects.filter(action="invitation.revoked").exists()


def test_a_used_invitation_cannot_be_used_again(
    team: Team, client_for: Callable[[User], Client]
) -> None:
    invitation = InvitationFactory(team=team, email="erin@example.com")
    erin = UserFactory(email="erin@example.com")
    erin_client = client_for(erin)
    assert erin_client.post(f"/invitations/{invitation.token}/").status_code == 302
    Membership.objects.filter(user=erin).delete()  # even after leaving, the link is spent
    _accept_fails(erin_client, f"/invitations/{invitation.token}/", 410, "already been used")


def test_the_wrong_account_cannot_accept(team: Team, charlie_client: Client) -> None:
    invitation = InvitationFactory(team=team, email="erin@example.com")
    _accept_fails(charlie_client, f"/invitations/{invitation.token}/", 409, "erin@example.com")
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"


def test_an_unverified_address_cannot_accept(
    team: Team, client_for: Callable[[User], Client]
) -> None:
    invitation = InvitationFactory(team=team, email="erin@example.com")
    erin = UserFactory(email="erin@example.com", verified_email=False)
    _accept_fails(client_for(erin), f"/invitations/{invitation.token}/", 409, "for someone else")


def test_a_tampered_token_gets_a_clear_page(team: Team, bob_client: Client) -> None:
    invitation = InvitationFactory(team=team, email="bob@example.com")
    _accept_fails(bob_client, f"/invitations/{invitation.token}x/", 404, "not valid")


def test_resending_sends_a_new_link_and_voids_the_old_one(
    team: Team, alice_client: Client, client_for: Callable[[User], Client]
) -> None:
    old = _invite(alice_client, team, "erin@example.com")
    invitation = Invitation.objects.get(email="erin@example.com")
    response = alice_client.post(f"/t/{team.slug}/invitations/{invitation.pk}/resend/")
    assert response.status_code == 302
    new = LINK.search(mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    assert new != old
    erin_client = client_for(UserFactory(email="erin@example.com"))
    assert erin_client.post(old).status_code == 404
    assert erin_client.post(new).status_code == 302


@pytest.mark.parametrize(
    ("email", "role", "error"),
    [
        ("bob@example.com", "member", "already a member"),
        ("not-an-address", "member", "valid email"),
        ("erin@example.com", "wizard", "Select a valid choice"),
    ],
)
def test_bad_invitations_get_a_form_error_and_save_nothing(
    team: Team, alice_client: Client, email: str, role: str, error: str
) -> None:
    response = alice_client.post(f"/t/{team.slug}/invitations/", {"email": email, "role": role})
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Invitation.objects.exists()
    assert not mail.outbox


def test_a_second_pending_invitation_to_the_same_address_is_refused(
    team: Team, alice_client: Client
) -> None:
    _invite(alice_client, team, "erin@example.com")
    response = alice_client.post(
        f"/t/{team.slug}/invitations/", {"email": "ERIN@example.com", "role": "member"}
    )
    assert "already has a pending invitation" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_an_admin_cannot_invite_an_owner(
    team: Team, admin_user: User, client_for: Callable[[User], Client]
) -> None:
    response = client_for(admin_user).post(
        f"/t/{team.slug}/invitations/", {"email": "erin@example.com", "role": "owner"}
    )
    assert response.status_code == 200
    assert not Invitation.objects.exists()


def test_a_mail_failure_saves_no_invitation(team: Team, alice_client: Client) -> None:
    with mock.patch("portal.services.invitations.send_mail", side_effect=OSError("smtp down")):
        response = alice_client.post(
            f"/t/{team.slug}/invitations/", {"email": "erin@example.com", "role": "member"}
        )
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.filter(action="invitation.created").exists()
