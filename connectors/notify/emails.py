"""Email: who gets it, and what it says (what happened, why, and where to act)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from connectors.notify.models import EventType, NotificationSettings, OutboxEvent, WebhookEndpoint
from portal.models import Membership, Team
from portal.roles import Role
from portal.text import strip_control_characters

_HEADLINES = {
    EventType.CONNECTED: "{name} was connected",
    EventType.RECONNECTED: "{name} was reconnected",
    EventType.DISCONNECTED: "{name} was disconnected",
    EventType.STATUS_SUMMARY: "{name} changed status {count} times",
    EventType.TEST: "Test notification from {portal}",
}


def team_admin_emails(team: Team) -> list[str]:
    rows = Membership.objects.filter(team=team, role__in=[Role.OWNER, Role.ADMIN])
    return sorted({m.user.email for m in rows.select_related("user") if m.user.email})


def email_recipients(team: Team) -> list[str]:
    """The team's configured addresses, or else its owners and admins; [] if turned off."""
    prefs = NotificationSettings.objects.filter(team=team).first()
    if prefs is not None:
        if not prefs.email_enabled:
            return []
        configured = [line.strip() for line in prefs.email_recipients.splitlines() if line.strip()]
        if configured:
            return configured
    return team_admin_emails(team)


def _site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _headline(event: OutboxEvent, name: str) -> str:
    if event.event_type == EventType.STATUS_CHANGED:
        before, after = event.data.get("from", "?"), event.data.get("to", "?")
        if after == "healthy":
            return f"Recovered: {name} is healthy again (was {before})"
        return f"{name} is now {after} (was {before})"
    if event.event_type == EventType.RECONNECTED and event.data.get("status") == "healthy":
        return f"Recovered: {name} was reconnected and is healthy"
    template = _HEADLINES.get(EventType(event.event_type), "{name}: {type}")
    return template.format(
        name=name,
        count=event.data.get("count", ""),
        portal=settings.PORTAL_NAME,
        type=event.event_type,
    )


def _advice(event: OutboxEvent) -> str:
    to = event.data.get("to") or event.data.get("status_now") or ""
    if event.event_type == EventType.DISCONNECTED or to in {"revoked", "disconnected"}:
        return "The token no longer works. Open the connection and press Reconnect."
    if to in {"failing", "degraded"}:
        return "The portal keeps checking. Open the connection to see the latest checks."
    return ""


def event_email_context(event: OutboxEvent) -> dict[str, Any]:
    connection = event.connection
    name = connection.workspace_name or connection.external_id if connection else "Workspace"
    link = ""
    if connection is not None:
        link = _site(
            reverse(
                "connection_detail",
                kwargs={"team_slug": event.team.slug, "connection_id": connection.pk},
            )
        )
    return {
        "event": event,
        "team": event.team,
        "headline": _headline(event, name),
        "reason": event.data.get("reason", ""),
        "advice": _advice(event),
        "link": link,
        "changes": event.data.get("changes", []),
        "settings_link": _site(reverse("notify_settings", kwargs={"team_slug": event.team.slug})),
        "portal_name": settings.PORTAL_NAME,
    }


def event_email_send(*, event: OutboxEvent, recipients: list[str]) -> None:
    """Send the event's email; raises whatever the mail backend raises."""
    context = event_email_context(event)
    subject = strip_control_characters(f"[{settings.PORTAL_NAME}] {context['headline']}")
    body = render_to_string("notify/email/event.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def endpoint_disabled_email_send(*, endpoint: WebhookEndpoint) -> None:
    """Tell the team's admins that their webhook endpoint stopped receiving events."""
    recipients = team_admin_emails(endpoint.team)
    if not recipients:
        return
    link = _site(reverse("notify_settings", kwargs={"team_slug": endpoint.team.slug}))
    body = render_to_string(
        "notify/email/endpoint_disabled.txt",
        {"endpoint": endpoint, "link": link, "portal_name": settings.PORTAL_NAME},
    )
    subject = strip_control_characters(
        f"[{settings.PORTAL_NAME}] Webhook endpoint disabled: {endpoint.url[:80]}"
    )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
