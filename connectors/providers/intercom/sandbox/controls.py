"""Controls: how a workspace or a token makes `/me` misbehave, and the call counters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from connectors.providers.intercom.capabilities import PERMISSIONS
from connectors.providers.intercom.sandbox.models import (
    Controls,
    Mode,
    SandboxApp,
    SandboxToken,
    SandboxWide,
    SandboxWorkspace,
)
from connectors.providers.intercom.sandbox.services import sandbox_tokens_revoke

MAX_LATENCY_MS = 60_000
MAX_TIMEOUT_SECONDS = 60
MAX_RATE_LIMIT_RESET_IN = 3600
RATE_LIMIT_WINDOW_SECONDS = 10
# About 10,000 calls a minute per app, enforced in 10-second windows (docs/intercom-setup.md);
# X-RateLimit-Limit reports the window's figure (Intercom's Rate Limiting page, 2.17).
RATE_LIMIT_PER_WINDOW = 1666
MAX_RATE_LIMIT_PER_WINDOW = 100_000
REVOKED = "revoked"
ACCEPTED_MODES = [*Mode.values, REVOKED]


# Sandbox-wide modes need no per-target knobs (latency, timeout, a reset moment).
WIDE_MODES = [m for m in Mode.values if m not in {Mode.RATE_LIMITED, Mode.SLOW, Mode.SILENT}]


class ControlError(ValueError):
    """A control request that cannot be applied; the message says why."""


@dataclass(frozen=True)
class Effective:
    """What `/me` should do for one call, after merging token and workspace controls."""

    mode: str
    latency_ms: int
    timeout_seconds: int
    rate_limited_until: datetime | None
    wide: bool = False  # the sandbox-wide mode: answered even for revoked tokens


def _active_mode(controls: Controls, now: datetime) -> str:
    # A 429 ends by itself at its reset time, as Intercom's window does.
    if controls.mode == Mode.RATE_LIMITED and (
        controls.rate_limited_until is None or controls.rate_limited_until <= now
    ):
        return str(Mode.OK)
    return str(controls.mode)


def wide_mode() -> str:
    """The sandbox-wide mode: "ok" unless every `/me` is to answer one way."""
    mode = SandboxWide.objects.filter(pk=1).values_list("mode", flat=True).first()
    return str(mode or Mode.OK)


def wide_apply(*, data: dict[str, Any]) -> str:
    """Set the sandbox-wide mode from a request body {"mode": ...}; answer it."""
    mode = str(data.get("mode", Mode.OK))
    if mode not in WIDE_MODES:
        raise ControlError(f"mode must be one of {', '.join(WIDE_MODES)}; got {mode!r}")
    SandboxWide.objects.update_or_create(pk=1, defaults={"mode": mode})
    return mode


def effective_controls(*, token: SandboxToken, now: datetime) -> Effective:
    """A sandbox-wide mode wins over everything; then the token's own mode over its
    workspace's; latency is the larger of both."""
    wide = wide_mode()
    if wide != Mode.OK:
        return Effective(
            mode=wide,
            latency_ms=max(token.latency_ms, token.workspace.latency_ms),
            timeout_seconds=token.timeout_seconds,
            rate_limited_until=None,
            wide=True,
        )
    source: Controls = token
    if _active_mode(token, now) == Mode.OK:
        source = token.workspace
    return Effective(
        mode=_active_mode(source, now),
        latency_ms=max(token.latency_ms, token.workspace.latency_ms),
        timeout_seconds=source.timeout_seconds,
        rate_limited_until=source.rate_limited_until,
    )


def _bounded_int(data: dict[str, Any], key: str, default: int, low: int, high: int) -> int:
    raw = data.get(key, default)
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise ControlError(f"{key} must be a whole number between {low} and {high}")
    try:
        value = int(raw)
    except ValueError:
        raise ControlError(f"{key} must be a whole number between {low} and {high}") from None
    if not low <= value <= high:
        raise ControlError(f"{key} must be between {low} and {high}, not {value}")
    return value


def control_apply(*, target: Controls, data: dict[str, Any]) -> Controls:
    """Set a target's mode and knobs from a request body; mode "revoked" revokes for good."""
    mode = str(data.get("mode", target.mode))
    if mode not in ACCEPTED_MODES:
        raise ControlError(f"mode must be one of {', '.join(ACCEPTED_MODES)}; got {mode!r}")
    latency_ms = _bounded_int(data, "latency_ms", target.latency_ms, 0, MAX_LATENCY_MS)
    timeout_seconds = _bounded_int(
        data, "timeout_seconds", target.timeout_seconds, 1, MAX_TIMEOUT_SECONDS
    )
    reset_in = _bounded_int(data, "rate_limit_reset_in", 60, 1, MAX_RATE_LIMIT_RESET_IN)
    if mode == REVOKED:
        # Revocation is an event, not a mode: existing tokens die, a reconnect works again.
        if isinstance(target, SandboxWorkspace):
            sandbox_tokens_revoke(workspace=target)
        elif isinstance(target, SandboxToken):
            sandbox_tokens_revoke(token=target)
        mode = str(Mode.OK)
    target.mode = mode
    target.latency_ms = latency_ms
    target.timeout_seconds = timeout_seconds
    if mode != Mode.RATE_LIMITED:
        target.rate_limited_until = None
    elif "mode" in data or "rate_limit_reset_in" in data or target.rate_limited_until is None:
        # The reset moment is fixed when set, so a client can wait for it to pass.
        target.rate_limited_until = timezone.now() + timedelta(seconds=reset_in)
    target.save(update_fields=["mode", "latency_ms", "timeout_seconds", "rate_limited_until"])
    target.refresh_from_db()
    return target


