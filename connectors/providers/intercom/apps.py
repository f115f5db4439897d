from __future__ import annotations

from django.apps import AppConfig


class IntercomConfig(AppConfig):
    name = "connectors.providers.intercom"
    label = "intercom"
    verbose_name = "Intercom provider"

    def ready(self) -> None:
        from connectors.providers import provider_register
        from connectors.providers.intercom.provider import PROVIDER

        provider_register(PROVIDER)
