"""Invitations: emailed, single-use links that expire after seven days.

The link carries a random token; only its SHA-256 is stored, so a database leak does not
hand out working invitations. Resending issues a fresh token and voids the old link.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from portal.models import Invitation, Membership, Team, User
from portal.roles import Role, assignable_roles
from portal.services.audit import audit_log
from portal.services.teams import TeamError
from portal.text import strip_control_characters

INVITATION_LIFETIME = timedelta(days=7)


class InvitationProblem(Exception):
    """Why an invitation link cannot be accepted; `kind` picks the page's wording."""

    def __init__(self, kind: str, message: str, invitation: Invitation | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.invitation = invitation


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str, request: HttpRequest | None = None) -> str:
    path = reverse("invitation_accept", kwargs={"token": token})
    if request is not None:
        return request.build_absolute_uri(path)
    return f"{settings.SITE_URL}{path}"


def _send(invitation: Invitation, token: str, request: HttpRequest | None) -> None:
    context = {
        "invitation": invitation,
        "link": invitation_link(token, request),
        "inviter": invitation.invited_by.email if invitation.invited_by else "",
        "PORTAL_NAME": settings.PORTAL_NAME,
    }
    # A name typed before control characters were refused must not break the header.
    subject = strip_control_characters(
        render_to_string("portal/email/invitation_subject.txt", context)
    )
    body = render_to_string("portal/email/invitation_message.txt", context)
    # Raising rolls the surrounding transaction back, so no invitation exists that
    # nobody was told about; the view turns it into a "try again" message.
    send_mail(subject, body, None, [invitation.email], fail_silently=False)


def invitation_create(
    *,
    team: Team,
    email: str,
    role: str,
    invited_by: User,
    inviter_role: str,
    request: HttpRequest | None = None,
) -> Invitation:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise TeamError(f"“{email}” is not a valid email address.", field="email") from exc
    if role not in Role.values:
        raise TeamError(f"“{role}” is not a role.", field="role")
    if role not in assignable_roles(inviter_role):
        raise TeamError("Only an owner can invite someone as an owner.", field="role")
    if Membership.objects.filter(team=team, user__email__iexact=email).exists():
        raise TeamError(f"{email} is already a member of {team.name}.", field="email")
    now = timezone.now()
    with transaction.atomic():
        pending = Invitation.objects.select_for_update().filter(
            team=team,
            email__iexact=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=now,
        )
        if pending.exists():
            raise TeamError(
                f"{email} already has a pending invitation. Resend it from the list below.",
                field="email",
            )
        token = secrets.token_urlsafe(32)
        invitation = Invitation.objects.create(
            team=team,
            email=email,
            role=role,
            token_hash=_hash(token),
            invited_by=invited_by,
            sent_at=now,
            expires_at=now + INVITATION_LIFETIME,
        )
        audit_log(
            team=team,
            actor=invited_by,
            action="invitation.created",
            target=invitation,
            request=request,
            details={"email": email, "role": role},
        )
        _send(invitation, token, request)
    return invitation


def invitation_resend(
    *, invitation: Invitation, actor: User, request: HttpRequest | None = None
) -> Invitation:
    """Email a fresh link (the old one stops working) with a fresh seven days."""
    if invitation.accepted_at or invitation.revoked_at:
        raise TeamError(
            f"This invitation was {invitation.status}; invite {invitation.email} again."
        )
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation.token_hash = _hash(token)
        invitation.sent_at = now
        invitation.expires_at = now + INVITATION_LIFETIME
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
        audit_log(
            team=invitation.team,
            actor=actor,
            action="invitation.resent",
            target=invitation,
            request=request,
            details={"email": invitation.email},
        )
        _send(invitation, token, request)
    return invitation


def invitation_revoke(
    *, invitation: Invitation, actor: User, request: HttpRequest | None = None
) -> Invitation:
    if invitation.accepted_at:
        raise TeamError("This invitation was already accepted; remove the member instead.")
    if invitation.revoked_at:
        return invitation
    with transaction.atomic():
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_log(
            team=invitation.team,
            actor=actor,
            action="invitation.revoked",
            target=invitation,
            request=request,
            details={"email": invitation.email},
        )
    return invitation


def invitation_for_token(token: str) -> Invitation:
    """The invitation a link points at, or InvitationProblem saying why it is unusable."""
    invitation = (
        Invitation.objects.select_related("team", "invited_by")
        .filter(token_hash=_hash(token))
        .first()
    )
    if invitation is None:
        raise InvitationProblem(
            "invalid",
            "This invitation link is not valid. It may have been mistyped, or replaced by a "
            "newer email. Ask the person who invited you to resend it.",
        )
    if invitation.accepted_at:
        raise InvitationProblem(
            "used", "This invitation has already been used. Sign in to see your teams.", invitation
        )
    if invitation.revoked_at:
        raise InvitationProblem(
            "revoked",
            "This invitation was withdrawn. Ask the team's admins for a new one.",
            invitation,
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationProblem(
            "expired",
            "This invitation has expired (they last seven days). "
            "Ask the team's admins to resend it.",
            invitation,
        )
    return invitation


def _has_verified_email(user: User, email: str) -> bool:
    found = EmailAddress.objects.filter(user=user, email__iexact=email, verified=True)
    return bool(found.exists())


def invitation_accept(*, token: str, user: User, request: HttpRequest | None = None) -> Membership:
    """Join the team. Checks run again under a row lock, so a link works exactly once."""
    with transaction.atomic():
        found = invitation_for_token(token)
        invitation = Invitation.objects.select_for_update().select_related("team").get(pk=found.pk)
        invitation_for_token(token)  # re-check now that the row is locked
        if not _has_verified_email(user, invitation.email):
            raise InvitationProblem(
                "mismatch",
                f"This invitation is for {invitation.email}, but you are signed in as "
                f"{user.email}. Sign out and sign in (or sign up) as {invitation.email}, "
                "or add and verify that address in your account's email settings.",
                invitation,
            )
        if Membership.objects.filter(team=invitation.team, user=user).exists():
            raise InvitationProblem(
                "member", f"You are already a member of {invitation.team.name}.", invitation
            )
        membership = Membership.objects.create(
            team=invitation.team, user=user, role=invitation.role
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_log(
            team=invitation.team,
            actor=user,
            action="invitation.accepted",
            target=invitation,
            request=request,
            details={"email": invitation.email, "role": invitation.role},
        )
        audit_log(
            team=invitation.team,
            actor=user,
            action="member.added",
            target=membership,
            request=request,
            details={"email": user.email, "role": invitation.role, "via": "invitation"},
        )
    return membership
