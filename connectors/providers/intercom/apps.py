from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks


class IntercomConfig(AppConfig):
    name = "connectors.providers.intercom"
    label = "intercom"
    verbose_name = "Intercom provider"

    def ready(self) -> None:
        from connectors.providers import provider_register
        from connectors.providers.intercom.provider import PROVIDER

        provider_register(PROVIDER)
        checks.register(api_version_check)


def api_version_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A configuration problem operators see at start-up: a version Intercom never published."""
    from connectors.providers.intercom.versions import SETTING, api_version, published_versions

    version = api_version()
    if version in published_versions():
        return []
    return [
        checks.Warning(
            f"{SETTING} is {version[:20]!r}, which is not a version Intercom publishes: "
            "Intercom will answer every check with 400 intercom_version_invalid.",
            hint=f"Set {SETTING} to one of {', '.join(published_versions())}.",
            id="intercom.W001",
        )
    ]