_NORMAL: dict[str, Any] = {
    "mode": Mode.OK,
    "latency_ms": 0,
    "timeout_seconds": 30,
    "rate_limited_until": None,
}


def controls_reset() -> None:
    """Everything back to normal, counters at zero. Revoked tokens stay revoked."""
    SandboxWorkspace.objects.update(**_NORMAL, me_calls=0, last_me_at=None, withheld_permissions=[])
    SandboxToken.objects.update(**_NORMAL, me_calls=0, last_me_at=None)
    SandboxApp.objects.update(rate_limit_per_window=RATE_LIMIT_PER_WINDOW, window_calls=0)
    SandboxWide.objects.filter(pk=1).update(mode=Mode.OK)


@dataclass(frozen=True)
class RateWindow:
    """An app's rate-limit window after one call, as the X-RateLimit-* headers say it."""

    limit: int
    remaining: int
    reset: int  # unix seconds
    exceeded: bool  # this call was over the limit: Intercom answers 429


def me_record(*, token: SandboxToken, now: datetime) -> RateWindow:
    """Count one `/me` call for its workspace, token and app (whose window it spends)."""
    window = int(now.timestamp()) // RATE_LIMIT_WINDOW_SECONDS * RATE_LIMIT_WINDOW_SECONDS
    SandboxWorkspace.objects.filter(pk=token.workspace_id).update(
        me_calls=F("me_calls") + 1, last_me_at=now
    )
    SandboxToken.objects.filter(pk=token.pk).update(me_calls=F("me_calls") + 1, last_me_at=now)
    apps = SandboxApp.objects.filter(pk=token.app_id)
    this_window = apps.filter(window_start=window)
    if not this_window.update(window_calls=F("window_calls") + 1):
        started = apps.exclude(window_start=window).update(window_start=window, window_calls=1)
        if not started:  # a concurrent call started this window first: count in it
            this_window.update(window_calls=F("window_calls") + 1)
    limit, calls = apps.values_list("rate_limit_per_window", "window_calls").first() or (
        RATE_LIMIT_PER_WINDOW,
        1,
    )
    return RateWindow(
        limit=limit,
        remaining=max(limit - calls, 0),
        reset=window + RATE_LIMIT_WINDOW_SECONDS,
        exceeded=calls > limit,
    )


def app_rate_limit_apply(*, app: SandboxApp, data: dict[str, Any]) -> SandboxApp:
    """POST {"rate_limit": N}: the calls per 10-second window the app may make."""
    if "rate_limit" in data:
        app.rate_limit_per_window = _bounded_int(
            data, "rate_limit", RATE_LIMIT_PER_WINDOW, 1, MAX_RATE_LIMIT_PER_WINDOW
        )
        app.save(update_fields=["rate_limit_per_window"])
    return app


def _unix(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment else None


def _controls_state(target: Controls) -> dict[str, Any]:
    now = timezone.now()
    return {
        "mode": target.mode,
        "active_mode": _active_mode(target, now),
        "latency_ms": target.latency_ms,
        "timeout_seconds": target.timeout_seconds,
        "rate_limit_reset_at": _unix(target.rate_limited_until),
        "me_calls": target.me_calls,
        "last_me_at": target.last_me_at.isoformat() if target.last_me_at else None,
        "last_me_at_unix": _unix(target.last_me_at),
    }


def workspace_state(workspace: SandboxWorkspace) -> dict[str, Any]:
    return {
        "id_code": workspace.id_code,
        "name": workspace.name,
        "region": workspace.region,
        "withheld_permissions": list(workspace.withheld_permissions or []),
        **_controls_state(workspace),
    }


PERMISSION_KEYS = [permission.key for permission in PERMISSIONS]


def permissions_withhold(*, workspace: SandboxWorkspace, data: dict[str, Any]) -> None:
    """Set which permissions the workspace's tokens lack: {"withheld": ["read_tags"]}."""
    withheld = data.get("withheld")
    if not isinstance(withheld, list) or not all(isinstance(k, str) for k in withheld):
        raise ControlError(
            'Send {"withheld": [...]}, a list of permission keys (empty: grant them all).'
        )
    unknown = sorted(set(withheld) - set(PERMISSION_KEYS))
    if unknown:
        raise ControlError(
            f"Unknown permissions {', '.join(unknown)}; known: {', '.join(PERMISSION_KEYS)}"
        )
    workspace.withheld_permissions = [k for k in PERMISSION_KEYS if k in set(withheld)]
    workspace.save(update_fields=["withheld_permissions"])


def token_state(token: SandboxToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "prefix": token.prefix,
        "workspace": token.workspace.id_code,
        "client_id": token.app.client_id,
        "issued_at": token.issued_at.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "revoked": token.revoked_at is not None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        **_controls_state(token),
    }
