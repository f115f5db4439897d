"""Every team route at every role, against the permission matrix in portal/roles.py.

Each route's permission is the one its view declares through @team_view (recorded as
`team_perm`): allowed roles get past the gate (never 403/404), others get 403. Each
request runs in a savepoint that is rolled back, so one world serves the whole walk.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client

from portal.models import Team
from portal.roles import Perm, Role, role_allows
from tests.factories import MembershipFactory
from tests.security.conftest import World, fresh_login
from tests.security.routes import kind_of, site_routes

pytestmark = pytest.mark.django_db


def _request(client: Client, method: str, url: str) -> int:
    with transaction.atomic():
        status: int = getattr(client, method)(url).status_code
        transaction.set_rollback(True)
    return status


@pytest.mark.parametrize("role", list(Role))
def test_every_team_route_follows_the_permission_matrix(world: World, role: Role) -> None:
    user = world.team.memberships.get(role=Role.OWNER).user
    if role != Role.OWNER:
        user = MembershipFactory(team=world.team, role=role).user
    client = fresh_login(user)
    routes = [r for r in site_routes() if kind_of(r) == "team"]
    checked: set[str] = set()
    for route in routes:
        perm = Perm(route.callback.team_perm)  # type: ignore[attr-defined]
        url = route.fill(world.values)
        for method in ("get", "post"):
            status = _request(client, method, url)
            where = f"{role} {method.upper()} {url} ({route.name}, needs {perm})"
            if role_allows(role, perm):
                assert status not in {403, 404}, f"{where}: refused with {status}"
            else:
                assert status == 403, f"{where}: answered {status}, expected 403"
        checked.add(perm)
    # The walk exercised most of the matrix, so a route can't hide behind a missing perm.
    assert len(checked) >= len(Perm) - 2, set(Perm) - checked
    assert Team.objects.filter(pk=world.team.pk).exists()
