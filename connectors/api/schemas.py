"""What the API answers: pydantic schemas, from which the OpenAPI document is generated."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str


class AppOut(Schema):
    id: str
    name: str
    provider: str
    kind: str
    region: str


class AppList(Schema):
    items: list[AppOut]
    count: int


class ConnectionOut(Schema):
    id: int
    app: str | None
    provider: str
    workspace_id: str
    workspace_name: str
    region: str
    status: str
    status_since: datetime | None
    status_reason: str
    last_checked_at: datetime | None
    next_check_at: datetime | None
    connected_at: datetime | None


class ConnectionPage(Schema):
    items: list[ConnectionOut]
    count: int
    limit: int
    offset: int


class CheckOut(Schema):
    checked_at: datetime
    outcome: str
    status_after: str
    http_status: int | None
    latency_ms: int | None
    detail: str
    trigger: str


class HealthOut(Schema):
    status: str
    status_since: datetime | None
    reason: str
    last_outcome: str
    last_checked_at: datetime | None
    last_latency_ms: int | None
    last_error: str
    consecutive_failures: int
    # A revoked connection is re-checked (at `next_check_at`) until this moment; null
    # otherwise. Past it, `next_check_at` is null: only a reconnect brings it back.
    rechecks_until: datetime | None = None
    recent_checks: list[CheckOut]


class ConnectionDetail(ConnectionOut):
    health: HealthOut


class CheckRequested(Schema):
    check_id: str
    state: Literal["queued", "coalesced"]
    poll: str


class CheckStatus(Schema):
    check_id: str
    state: Literal["pending", "done"]
    result: CheckOut | None


class TokenOut(Schema):
    access_token: str
    token_type: str
    expires_at: datetime | None
    workspace_id: str
    region: str
