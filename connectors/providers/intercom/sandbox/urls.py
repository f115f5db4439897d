"""Mounted at /sandbox/intercom/ when SANDBOX_ENABLED: Intercom's own paths, plus the hub."""

from __future__ import annotations

from django.urls import path

from connectors.providers.intercom.capabilities import PROBES
from connectors.providers.intercom.sandbox import views_api, views_control, views_hub, views_oauth

urlpatterns = [
    # Intercom's paths, relative to SANDBOX_BASE_URL.
    path("oauth", views_oauth.authorize, name="sandbox_intercom_oauth"),
    path("auth/eagle/token", views_api.token, name="sandbox_intercom_token"),
    path("me", views_api.me, name="sandbox_intercom_me"),
    path("auth/uninstall", views_api.uninstall, name="sandbox_intercom_uninstall"),
    # The reads capabilities are checked with (capabilities.PROBES).
    *(
        path(
            probe.path.lstrip("/"),
            views_api.capability_read,
            {"probe_path": probe.path},
            name=f"sandbox_intercom_{probe.key}",
        )
        for probe in PROBES
    ),
    # The Developer Hub pages.
    path("", views_hub.index, name="sandbox_intercom_index"),
    path("apps/new", views_hub.app_create, name="sandbox_intercom_app_create"),
    path("apps/create", views_hub.app_new, name="sandbox_intercom_app_new"),
    path(
        "apps/<str:client_id>/authentication",
        views_hub.app_authentication,
        name="sandbox_intercom_app_authentication",
    ),
    path(
        "apps/<str:client_id>/basic-information",
        views_hub.app_basic_information,
        name="sandbox_intercom_app_basic_information",
    ),
    path("apps/<str:client_id>", views_hub.app_edit, name="sandbox_intercom_app_edit"),
    path(
        "apps/<str:client_id>/rotate-secret",
        views_hub.app_rotate_secret,
        name="sandbox_intercom_app_rotate_secret",
    ),
    path(
        "apps/<str:client_id>/access-token",
        views_hub.app_access_token,
        name="sandbox_intercom_app_access_token",
    ),
    path("apps/<str:client_id>/delete", views_hub.app_delete, name="sandbox_intercom_app_delete"),
    path(
        "workspaces/<str:id_code>/permissions",
        views_hub.workspace_permissions,
        name="sandbox_intercom_workspace_permissions",
    ),
    path(
        "workspaces/<str:id_code>/control",
        views_hub.workspace_control,
        name="sandbox_intercom_workspace_control",
    ),
    path(
        "tokens/<int:token_id>/revoke", views_hub.token_revoke, name="sandbox_intercom_token_revoke"
    ),
    path("reset", views_hub.reset, name="sandbox_intercom_reset"),
    # The JSON control API.
    path("_control/apps", views_control.app_create, name="sandbox_intercom_control_apps"),
    path(
        "_control/apps/<str:client_id>",
        views_control.app_state,
        name="sandbox_intercom_control_app",
    ),
    path(
        "_control/apps/<str:client_id>/access-token",
        views_control.app_access_token,
        name="sandbox_intercom_control_app_access_token",
    ),
    path(
        "_control/workspaces", views_control.workspaces, name="sandbox_intercom_control_workspaces"
    ),
    path(
        "_control/workspaces/<str:id_code>",
        views_control.workspace,
        name="sandbox_intercom_control_workspace",
    ),
    path(
        "_control/workspaces/<str:id_code>/permissions",
        views_control.workspace_permissions,
        name="sandbox_intercom_control_workspace_permissions",
    ),
    path(
        "_control/workspaces/<str:id_code>/uninstall",
        views_control.workspace_uninstall,
        name="sandbox_intercom_control_workspace_uninstall",
    ),
    path("_control/tokens", views_control.tokens, name="sandbox_intercom_control_tokens"),
    path("_control/tokens/<str:ref>", views_control.token, name="sandbox_intercom_control_token"),
    path("_control/reset", views_control.reset, name="sandbox_intercom_control_reset"),
    path("_control/sandbox", views_control.wide, name="sandbox_intercom_control_wide"),
]
