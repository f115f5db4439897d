"""Factories for the sandbox's own objects."""

from __future__ import annotations

from typing import Any

import factory

from connectors.providers.intercom.sandbox.models import SandboxApp
from connectors.providers.intercom.sandbox.services import sandbox_app_create

CALLBACK = "http://testserver/accounts/intercom/callback/"


class SandboxAppFactory(factory.django.DjangoModelFactory):
    """A sandbox app through the real service; `.client_secret` holds the one-time secret."""

    class Meta:
        model = SandboxApp

    name = factory.Sequence(lambda n: f"Sandbox app {n}")
    redirect_uris = factory.LazyFunction(lambda: [CALLBACK])
    expiring_tokens = False
    token_lifetime_seconds = 3600

    @classmethod
    def _create(cls, model_class: type[SandboxApp], *args: Any, **kwargs: Any) -> SandboxApp:
        created = sandbox_app_create(**kwargs)
        created.app.client_secret = created.client_secret  # type: ignore[attr-defined]
        return created.app
