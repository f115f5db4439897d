"""The operators' admin: teams, members, invitations and the (read-only) audit log."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from portal.models import AuditEvent, Invitation, Membership, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "last_login")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "slug", "require_mfa", "created_at")
    list_filter = ("require_mfa", "created_at")
    search_fields = ("name", "slug")
    readonly_fields = ("slug", "created_at")
    inlines = (MembershipInline,)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "team", "role", "created_at")
    list_filter = ("role", "team")
    search_fields = ("user__email", "team__name", "team__slug")
    autocomplete_fields = ("user", "team")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("email", "team", "role", "status", "sent_at", "expires_at")
    list_filter = ("role", "team", "accepted_at", "revoked_at")
    search_fields = ("email", "team__name", "team__slug")
    # The token hash is excluded: it is not a secret in itself, but nobody needs it.
    exclude = ("token_hash",)
    readonly_fields = (
        "team",
        "email",
        "role",
        "invited_by",
        "created_at",
        "sent_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invitations are created (and emailed) from the team's page


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("created_at", "team", "actor_email", "action", "target_type", "target_id", "ip")
    list_filter = ("action", "target_type", "created_at")
    search_fields = (
        "actor_email",
        "action",
        "target_type",
        "target_id",
        "team__name",
        "team__slug",
    )
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Only what SECURITY.md lists: allauth's own models (email addresses, MFA authenticators,
# sessions, social apps and tokens) and Django's groups stay out of the admin.
for _model in (EmailAddress, Authenticator, UserSession, SocialAccount, SocialApp, SocialToken,
               Group):  # fmt: skip
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
