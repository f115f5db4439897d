"""Operators' notices: one email to the portal's staff per provider incident."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from connectors.models import Incident
from connectors.providers import provider_find
from portal.models import User
from portal.text import strip_control_characters


def operator_emails() -> list[str]:
    """Active staff users' addresses: the people who see /ops/."""
    rows = User.objects.filter(is_active=True).filter(Q(is_staff=True) | Q(is_superuser=True))
    return sorted({u.email for u in rows if u.email})


def incident_notify_operators(*, incident_id: int) -> bool:
    """Email operators about one incident, once (claimed); False if already done."""
    claimed = Incident.objects.filter(pk=incident_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return False
    incident = Incident.objects.get(pk=incident_id)
    recipients = operator_emails()
    if not recipients:
        return True
    spec = provider_find(incident.provider)
    name = spec.name if spec is not None else incident.provider
    region = incident.region or "its default region"
    context = {
        "incident": incident,
        "provider_name": name,
        "region": region,
        "link": f"{settings.SITE_URL}{reverse('ops_dashboard')}",
        "portal_name": settings.PORTAL_NAME,
    }
    subject = strip_control_characters(
        f"[{settings.PORTAL_NAME}] Provider incident: {name} ({region}), "
        f"{incident.bad} of {incident.checked} connections failing"
    )
    body = render_to_string("notify/email/incident.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    return True
