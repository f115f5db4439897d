"""Refreshing expiring tokens ahead of expiry: one at a time per connection, never lost.

1. A marker (`refresh_started_at`) is committed before the provider is called. A fresh
   marker means another refresh is in flight, so this one makes no call: the marker,
   not a lock held across the network call, is what makes refreshes one at a time.
2. The row is re-read once the marker is ours: if someone else refreshed meanwhile, stop.
3. The provider is called outside any transaction (on SQLite a write transaction locks
   the whole database), then the row is locked, re-read, and the rotated tokens are
   saved together with the cleared marker in one transaction.

A marker older than `HEALTH_REFRESH_STALE_SECONDS` was left by an attempt that died,
perhaps after the provider rotated the refresh token but before our commit. If the
provider then answers `invalid_grant`, the token is gone for good: the connection is
revoked with a reason that says so, and nothing retries.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from connectors.engine import config
from connectors.engine.batch import region_of
from connectors.health.outcomes import ACTIVE, Status
from connectors.health.schedule import refresh_due_at
from connectors.models import Connection, Transition
from connectors.notify.outbox import notify_transition
from connectors.providers import RefreshAnswer, provider_find

logger = logging.getLogger("connectors.engine")

ROTATED_NOT_SAVED = (
    "The provider refused to refresh the token (invalid_grant) after an interrupted refresh "
    "whose rotated token was not saved: reconnect the workspace."
)
INVALID_GRANT = (
    "The provider refused to refresh the token (invalid_grant): reconnect the workspace."
)
MAX_REFRESH_BACKOFF = timedelta(minutes=5)


def refresh_due(
    *, issued_at: datetime, expires_at: datetime | None, refreshable: bool
) -> datetime | None:
    """When workers refresh a token issued now; None: never (no expiry or no refresh token)."""
    if expires_at is None or not refreshable:
        return None
    return refresh_due_at(issued_at=issued_at, expires_at=expires_at, ahead=config.refresh_ahead())


def _backoff(failures: int) -> timedelta:
    wait: timedelta = timedelta(seconds=15) * (1 << min(failures, 10))
    return min(wait, MAX_REFRESH_BACKOFF)


def _claim(connection_id: int, now: datetime) -> tuple[bool, bool]:
    """(claimed, an earlier attempt died mid-flight), via a conditional UPDATE."""
    marker = (
        Connection.objects.filter(pk=connection_id)
        .values_list("refresh_started_at", flat=True)
        .first()
    )
    if marker is not None and marker > now - config.refresh_stale():
        return False, False
    rows = Connection.objects.filter(pk=connection_id)
    rows = (
        rows.filter(refresh_started_at=marker)
        if marker
        else rows.filter(refresh_started_at__isnull=True)
    )
    return rows.update(refresh_started_at=now) == 1, marker is not None


def _revoke(connection: Connection, reason: str, now: datetime) -> None:
    Transition.objects.create(
        connection=connection,
        team_id=connection.team_id,
        at=now,
        from_status=connection.status,
        to_status=Status.REVOKED,
        reason=reason,
    )
    notify_transition(connection=connection, from_status=connection.status,
                      to_status=Status.REVOKED, reason=reason, at=now)  # fmt: skip
    connection.status = Status.REVOKED
    connection.status_since = now
    connection.status_reason = reason
    connection.last_error = reason
    connection.next_check_at = None
    connection.pending_confirmation = False


def connection_refresh(*, connection_id: int, force: bool = False) -> str:
    """Refresh one connection's token if it is due; answer what happened, in one word."""
    now = timezone.now()
    claimed, died_before = _claim(connection_id, now)
    if not claimed:
        return "in_flight"
    try:
        snapshot = Connection.objects.select_related("app").get(pk=connection_id)
        answer = _provider_answer(snapshot, now=now, force=force)
    except BaseException:
        Connection.objects.filter(pk=connection_id, refresh_started_at=now).update(
            refresh_started_at=None
        )
        raise
    with transaction.atomic():
        connection = Connection.objects.select_for_update().get(pk=connection_id)
        connection.refresh_started_at = None
        result = (
            _apply(connection, answer, now=now, died_before=died_before)
            if isinstance(answer, RefreshAnswer)
            else answer
        )
        connection.save(update_fields=[
            "refresh_started_at", "access_token", "refresh_token", "token_expires_at",
            "refresh_due_at",
            "refresh_failures", "refresh_after", "status", "status_since", "status_reason",
            "last_error", "next_check_at", "pending_confirmation", "updated_at",
        ])  # fmt: skip
    logger.info("token refresh of connection %s: %s", connection_id, result)
    return result


def _provider_answer(connection: Connection, *, now: datetime, force: bool) -> RefreshAnswer | str:
    """Ask the provider for fresh tokens, or say in one word why no call is needed."""
    if connection.status not in ACTIVE or not connection.refresh_token:
        return "skipped"
    due = connection.refresh_due_at
    if not force and (due is None or due > now):
        return "not_due"  # someone refreshed while we waited for the marker
    provider = provider_find(connection.provider)
    region = region_of(connection)
    app = connection.app
    if provider is None or not provider.refreshes or region is None or app is None:
        return "skipped"
    return provider.refresh(
        region=region,
        client_id=app.client_id,
        client_secret=app.client_secret,
        refresh_token=connection.refresh_token,
    )


def _apply(
    connection: Connection, answer: RefreshAnswer, *, now: datetime, died_before: bool
) -> str:
    if answer.kind == "ok" and answer.access_token is not None:
        connection.access_token = answer.access_token
        if answer.refresh_token is not None:  # rotated: saved in this same transaction
            connection.refresh_token = answer.refresh_token
        expires = now + timedelta(seconds=answer.expires_in) if answer.expires_in else None
        connection.token_expires_at = expires
        connection.refresh_due_at = refresh_due(
            issued_at=now, expires_at=expires, refreshable=bool(connection.refresh_token)
        )
        connection.refresh_failures = 0
        connection.refresh_after = None
        return "refreshed"
    if answer.kind == "invalid_grant":
        _revoke(connection, ROTATED_NOT_SAVED if died_before else INVALID_GRANT, now)
        # The grant is gone for good: nothing is left to refresh (a reconnect brings one).
        connection.refresh_token = None
        connection.refresh_due_at = None
        connection.refresh_after = None
        return "revoked"
    connection.refresh_failures += 1
    connection.refresh_after = now + _backoff(connection.refresh_failures)
    connection.last_error = f"Token refresh failed, retrying: {answer.detail}"[:300]
    return "retry"
