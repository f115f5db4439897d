"""Provider-neutral vocabulary of the health engine: what a probe saw, what it means.

A provider's classifier turns a `ProbeAnswer` (what the HTTP layer saw) into a
`Classification` (an `Outcome` plus words a person can act on); the state machine in
`connectors.health.states` turns classifications into a connection's `Status`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

DETAIL_LIMIT = 200


class Outcome(StrEnum):
    """What one probe says about a token, independent of the provider."""

    OK = "ok"
    WRONG_WORKSPACE = "wrong_workspace"
    TOKEN_DEAD = "token_dead"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"
    MISCONFIGURED = "misconfigured"


class Status(StrEnum):
    """A connection's health status (see `connectors.health.states`)."""

    PENDING = "pending"
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    FAILING = "failing"
    # A revocation held during a provider incident: the token answered dead, but so did
    # many others of its provider and region at once (see connectors.health.incidents).
    SUSPECT = "suspect"
    REVOKED = "revoked"
    DISCONNECTED = "disconnected"


# The statuses of a connection in service, checked at its interval (revoked and
# disconnected ones wait for people). The API's "active" filter and the tallies use it.
ACTIVE_STATUSES = (
    Status.PENDING, Status.HEALTHY, Status.DEGRADED, Status.FAILING, Status.SUSPECT,
)  # fmt: skip
# The statuses dispatch claims due checks in: the active ones, and revoked ones, which are
# re-checked at a slow, growing cadence for a while (`Policy.recheck_*`). Disconnected is
# terminal.
SCHEDULED_STATUSES = (*ACTIVE_STATUSES, Status.REVOKED)
# The same, and every status, as the strings the database and the API hold.
ACTIVE = tuple(s.value for s in ACTIVE_STATUSES)
SCHEDULED = tuple(s.value for s in SCHEDULED_STATUSES)
STATUSES = tuple(s.value for s in Status)
# Problems first: the statuses in the order the team overview shows them, worst first.
SEVERITY = (Status.REVOKED, Status.SUSPECT, Status.FAILING, Status.DEGRADED, Status.PENDING,
            Status.HEALTHY, Status.DISCONNECTED)  # fmt: skip


def _lower_keys(headers: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType({str(k).lower(): str(v) for k, v in headers.items()})


@dataclass(frozen=True)
class ProbeAnswer:
    """What the HTTP layer saw. `headers` keys are lower-cased on creation.

    `error_kind` names a failure before a usable answer: "timeout", "connect",
    "too_large", "invalid_json", "tls", ... (None when a parsable answer arrived).
    """

    status: int | None
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    error_kind: str | None = None
    elapsed_ms: int | None = None

    def __post_init__(self) -> None:
        # Frozen, so bypass __setattr__ once: lookups must be case-insensitive
        # because HTTP header names are, and servers disagree on their case.
        object.__setattr__(self, "headers", _lower_keys(self.headers))

    def header(self, name: str) -> str | None:
        """The header's value, looked up case-insensitively."""
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class WorkspaceIdentity:
    """Who answered a successful probe: the workspace and the authorising admin."""

    external_id: str  # the provider's id of the workspace: a connection's external_id
    name: str = ""
    region: str = ""
    admin_id: str = ""
    admin_name: str = ""
    admin_email: str = ""


@dataclass(frozen=True)
class Classification:
    """The meaning of one probe answer. `reason` is shown to people; `detail` is logged."""

    outcome: Outcome
    reason: str
    http_status: int | None = None
    error_code: str = ""
    rate_limit_reset: datetime | None = None
    rate_limit_remaining: int | None = None
    rate_limit_limit: int | None = None
    workspace: WorkspaceIdentity | None = None
    detail: str = ""
