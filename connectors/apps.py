from __future__ import annotations

from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "connectors"
    verbose_name = "Connectors"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from connectors.services.connections import on_team_deleting
        from portal.signals import team_deleting

        # A deleted team's tokens are revoked at the provider, as on disconnect.
        team_deleting.connect(on_team_deleting, dispatch_uid="connectors.team_deleting")
