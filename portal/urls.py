from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from connectors.ops import urls as ops_urls
from connectors.providers import provider_all
from portal.views import audit, home, invitations, members, probes, teams

# Every page of a team lives under /t/<team_slug>/. Other packages append their own
# team routes here (e.g. path("apps/", include("connectors.urls"))); the outsider walk
# test (tests/portal/test_outsider_walk.py) requests each one as an outsider.
team_urlpatterns = [
    path("settings/", teams.team_settings, name="team_settings"),
    path("delete/", teams.team_delete, name="team_delete"),
    path("leave/", teams.team_leave, name="team_leave"),
    path("members/", members.team_members, name="team_members"),
    path("members/<int:membership_id>/role/", members.team_member_role, name="team_member_role"),
    path(
        "members/<int:membership_id>/remove/",
        members.team_member_remove,
        name="team_member_remove",
    ),
    path("invitations/", invitations.team_invitations, name="team_invitations"),
    path(
        "invitations/<int:invitation_id>/resend/",
        invitations.team_invitation_resend,
        name="team_invitation_resend",
    ),
    path(
        "invitations/<int:invitation_id>/revoke/",
        invitations.team_invitation_revoke,
        name="team_invitation_revoke",
    ),
    path("audit/", audit.team_audit, name="team_audit"),
    path("", include("connectors.urls")),
    path("notifications/", include("connectors.notify.urls")),
    path("api-keys/", include("connectors.api.team_urls")),
]

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", probes.healthz, name="healthz"),
    path("readyz", probes.readyz, name="readyz"),
    path("welcome/", home.onboarding, name="onboarding"),
    path("teams/new/", teams.team_create, name="team_create"),
    path("invitations/<str:token>/", invitations.invitation_accept, name="invitation_accept"),
    path("t/<slug:team_slug>/", include(team_urlpatterns)),
    path("accounts/", include("allauth.urls")),
    path("hooks/", include("connectors.hook_urls")),
    path("api/v1/", include("connectors.api.urls")),
    path("admin/", admin.site.urls),
    path("ops/", include("connectors.ops.urls")),
    *ops_urls.metrics_urlpatterns,
]

if settings.SANDBOX_ENABLED:
    # Each provider's stand-in, at /sandbox/<provider>/, only where enabled (development
    # and tests).
    urlpatterns += [
        path(f"sandbox/{provider.key}/", include(provider.sandbox_urls))
        for provider in provider_all()
        if provider.sandbox_urls
    ]

handler500 = "portal.views.errors.server_error"
