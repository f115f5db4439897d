"""Writes for teams and memberships, with the last-owner rule enforced in one place."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.text import slugify

from portal.models import Membership, Team, User
from portal.roles import Perm, Role, assignable_roles, role_allows
from portal.services.audit import audit_log
from portal.signals import team_deleting

RESERVED_SLUGS = frozenset({"new", "create", "admin", "api", "static"})


class TeamError(Exception):
    """A request that cannot be carried out; the message is shown to the user as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def team_slug_for(name: str) -> str:
    return slugify(name)[:50].strip("-")


def team_create(
    *, name: str, owner: User, slug: str = "", request: HttpRequest | None = None
) -> Team:
    """Create a team with `owner` as its first owner."""
    name = name.strip()
    if not name:
        raise TeamError("Give the team a name.", field="name")
    slug = slugify(slug)[:50] if slug else team_slug_for(name)
    if not slug:
        raise TeamError(
            "The name needs at least one letter or digit to make the team's address.",
            field="name",
        )
    if slug in RESERVED_SLUGS:
        raise TeamError(f"“{slug}” is reserved; choose another name or address.", field="slug")
    if Team.objects.filter(slug=slug).exists():
        raise TeamError(
            f"The address /t/{slug}/ is taken. Choose another name or address.", field="slug"
        )
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name, slug=slug)
            membership = Membership.objects.create(team=team, user=owner, role=Role.OWNER)
            audit_log(team=team, actor=owner, action="team.created", target=team, request=request)
            audit_log(
                team=team,
                actor=owner,
                action="member.added",
                target=membership,
                request=request,
                details={"email": owner.email, "role": Role.OWNER},
            )
    except IntegrityError as exc:  # a concurrent create took the slug first
        raise TeamError(
            f"The address /t/{slug}/ is taken. Choose another name or address.", field="slug"
        ) from exc
    return team


def team_update(
    *,
    team: Team,
    actor: User,
    name: str,
    require_mfa: bool,
    actor_role: str,
    request: HttpRequest | None = None,
) -> Team:
    """Rename the team and set its MFA requirement. The slug never changes."""
    name = name.strip()
    if not name:
        raise TeamError("Give the team a name.", field="name")
    if require_mfa != team.require_mfa and not role_allows(actor_role, Perm.OWNERS_MANAGE):
        raise TeamError(
            "Only an owner can change whether the team requires MFA.", field="require_mfa"
        )
    with transaction.atomic():
        if name != team.name:
            audit_log(
                team=team,
                actor=actor,
                action="team.renamed",
                target=team,
                request=request,
                details={"from": team.name, "to": name},
            )
        if require_mfa != team.require_mfa:
            audit_log(
                team=team,
                actor=actor,
                action="team.mfa_required" if require_mfa else "team.mfa_not_required",
                target=team,
                request=request,
            )
        team.name = name
        team.require_mfa = require_mfa
        team.save(update_fields=["name", "require_mfa"])
    return team


def team_delete(*, team: Team, actor: User, request: HttpRequest | None = None) -> None:
    # First, so what the team holds elsewhere (tokens at a provider) is let go of.
    team_deleting.send(sender=Team, team=team, actor=actor, request=request)
    with transaction.atomic():
        # The event outlives the team (team becomes NULL), so name it in the details.
        team_id = team.pk
        details = {"name": team.name, "slug": team.slug}
        team.delete()
        audit_log(
            team=None,
            actor=actor,
            action="team.deleted",
            target_type="portal.team",
            target_id=str(team_id),
            request=request,
            details=details,
        )


def _other_owners(membership: Membership) -> int:
    # Locking the team's owner rows serialises concurrent demotions of the last two owners.
    owners = Membership.objects.select_for_update().filter(team=membership.team, role=Role.OWNER)
    return sum(1 for m in owners if m.pk != membership.pk)


def _check_may_touch(*, actor_role: str, membership: Membership, new_role: str | None) -> None:
    touches_owner = membership.role == Role.OWNER or new_role == Role.OWNER
    if touches_owner and not role_allows(actor_role, Perm.OWNERS_MANAGE):
        raise TeamError("Only an owner can change or remove an owner.")
    if not role_allows(actor_role, Perm.MEMBERS_MANAGE):
        raise TeamError("Only owners and admins can manage members.")


def membership_change_role(
    *,
    membership: Membership,
    role: str,
    actor: User,
    actor_role: str,
    request: HttpRequest | None = None,
) -> Membership:
    if role not in Role.values:
        raise TeamError(f"“{role}” is not a role. Choose owner, admin, member or viewer.")
    if role not in assignable_roles(actor_role):
        raise TeamError("Only an owner can make someone an owner.")
    _check_may_touch(actor_role=actor_role, membership=membership, new_role=role)
    if role == membership.role:
        return membership
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.role == Role.OWNER and _other_owners(membership) == 0:
            raise TeamError(
                f"{membership.user.email} is the team's last owner. "
                "Make someone else an owner first."
            )
        old = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        audit_log(
            team=membership.team,
            actor=actor,
            action="member.role_changed",
            target=membership,
            request=request,
            details={"email": membership.user.email, "from": old, "to": role},
        )
    return membership


def membership_remove(
    *,
    membership: Membership,
    actor: User,
    actor_role: str,
    request: HttpRequest | None = None,
) -> None:
    """Remove someone from the team, or let a person leave (actor == member)."""
    leaving = membership.user_id == actor.pk
    if not leaving:
        _check_may_touch(actor_role=actor_role, membership=membership, new_role=None)
    with transaction.atomic():
        membership = Membership.objects.select_for_update().get(pk=membership.pk)
        if membership.role == Role.OWNER and _other_owners(membership) == 0:
            if leaving:
                raise TeamError(
                    "You are the team's last owner, so you can't leave. "
                    "Make someone else an owner first, or delete the team."
                )
            raise TeamError(
                f"{membership.user.email} is the team's last owner and can't be removed."
            )
        details = {"email": membership.user.email, "role": membership.role}
        target_id = str(membership.pk)
        membership.delete()
        audit_log(
            team=membership.team,
            actor=actor,
            action="member.left" if leaving else "member.removed",
            target_type="portal.membership",
            target_id=target_id,
            request=request,
            details=details,
        )


def teams_for_user(user: User) -> list[Membership]:
    """The user's memberships with their teams, for the switcher and the landing page."""
    return list(Membership.objects.filter(user=user).select_related("team").order_by("team__name"))


def landing_url(user: User) -> str:
    """Where a signed-in person starts: their team, a choice of teams, the operators'
    dashboard for staff in no team, or onboarding."""
    memberships = list(
        Membership.objects.filter(user=user).select_related("team").order_by("team__name")[:2]
    )
    if not memberships:
        return _staff_landing(user) or reverse("onboarding")
    if len(memberships) == 1:
        return reverse("team_overview", kwargs={"team_slug": memberships[0].team.slug})
    return reverse("home")


def _staff_landing(user: User) -> str | None:
    # By URL name: the dashboard is the connectors' (the people layer does not import it),
    # and a deployment without it sends staff to onboarding like anyone else.
    if not user.is_staff:
        return None
    try:
        return reverse("ops_dashboard")
    except NoReverseMatch:
        return None
