"""API key services: create (shown once), revoke, and authenticate a bearer value."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from connectors.api.models import ApiKey, Scope
from portal.models import Team
from portal.secrets import Secret
from portal.services.audit import audit_log

KEY_PREFIX = "cpk_"
PREFIX_CHARS = 12
# last_used_at is written at most this often per key, so reads don't turn into writes.
LAST_USED_EVERY = timedelta(seconds=60)


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def apikey_create(
    *,
    team: Team,
    name: str,
    scopes: list[str],
    expires_at: datetime | None,
    actor: Any,
    request: HttpRequest | None,
) -> tuple[ApiKey, Secret]:
    """Create a key; answers it with the full key value, which is never stored."""
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise ValueError(f"scopes must be a non-empty subset of {Scope.values}")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            team=team, name=name, scopes=sorted(scopes), prefix=raw[:PREFIX_CHARS],
            key_hash=key_hash(raw), expires_at=expires_at,
            created_by=actor if getattr(actor, "pk", None) else None,
        )  # fmt: skip
        audit_log(
            team=team, actor=actor, action="apikey.created", target=key, request=request,
            details={"name": name, "prefix": key.prefix, "scopes": key.scopes,
                     "expires_at": expires_at.isoformat() if expires_at else None},
        )  # fmt: skip
    return key, Secret(raw)


def apikey_revoke(*, key: ApiKey, actor: Any, request: HttpRequest | None) -> ApiKey:
    with transaction.atomic():
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            audit_log(
                team=key.team, actor=actor, action="apikey.revoked", target=key, request=request,
                details={"name": key.name, "prefix": key.prefix},
            )  # fmt: skip
    return key


def apikey_authenticate(*, raw: str, ip: str | None, now: datetime | None = None) -> ApiKey | None:
    """The live key for a bearer value, or None (unknown, revoked or expired)."""
    now = now or timezone.now()
    if not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    key = ApiKey.objects.select_related("team").filter(key_hash=key_hash(raw)).first()
    if key is None or key.revoked_at is not None:
        return None
    if key.expires_at is not None and key.expires_at <= now:
        return None
    if (
        key.last_used_at is None
        or key.last_used_at < now - LAST_USED_EVERY
        or key.last_used_ip != ip
    ):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, last_used_ip=ip)
        key.last_used_at, key.last_used_ip = now, ip
    return key
