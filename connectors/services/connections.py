"""Writes of connections: connect (or reconnect), add by token, disconnect, one check.

Provider-neutral: provider behaviour comes from the registered `Provider` object.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from connectors.engine.decide import decision_apply, state_of
from connectors.engine.refresh import refresh_due
from connectors.engine.writes import results_write
from connectors.health.outcomes import Classification, Outcome, Status, WorkspaceIdentity
from connectors.health.states import Decision, disconnect, reset_after_reconnect
from connectors.models import App, AppKind, CapabilityResult, Connection, Transition
from connectors.notify.outbox import notify_event, notify_transition
from connectors.providers import Capability, Provider, RevokeOutcome, provider_find
from portal.models import Team
from portal.secrets import Secret
from portal.services.audit import audit_log
from portal.text import strip_control_characters

CONNECT_TRIGGER = "connect"


@dataclass(frozen=True)
class ConnectResult:
    connection: Connection
    reconnected: bool
    # Set when the provider says the workspace lives in another region than the app's.
    region_note: str = ""


class TokenRejected(Exception):
    """A pasted token did not pass the provider's check; `message` is for the form."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def _transition_write(
    connection: Connection, *, at: datetime, old: str, new: str, reason: str, notify: bool = True
) -> None:
    Transition.objects.create(
        connection=connection, team_id=connection.team_id, at=at,
        from_status=old, to_status=new, reason=reason[:300],
    )  # fmt: skip
    if notify:
        notify_transition(connection=connection, from_status=old, to_status=new, reason=reason,
                          at=at)  # fmt: skip


def connection_record_check(
    *,
    connection: Connection,
    classification: Classification,
    trigger: str,
    now: datetime,
    latency_ms: int | None = None,
) -> Decision:
    """Apply one probe to one connection: the state machine, a Check, maybe a Transition.

    The engine's `decision_apply` and `results_write` do the work, so a first check on
    connect follows the same rules (policy, jitter, redaction) as a scheduled one.
    """
    applied = decision_apply(
        connection=connection, classification=classification, now=now,
        latency_ms=latency_ms, trigger=trigger,
    )  # fmt: skip
    connection.check_requested_at = None
    results_write(
        connections=[connection], checks=[applied.check],
        transitions=[applied.transition] if applied.transition else [],
        lease_token=None, extra_fields=["check_requested_at"],
    )  # fmt: skip
    return applied.decision


def connection_region_resolve(*, spec: Provider, app_region: str, reported: str) -> tuple[str, str]:
    """(region to store, note for the person): the workspace's own region wins.

    A sandbox app keeps its region: its hosts stand in for every region.
    """
    region = spec.region(app_region)
    if region is None or region.sandbox or not reported:
        return app_region, ""
    true_key = spec.region_of_workspace(reported)
    true_region = spec.region(true_key)
    if true_region is None or true_key == app_region:
        return app_region, ""
    note = (
        f"This workspace is in the {true_region.label} region, not the app's "
        f"{region.label} region. The portal stored the workspace's true region and will "
        f"use its hosts from now on; consider setting the app's region to match."
    )
    return true_key, note


