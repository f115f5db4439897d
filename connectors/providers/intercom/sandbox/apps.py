from __future__ import annotations

from django.apps import AppConfig


class IntercomSandboxConfig(AppConfig):
    name = "connectors.providers.intercom.sandbox"
    label = "intercom_sandbox"
    verbose_name = "Sandbox Intercom"
    default_auto_field = "django.db.models.BigAutoField"
