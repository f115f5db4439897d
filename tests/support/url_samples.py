"""Real values for URL kwargs, used by the outsider walk (tests/portal/test_outsider_walk.py).

Each entry maps a URL kwarg name to a callable that gets alice's team and returns a value
naming a REAL object of that team (so a 404 for charlie proves the gate, not a typo).
When you add a team route with a new kwarg, register a sample here:

    @sample("app_id")
    def _app(team: Team) -> object:
        return AppFactory(team=team).pk
"""

from __future__ import annotations

from collections.abc import Callable

from portal.models import Membership, Team
from portal.roles import Role
from tests.factories import InvitationFactory, MembershipFactory

Sample = Callable[[Team], object]
URL_SAMPLES: dict[str, Sample] = {}


def sample(name: str) -> Callable[[Sample], Sample]:
    def register(func: Sample) -> Sample:
        URL_SAMPLES[name] = func
        return func

    return register


@sample("team_slug")
def _team_slug(team: Team) -> object:
    return team.slug


@sample("membership_id")
def _membership(team: Team) -> object:
    found = Membership.objects.filter(team=team).exclude(role=Role.OWNER).first()
    return (found or MembershipFactory(team=team)).pk


@sample("invitation_id")
def _invitation(team: Team) -> object:
    return InvitationFactory(team=team).pk


@sample("app_public_id")
def _app(team: Team) -> object:
    from connectors.models import App
    from tests.connectors.factories import AppFactory

    found = App.objects.filter(team=team).first()
    return (found or AppFactory(team=team)).public_id


@sample("connection_id")
def _connection(team: Team) -> object:
    from connectors.models import Connection
    from tests.connectors.factories import AppFactory, ConnectionFactory

    found = Connection.objects.filter(team=team).first()
    return (found or ConnectionFactory(app=AppFactory(team=team))).pk


@sample("endpoint_id")
def _webhook_endpoint(team: Team) -> object:
    from connectors.notify.models import WebhookEndpoint
    from portal.secrets import Secret

    return WebhookEndpoint.objects.create(
        team=team, url="https://hooks.example.com/portal", signing_secret=Secret("whsec_sample")
    ).pk


@sample("api_key_id")
def _api_key(team: Team) -> object:
    from connectors.api.keys import apikey_create

    key, _ = apikey_create(
        team=team, name="sample", scopes=["read"], expires_at=None, actor=None, request=None
    )
    return key.pk
