"""Who may see /ops/: Django staff only; everyone else sees nothing there."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from portal.models import Team, User
from tests.dashboards.fleet import fleet_build

OPS_URLS = ["/ops/", "/ops/connections/", "/ops/teams/", "/ops/transitions.csv",
            "/ops/connections/?format=csv", "/ops/teams/?format=csv"]  # fmt: skip


@pytest.mark.django_db
def test_non_staff_users_get_404_everywhere_under_ops(
    alice: User, team: Team, client_for: Callable[[User], Client]
) -> None:
    connection = fleet_build(team, 1)[0]
    client = client_for(alice)  # owner of a team, but not staff
    for url in [*OPS_URLS, f"/ops/connections/{connection.pk}/"]:
        assert client.get(url).status_code == 404, url


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/ops/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_staff_see_every_ops_page(staff: User, team: Team, client_for: Callable[[User], Client]):
    connection = fleet_build(team, 3)[0]
    client = client_for(staff)
    for url in [*OPS_URLS, f"/ops/connections/{connection.pk}/"]:
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_ops_is_read_only(staff: User, client_for: Callable[[User], Client]) -> None:
    assert client_for(staff).post("/ops/").status_code == 405
