"""factory_boy factories for the connectors: apps and connections."""

from __future__ import annotations

import factory

from connectors.models import App, Connection
from tests.factories import TeamFactory
from tests.support.leaks import register_test_secret


class AppFactory(factory.django.DjangoModelFactory):
    """An Intercom app in the US region with a client id and secret."""

    class Meta:
        model = App

    team = factory.SubFactory(TeamFactory)
    provider = "intercom"
    name = factory.Sequence(lambda n: f"Support app {n}")
    region = "us"
    client_id = factory.Sequence(lambda n: f"client-id-{n:04d}-0000-aaaa")
    client_secret = factory.Sequence(
        lambda n: register_test_secret(f"factory-client-secret-{n:06d}")
    )


class ConnectionFactory(factory.django.DjangoModelFactory):
    """A healthy connection through an app, holding a token."""

    class Meta:
        model = Connection

    app = factory.SubFactory(AppFactory)
    team = factory.SelfAttribute("app.team")
    provider = "intercom"
    external_id = factory.Sequence(lambda n: f"ws{n:06d}")
    workspace_name = factory.Sequence(lambda n: f"Workspace {n}")
    region = "us"
    access_token = factory.Sequence(lambda n: register_test_secret(f"factory-access-token-{n:08d}"))
    status = "healthy"
