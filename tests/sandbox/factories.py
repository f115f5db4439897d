"""Factories for the sandbox's own objects."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from connectors.engine.refresh import refresh_due
from connectors.models import App, Connection
from connectors.providers.intercom.sandbox.models import SandboxApp
from connectors.providers.intercom.sandbox.services import sandbox_app_create
from portal.models import Team
from portal.secrets import Secret

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


def portal_connection(
    team: Team,
    sandbox_app: SandboxApp,
    *,
    access_token: str,
    refresh_token: str | None = None,
    expires_in: int | None = None,
    interval: int = 60,
) -> tuple[App, Connection]:
    """A portal app registered with `sandbox_app`'s credentials, and a connection to the
    sandbox's acme0us1 workspace holding the given tokens, due for a check now."""
    app = App.objects.create(
        team=team, provider="intercom", name="Sandbox", region="sandbox",
        client_id=sandbox_app.client_id,
        client_secret=Secret(sandbox_app.client_secret),  # type: ignore[attr-defined]
        check_interval_seconds=interval,
    )  # fmt: skip
    now = timezone.now()
    expires_at = now + timedelta(seconds=expires_in) if expires_in else None
    connection = Connection.objects.create(
        team=team, app=app, provider="intercom", external_id="acme0us1",
        workspace_name="Acme Support", region="us", access_token=Secret(access_token),
        refresh_token=Secret(refresh_token) if refresh_token else None,
        token_expires_at=expires_at,
        refresh_due_at=refresh_due(issued_at=now, expires_at=expires_at,
                                   refreshable=refresh_token is not None),
        next_check_at=now,
    )  # fmt: skip
    return app, connection
