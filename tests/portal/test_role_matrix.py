"""Every team action tried at every role: allowed roles get through, the rest get 403."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test import Client

from portal.models import Membership, Team, User
from portal.roles import MINIMUM_ROLE, Perm, Role, role_allows
from tests.factories import MembershipFactory


@dataclass
class Action:
    perm: Perm
    method: str
    path: Callable[[Team, Membership], str]
    data: dict[str, str] = field(default_factory=dict)


ACTIONS: dict[str, Action] = {
    "view overview": Action(Perm.TEAM_VIEW, "get", lambda t, m: f"/t/{t.slug}/"),
    "view members": Action(Perm.TEAM_VIEW, "get", lambda t, m: f"/t/{t.slug}/members/"),
    "open settings": Action(Perm.TEAM_MANAGE, "get", lambda t, m: f"/t/{t.slug}/settings/"),
    "rename team": Action(
        Perm.TEAM_MANAGE, "post", lambda t, m: f"/t/{t.slug}/settings/", {"name": "Renamed"}
    ),
    "list invitations": Action(
        Perm.MEMBERS_MANAGE, "get", lambda t, m: f"/t/{t.slug}/invitations/"
    ),
    "invite": Action(
        Perm.MEMBERS_MANAGE,
        "post",
        lambda t, m: f"/t/{t.slug}/invitations/",
        {"email": "new@example.com", "role": "member"},
    ),
    "change a member's role": Action(
        Perm.MEMBERS_MANAGE,
        "post",
        lambda t, m: f"/t/{t.slug}/members/{m.pk}/role/",
        {"role": "viewer"},
    ),
    "remove a member": Action(
        Perm.MEMBERS_MANAGE, "post", lambda t, m: f"/t/{t.slug}/members/{m.pk}/remove/"
    ),
    "view audit log": Action(Perm.AUDIT_VIEW, "get", lambda t, m: f"/t/{t.slug}/audit/"),
    "delete team": Action(Perm.TEAM_DELETE, "get", lambda t, m: f"/t/{t.slug}/delete/"),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action_name", list(ACTIONS))
@pytest.mark.django_db
def test_each_action_at_each_role(
    action_name: str,
    role: Role,
    team: Team,
    bob: User,
    client_for: Callable[[User], Client],
) -> None:
    action = ACTIONS[action_name]
    actor = MembershipFactory(team=team, role=role).user
    target = Membership.objects.get(team=team, user=bob)
    response = getattr(client_for(actor), action.method)(action.path(team, target), action.data)
    if role_allows(role, action.perm):
        assert response.status_code in {200, 302}, response.content[:500]
        if response.status_code == 302:
            assert "/login/" not in response["Location"]
    else:
        assert response.status_code == 403
        assert "Your role in this team" in response.content.decode()
        # Nothing changed for a refused POST.
        target.refresh_from_db()
        assert target.role == Role.MEMBER
        assert Team.objects.get(pk=team.pk).name == "Alice & Co"


def test_the_matrix_in_the_readme_matches_the_code() -> None:
    table = (Path(__file__).parents[2] / "README.md").read_text()
    for perm in Perm:
        row = next((line for line in table.splitlines() if f"`{perm.value}`" in line), None)
        assert row is not None, f"README.md has no row for {perm.value}"
        cells = [cell.strip() for cell in row.strip("|").split("|")][-4:]
        marks = dict(zip(["owner", "admin", "member", "viewer"], cells, strict=True))
        for role in Role:
            expected = "✓" if role_allows(role, perm) else "—"
            assert marks[role.value] == expected, f"{perm.value} for {role.value}"


def test_role_allows_refuses_unknown_roles_and_permissions() -> None:
    assert not role_allows("superhero", Perm.TEAM_VIEW)
    assert not role_allows(Role.OWNER, "team.teleport")
    assert set(MINIMUM_ROLE) == set(Perm)
    assert re.fullmatch(r"[a-z]+\.[a-z]+", Perm.APIKEYS_MANAGE.value)