def connection_connect(
    *,
    team: Team,
    app: App,
    identity: WorkspaceIdentity,
    token: Secret,
    first_check: Classification,
    latency_ms: int | None,
    actor: Any,
    request: HttpRequest | None,
    now: datetime | None = None,
    refresh_token: Secret | None = None,
    token_expires_at: datetime | None = None,
) -> ConnectResult:
    """Create the team's connection to a workspace, or reconnect the one it has.

    The token answer's refresh token and expiry (where the provider's tokens expire)
    replace whatever was stored, so a reconnect also gives the workers a fresh grant.
    """
    now = now or timezone.now()
    spec = app.spec
    region, note = connection_region_resolve(
        spec=spec, app_region=app.region, reported=identity.region
    )
    with transaction.atomic():
        existing = (
            Connection.objects.select_for_update()
            .filter(team=team, app=app, external_id=identity.external_id)
            .first()
        )
        reconnected = existing is not None
        if existing is None:
            connection = Connection(
                team=team, app=app, provider=app.provider, external_id=identity.external_id,
                connected_by=actor, connected_at=now, status=Status.PENDING.value,
                status_since=now,
            )  # fmt: skip
        else:
            connection = existing
            old = connection.status
            fresh = reset_after_reconnect(state_of(connection), now)
            if fresh.status.value != old:
                _transition_write(connection, at=now, old=old, new=fresh.status.value,
                                  reason="Reconnected with a new token.", notify=False)  # fmt: skip
            connection.status = fresh.status.value
            connection.status_since = fresh.status_since
            connection.consecutive_failures = 0
            connection.consecutive_successes = 0
            connection.pending_confirmation = False
            connection.reconnected_at = now
            connection.disconnected_at = None
            connection.connected_by = actor
        # Names from the provider reach mail subjects: no line breaks or other controls.
        connection.workspace_name = strip_control_characters(identity.name)[:255]
        connection.region = region
        connection.admin_id = identity.admin_id[:100]
        connection.admin_name = strip_control_characters(identity.admin_name)[:255]
        connection.admin_email = identity.admin_email[:254]
        connection.access_token = token
        connection.refresh_token = refresh_token
        connection.token_expires_at = token_expires_at
        connection.refresh_due_at = refresh_due(
            issued_at=now, expires_at=token_expires_at, refreshable=refresh_token is not None
        )
        connection.refresh_failures = 0
        connection.refresh_after = None
        connection.refresh_started_at = None
        # A new token may carry other permissions: check the declared capabilities at once
        # (the caller enqueues that check). Until it answers, the old results stand, so a
        # reconnect that fixed nothing does not flap through healthy (and notify).
        connection.capabilities_due_at = now if app.capabilities else None
        connection.capability_hold = False  # the status starts again from pending
        connection.save()
        connection_record_check(
            connection=connection, classification=first_check, trigger=CONNECT_TRIGGER,
            now=now, latency_ms=latency_ms,
        )  # fmt: skip
        audit_log(
            team=team, actor=actor,
            action="connection.reconnected" if reconnected else "connection.connected",
            target=connection, request=request,
            details={"workspace": identity.external_id, "workspace_name": identity.name,
                     "app": app.public_id, "region": region, "status": connection.status},
        )  # fmt: skip
        notify_event(
            team=team, connection=connection, at=now,
            event_type="connection.reconnected" if reconnected else "connection.connected",
            data={"status": connection.status, "reason": connection.status_reason, "at": now,
                  "by": getattr(actor, "email", "")},
        )  # fmt: skip
    return ConnectResult(connection=connection, reconnected=reconnected, region_note=note)


@dataclass(frozen=True)
class CapabilityRow:
    """One declared capability of a connection and its last result, for its page."""

    capability: Capability
    outcome: str  # ok, missing, unknown
    checked_at: datetime | None
    note: str  # the last probe's detail when it gave no verdict


def connection_capabilities(connection: Connection) -> list[CapabilityRow]:
    """The app's declared capabilities with this connection's last results."""
    spec = provider_find(connection.provider)
    if spec is None or connection.app is None:
        return []
    keys = set(connection.app.capabilities or [])
    results = {r.key: r for r in CapabilityResult.objects.filter(connection=connection)}
    rows = []
    for capability in spec.capabilities():
        if capability.key not in keys:
            continue
        result = results.get(capability.key)
        if result is None:
            rows.append(CapabilityRow(capability, "unknown", None, ""))
            continue
        stale = result.attempted_at is not None and result.attempted_at != result.checked_at
        rows.append(CapabilityRow(capability, result.outcome, result.checked_at,
                                  result.detail if stale else ""))  # fmt: skip
    return rows


def connection_add_by_token(
    *,
    team: Team,
    app: App,
    token: Secret,
    actor: Any,
    request: HttpRequest | None,
    now: datetime | None = None,
) -> ConnectResult:
    """Check a pasted access token with the provider's probe, then connect its workspace."""
    now = now or timezone.now()
    checked = token_check(spec=app.spec, region_key=app.region, token=token, now=now)
    return connection_connect(
        team=team, app=app, identity=checked.identity, token=token,
        first_check=checked.classification, latency_ms=checked.latency_ms, actor=actor,
        request=request, now=now,
    )  # fmt: skip


@dataclass(frozen=True)
class TokenChecked:
    """A pasted token the provider accepted: whose workspace it is, and that first check."""

    identity: WorkspaceIdentity
    classification: Classification
    latency_ms: int | None


def token_check(*, spec: Provider, region_key: str, token: Secret, now: datetime) -> TokenChecked:
    """Probe a pasted token (a network call: never inside a transaction); raise
    `TokenRejected` with words a person can act on unless the provider accepts it."""
    region = spec.region(region_key)
    if not spec.can_check or region is None:
        raise TokenRejected(
            "This app's provider or region cannot check tokens here: an admin should check "
            "the app's region in its settings."
        )
    answer = spec.probe_now(region, token)
    checked = spec.classify(answer, expected_workspace=None, now=now)
    if checked.outcome is not Outcome.OK or checked.workspace is None:
        raise TokenRejected(_rejection_message(spec, checked), code=checked.error_code)
    return TokenChecked(
        identity=checked.workspace, classification=checked, latency_ms=answer.elapsed_ms
    )


