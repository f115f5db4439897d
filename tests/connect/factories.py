"""Factories for registered apps and connections (the connectors' side)."""

from __future__ import annotations

import factory
from django.utils import timezone

from connectors.models import App, AppKind, Connection
from connectors.secrets import Secret
from tests.factories import TeamFactory


class AppFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = App

    team = factory.SubFactory(TeamFactory)
    provider = "intercom"
    kind = AppKind.PUBLIC
    name = factory.Sequence(lambda n: f"Support app {n}")
    region = "us"
    client_id = factory.Sequence(lambda n: f"client-{n:04d}-0000-0000-000000000000")
    client_secret = factory.LazyFunction(lambda: Secret("client-secret-value-0123456789"))


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    app = factory.SubFactory(AppFactory)
    team = factory.SelfAttribute("app.team")
    provider = "intercom"
    external_id = factory.Sequence(lambda n: f"ws{n:06d}")
    workspace_name = factory.Sequence(lambda n: f"Workspace {n}")
    region = "us"
    access_token = factory.LazyFunction(lambda: Secret("tok_" + "a" * 40))
    status = "healthy"
    connected_at = factory.LazyFunction(timezone.now)
