"""Roles and the permission matrix: the one place that says who may do what in a team."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"
    VIEWER = "viewer", "Viewer"


class Perm(StrEnum):
    TEAM_VIEW = "team.view"
    TEAM_MANAGE = "team.manage"  # rename, settings, require MFA
    TEAM_DELETE = "team.delete"
    MEMBERS_MANAGE = "members.manage"  # invite, change roles, remove (never owners)
    OWNERS_MANAGE = "owners.manage"  # promote to / demote from / remove owners
    APPS_VIEW = "apps.view"
    APPS_MANAGE = "apps.manage"
    CONNECTIONS_CONNECT = "connections.connect"  # connect, reconnect, check now
    CONNECTIONS_DISCONNECT = "connections.disconnect"
    NOTIFICATIONS_MANAGE = "notifications.manage"
    AUDIT_VIEW = "audit.view"
    APIKEYS_MANAGE = "apikeys.manage"


# Ranks make "admin and above" readable; the matrix below is still written out as data
# so the README's permissions table and the role-matrix tests can be checked against it
# line by line.
RANK: dict[str, int] = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}

MINIMUM_ROLE: dict[Perm, Role] = {
    Perm.TEAM_VIEW: Role.VIEWER,
    Perm.APPS_VIEW: Role.VIEWER,
    Perm.CONNECTIONS_CONNECT: Role.MEMBER,
    Perm.TEAM_MANAGE: Role.ADMIN,
    Perm.MEMBERS_MANAGE: Role.ADMIN,
    Perm.APPS_MANAGE: Role.ADMIN,
    Perm.CONNECTIONS_DISCONNECT: Role.ADMIN,
    Perm.NOTIFICATIONS_MANAGE: Role.ADMIN,
    Perm.AUDIT_VIEW: Role.ADMIN,
    Perm.APIKEYS_MANAGE: Role.ADMIN,
    Perm.TEAM_DELETE: Role.OWNER,
    Perm.OWNERS_MANAGE: Role.OWNER,
}

# Requiring MFA is a team setting that only owners may change, although the rest of
# team.manage (renaming) is open to admins.
REQUIRE_MFA_MINIMUM = Role.OWNER


def role_allows(role: str, perm: str) -> bool:
    """True when `role` may do `perm`. Unknown roles or permissions are refused."""
    try:
        needed = MINIMUM_ROLE[Perm(perm)]
    except ValueError:
        return False
    if role not in RANK:
        return False
    return RANK[role] >= RANK[needed]


def roles_allowed(perm: str) -> list[Role]:
    """Every role that may do `perm`, highest first (for docs and messages)."""
    return [role for role in reversed(Role) if role_allows(role, perm)]


def assignable_roles(actor_role: str) -> list[Role]:
    """Roles `actor_role` may give to someone: owners may make owners, admins may not."""
    if role_allows(actor_role, Perm.OWNERS_MANAGE):
        return list(Role)
    if role_allows(actor_role, Perm.MEMBERS_MANAGE):
        return [Role.ADMIN, Role.MEMBER, Role.VIEWER]
    return []