def _rejection_message(spec: Provider, checked: Classification) -> str:
    if checked.outcome is Outcome.TRANSIENT:
        return (
            f"{spec.name} could not check the token just now ({checked.detail}). "
            "Nothing was stored: try again in a moment."
        )
    return spec.token_refused_message(checked.error_code or f"HTTP {checked.http_status}")


def connection_disconnect(
    *,
    connection: Connection,
    actor: Any,
    request: HttpRequest | None,
    now: datetime | None = None,
    reason: str = "",
) -> RevokeOutcome:
    """Revoke the token at the provider (best effort), wipe it, and mark the connection."""
    now = now or timezone.now()
    revokes = connection_revokes_on_disconnect(connection)
    outcome = _revoke(connection)
    with transaction.atomic():
        locked = Connection.objects.select_for_update().get(pk=connection.pk)
        reason = reason or "Disconnected by " + (getattr(actor, "email", "") or "the team") + "."
        decision = disconnect(state_of(locked), now=now, reason=reason)
        if decision.transition is not None:
            t = decision.transition
            _transition_write(locked, at=t.at, old=t.from_status.value, new=t.to_status.value,
                              reason=t.reason, notify=False)  # fmt: skip
            locked.status_reason = reason
        locked.status = Status.DISCONNECTED.value
        locked.status_since = decision.state.status_since
        locked.pending_confirmation = False
        locked.access_token = None
        locked.refresh_token = None
        locked.token_expires_at = None
        locked.refresh_due_at = None
        locked.disconnected_at = now
        locked.next_check_at = None
        locked.capabilities_due_at = None
        locked.check_requested_at = None
        locked.claimed_until = None
        locked.save()
        audit_log(
            team=locked.team, actor=actor, action="connection.disconnected", target=locked,
            request=request,
            details={"workspace": locked.external_id, "revoked": outcome.ok and revokes,
                     "revoke_outcome": outcome.detail},
        )  # fmt: skip
        notify_event(
            team=locked.team, connection=locked, event_type="connection.disconnected", at=now,
            data={"from": decision.transition.from_status.value if decision.transition else "",
                  "to": "disconnected", "reason": reason, "at": now},
        )  # fmt: skip
    connection.refresh_from_db()
    return outcome


def team_connections_disconnect(*, team: Team, actor: Any, request: HttpRequest | None) -> int:
    """Disconnect every live connection of `team` (revoking at the provider); how many."""
    reason = f"The team “{team.name}” was deleted."
    active = list(Connection.objects.filter(team=team).exclude(status=Status.DISCONNECTED))
    for connection in active:
        connection_disconnect(connection=connection, actor=actor, request=request, reason=reason)
    return len(active)


def on_team_deleting(sender: Any, *, team: Team, actor: Any, request: Any, **_: Any) -> None:
    """The receiver of `portal.signals.team_deleting` (connected in ConnectorsConfig)."""
    team_connections_disconnect(team=team, actor=actor, request=request)


def connection_revokes_on_disconnect(connection: Connection) -> bool:
    """Whether disconnecting revokes the token at the provider, or only forgets it here
    (a pasted access token whose provider must not revoke it)."""
    spec = provider_find(connection.provider)
    by_token = connection.app is not None and connection.app.kind == AppKind.INTERNAL
    return not (by_token and spec is not None and not spec.revokes_pasted_tokens)


def _revoke(connection: Connection) -> RevokeOutcome:
    token = connection.access_token
    if not token:
        return RevokeOutcome(ok=True, detail="No token was stored, so there was nothing to revoke.")
    spec = provider_find(connection.provider)
    if spec is not None and not connection_revokes_on_disconnect(connection):
        return RevokeOutcome(ok=True, detail=spec.pasted_token_forgotten_message())
    region = spec.region(connection.region) if spec else None
    if spec is None or region is None:
        return RevokeOutcome(ok=False, detail="The provider offers no revoke call here.")
    return spec.revoke(region=region, token=token)


def connections_request_check(*, app: App, external_id: str, now: datetime | None = None) -> int:
    """Ask for an immediate check of the app's connections to a workspace (a hint only)."""
    now = now or timezone.now()
    return (
        Connection.objects.filter(app=app, external_id=external_id)
        .exclude(status=Status.DISCONNECTED.value)
        .update(next_check_at=now, check_requested_at=now)
    )
