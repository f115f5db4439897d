"""Charlie, an outsider with a valid account and API key, gets 404 for alice's every object.

The routes come from the resolver: a new route without a kind in tests/security/routes.py,
or a new kwarg without a value in the world (tests/security/conftest.py), fails here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from portal.models import User
from tests.security.conftest import World, fresh_login
from tests.security.routes import kind_of, site_routes

pytestmark = pytest.mark.django_db

# API routes without ids: charlie's key lists only charlie's objects.
API_LISTS = {"api-v1:apps_list", "api-v1:connections_list"}


def test_every_route_has_a_kind() -> None:
    missing = [f"/{r.route} ({r.name})" for r in site_routes() if kind_of(r) is None]
    assert not missing, f"classify these in tests/security/routes.py: {missing}"


def test_every_team_route_is_gated_by_team_view() -> None:
    team = [r for r in site_routes() if kind_of(r) == "team"]
    ungated = [r.name for r in team if not hasattr(r.callback, "team_perm")]
    assert not ungated, f"team routes not behind @team_view: {ungated}"


def test_every_team_route_page_fragment_and_action_is_404_for_an_outsider(
    world: World, alice_client: Client, charlie_client: Client
) -> None:
    routes = [r for r in site_routes() if kind_of(r) == "team"]
    assert len(routes) > 30
    for route in routes:
        url = route.fill(world.values)
        # The value names a real object: its owner is not told "not found".
        assert alice_client.get(url).status_code != 404, f"{route.name} {url}: bad sample"
        for method in ("get", "post"):
            for headers in ({}, {"HX-Request": "true"}):
                response = getattr(charlie_client, method)(url, headers=headers)
                assert response.status_code == 404, (
                    f"charlie got {response.status_code} on {method.upper()} {url} {headers}"
                )


def test_charlies_own_slug_does_not_open_alices_objects(world: World, charlie: User) -> None:
    # Signed in moments ago, so pages behind re-authentication get as far as the lookup.
    charlie_client = fresh_login(charlie)
    # Charlie's own team in the URL, alice's ids after it: the object lookup is team-scoped.
    values = {**world.values, "team_slug": world.other_team.slug}
    for route in site_routes():
        if kind_of(route) != "team" or route.params == ["team_slug"]:
            continue
        url = route.fill(values)
        # A POST-only route answers GET with 405 before any lookup: that reveals nothing.
        assert charlie_client.get(url).status_code in {404, 405}, url
        assert charlie_client.post(url).status_code == 404, url


def test_every_api_route_is_404_for_another_teams_key(world: World) -> None:
    charlie_api = Client(headers={"Authorization": f"Bearer {world.charlie_key}"})
    alice_api = Client(headers={"Authorization": f"Bearer {world.alice_key}"})
    routes = [r for r in site_routes() if kind_of(r) == "api"]
    assert routes
    for route in routes:
        url = route.fill(world.values)
        if route.name in API_LISTS:
            text = charlie_api.get(url).content.decode()
            assert "Charlie workspace" in text or route.name != "api-v1:connections_list"
            for alice_thing in (world.app.public_id, "Alice workspace", "Alice helpdesk"):
                assert alice_thing not in text, f"{url} shows alice's {alice_thing}"
            continue
        assert route.params, f"{route.name}: API route with no ids: add it to API_LISTS"
        answers = {m: getattr(charlie_api, m)(url).status_code for m in ("get", "post")}
        assert set(answers.values()) <= {404, 405}, (url, answers)
        assert 404 in answers.values(), (url, answers)
        # And alice's own key gets past the lookup, so the 404 proves the gate.
        for method, status in answers.items():
            if status == 404:
                assert getattr(alice_api, method)(url).status_code != 404, (method, url)


def test_ops_drill_down_and_downloads_are_404_for_non_staff(
    world: World, charlie_client: Client, alice_client: Client
) -> None:
    for route in site_routes():
        if kind_of(route) != "ops":
            continue
        url = route.fill(world.values)
        for who in (charlie_client, alice_client):  # alice owns the team, but isn't staff
            assert who.get(url).status_code == 404, url


def test_connect_views_of_another_teams_app_store_nothing_for_an_outsider(
    world: World, charlie: User, client_for: Callable[[User], Client]
) -> None:
    from connectors.models import Connection

    before = Connection.objects.count()
    client = client_for(charlie)
    for route in site_routes():
        if kind_of(route) != "connect":
            continue
        url = route.fill(world.values)
        for method in ("get", "post"):
            response = getattr(client, method)(url, {"code": "c", "state": "forged"})
            assert response.status_code in {302, 400, 403, 404, 405}, (url, response.status_code)
            assert world.app.client_id not in response.get("Location", ""), url
    assert Connection.objects.count() == before
