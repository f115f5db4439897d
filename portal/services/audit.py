"""The audit log's only writer. Events are appended, never edited or deleted."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from portal.clientaddr import client_ip
from portal.models import AuditEvent, Team, User

# Keys that look like they could carry a secret are masked before they reach the DB,
# in case a caller passes one by mistake.
_SECRET_WORDS = ("secret", "token", "password", "key", "authorization", "cookie")


def _scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            str(k): "***" if any(word in str(k).lower() for word in _SECRET_WORDS) else _scrub(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return client_ip(request) or None


def audit_log(
    *,
    team: Team | None,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    request: HttpRequest | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that `actor` did `action` (e.g. "member.role_changed") to `target` in `team`."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or str(target.pk)
    user = actor if isinstance(actor, User) else None
    return AuditEvent.objects.create(
        team=team,
        actor=user,
        actor_email=user.email if user else "",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        ip=_client_ip(request),
        details=_scrub(details or {}),
    )
