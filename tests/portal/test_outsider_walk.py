"""Charlie, an outsider, gets 404 on every team route: existence is never revealed.

The routes come from the URL configuration itself, so a route added later is walked
automatically; a kwarg without a sample in tests/support/url_samples.py fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from portal.models import Team
from tests.support.url_samples import URL_SAMPLES

_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _routes(
    resolver: URLResolver, prefix: str = "", name_prefix: str = ""
) -> Iterator[tuple[str, str]]:
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        if not isinstance(pattern, RoutePattern):
            # Regex routes cannot be filled in safely; flag them if they are team routes.
            assert "team_slug" not in str(pattern), (
                f"team route {pattern} uses a regex; use path() so the outsider walk covers it"
            )
            if isinstance(entry, URLResolver):
                yield from _routes(entry, prefix + "<regex>", name_prefix)
            continue
        route = prefix + str(pattern)
        if isinstance(entry, URLResolver):
            namespace = f"{entry.namespace}:" if entry.namespace else ""
            yield from _routes(entry, route, name_prefix + namespace)
        elif isinstance(entry, URLPattern):
            yield route, name_prefix + (entry.name or "<unnamed>")


def team_routes() -> list[tuple[str, str]]:
    return [(route, name) for route, name in _routes(get_resolver()) if "team_slug" in route]


def _fill(route: str, team: Team) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in URL_SAMPLES:
            pytest.fail(
                f"add a sample for {name!r} in tests/support/url_samples.py "
                f"(route /{route} has no value for it)"
            )
        return str(URL_SAMPLES[name](team))

    return "/" + _PARAM.sub(value, route)


def test_the_walk_finds_the_team_routes() -> None:
    names = {name for _route, name in team_routes()}
    assert {"team_overview", "team_members", "team_invitations", "team_audit"} <= names


@pytest.mark.django_db
def test_every_team_route_is_404_for_an_outsider(
    team: Team, charlie_team: Team, alice_client: Client, charlie_client: Client
) -> None:
    urls = [(_fill(route, team), name) for route, name in team_routes()]
    assert urls
    # The samples must name real objects: alice (owner) is never told "not found".
    for url, name in urls:
        response = alice_client.get(url)
        assert response.status_code != 404, f"{name} {url}: sample does not exist for alice"
    for url, name in urls:
        for method in ("get", "post"):
            response = getattr(charlie_client, method)(url)
            assert response.status_code == 404, (
                f"charlie got {response.status_code} on {method.upper()} {url} ({name})"
            )
    # And nothing changed in alice's team.
    assert Team.objects.filter(pk=team.pk, slug="alice-co").exists()
    assert team.memberships.count() >= 2


@pytest.mark.django_db
def test_an_unknown_team_slug_is_404_like_a_foreign_one(charlie_client: Client) -> None:
    assert charlie_client.get("/t/no-such-team/").status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_go_to_sign_in_whatever_the_slug(client: Client, team: Team) -> None:
    for slug in (team.slug, "no-such-team"):
        response = client.get(f"/t/{slug}/members/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
