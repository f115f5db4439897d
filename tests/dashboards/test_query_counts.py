"""Every dashboard page runs the same number of queries for 10 or 1,000 connections."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from portal.models import Team, User
from tests.dashboards.fleet import fleet_build
from tests.factories import TeamFactory

MAX_QUERIES = 25


@pytest.mark.django_db
@pytest.mark.parametrize("size", [10, 1000])
@pytest.mark.parametrize(
    "url",
    ["/ops/", "/ops/?part=body", "/ops/connections/", "/ops/connections/?status=revoked",
     "/ops/teams/", "/ops/connections/{id}/", "/ops/connections/?format=csv"],
)  # fmt: skip
def test_ops_pages_query_count_is_constant(
    size: int,
    url: str,
    team: Team,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries: Callable[[int], object],
) -> None:
    made = fleet_build(team, size - size // 10)
    fleet_build(TeamFactory(slug="second"), size // 10)
    client = client_for(_staff())
    with django_assert_max_num_queries(MAX_QUERIES):  # type: ignore[attr-defined]
        response = client.get(url.format(id=made[4].pk), HTTP_HX_REQUEST="true")
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200


def _staff() -> User:
    from tests.factories import UserFactory

    return UserFactory(is_staff=True)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [10, 1000])
@pytest.mark.parametrize(
    "url",
    ["/t/alice-co/", "/t/alice-co/?status=failing&sort=-latency", "/t/alice-co/?page=3",
     "/t/alice-co/connections/{id}/"],
)  # fmt: skip
def test_team_pages_query_count_is_constant(
    size: int,
    url: str,
    team: Team,
    alice: User,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries: Callable[[int], object],
) -> None:
    made = fleet_build(team, size)
    client = client_for(alice)
    with django_assert_max_num_queries(MAX_QUERIES):  # type: ignore[attr-defined]
        response = client.get(url.format(id=made[4].pk))
    assert response.status_code == 200
