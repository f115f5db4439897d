"""The integration domain: registered apps, connections (tokens), checks and transitions."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, Value, When

from connectors.health.outcomes import SCHEDULED, SEVERITY, Outcome, Status
from connectors.providers import absolute_url, provider_get
from portal.secrets import EncryptedSecretField

if TYPE_CHECKING:
    from connectors.providers import Capability, Provider

DEFAULT_CHECK_INTERVAL_SECONDS = 600


def new_public_id() -> str:
    """A short, unguessable id for an app: part of its OAuth callback URL, never reused."""
    return secrets.token_hex(6)


class AppKind(models.TextChoices):
    PUBLIC = "public", "Public app (OAuth into any workspace)"
    INTERNAL = "internal", "Internal integration (one workspace, by access token)"


class App(models.Model):
    """A team's registered provider app: its credentials and where it lives."""

    team = models.ForeignKey("portal.Team", on_delete=models.CASCADE, related_name="apps")
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id)
    provider = models.CharField(max_length=40)
    kind = models.CharField(max_length=20, choices=AppKind.choices, default=AppKind.PUBLIC)
    name = models.CharField(max_length=100)
    region = models.CharField(max_length=20)
    client_id = models.CharField(max_length=255, blank=True)
    client_secret = EncryptedSecretField(blank=True, null=True)
    check_interval_seconds = models.PositiveIntegerField(default=DEFAULT_CHECK_INTERVAL_SECONDS)
    # The capability keys (the provider's `capabilities()`) the team's integration relies
    # on; each is checked on every connection of this app.
    capabilities = models.JSONField(default=list, blank=True)
    secret_replaced_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "provider", "client_id"],
                condition=~Q(client_id=""),
                name="app_unique_client_id_per_team",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def spec(self) -> Provider:
        return provider_get(self.provider)

    def declared_capabilities(self) -> list[Capability]:
        """The capabilities this app's team declared, in the provider's order."""
        keys = set(self.capabilities or [])
        return [c for c in self.spec.capabilities() if c.key in keys]

    @property
    def callback_url(self) -> str:
        return absolute_url(self.spec.callback_path(self.public_id))


# A status's place in SEVERITY (0 = revoked ... 6 = disconnected): the team overview's
# problems-first order, and the index behind it (the query's expression must be this one).
SEVERITY_RANK = Case(*(When(status=s.value, then=Value(k)) for k, s in enumerate(SEVERITY)),
                     default=Value(len(SEVERITY)))  # fmt: skip


class Connection(models.Model):
    """One workspace connected to a team through an app: identity, token and health."""

    team = models.ForeignKey("portal.Team", on_delete=models.CASCADE, related_name="connections")
    app = models.ForeignKey(
        App, null=True, blank=True, on_delete=models.SET_NULL, related_name="connections"
    )
    provider = models.CharField(max_length=40)
    # identity
    external_id = models.CharField(max_length=100)
    workspace_name = models.CharField(max_length=255, blank=True)
    region = models.CharField(max_length=20, blank=True)
    admin_id = models.CharField(max_length=100, blank=True)
    admin_name = models.CharField(max_length=255, blank=True)
    admin_email = models.CharField(max_length=254, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField(null=True, blank=True)
    reconnected_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    # secrets
    access_token = EncryptedSecretField(blank=True, null=True)
    refresh_token = EncryptedSecretField(blank=True, null=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # When workers refresh the token (ahead of token_expires_at); None: it never expires.
    refresh_due_at = models.DateTimeField(null=True, blank=True)
    # health
    status = models.CharField(max_length=20, choices=[(s.value, s.value) for s in Status],
                              default=Status.PENDING)  # fmt: skip
    status_since = models.DateTimeField(null=True, blank=True)
    status_reason = models.CharField(max_length=300, blank=True)
    last_outcome = models.CharField(max_length=30, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    consecutive_successes = models.PositiveIntegerField(default=0)
    pending_confirmation = models.BooleanField(default=False)
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    check_requested_at = models.DateTimeField(null=True, blank=True)
    # Which dispatch claimed the lease: a batch writes only rows it still holds.
    lease_token = models.CharField(max_length=32, blank=True)
    # Set (and committed) before a refresh call; a marker left behind means that attempt
    # died between the provider's answer and our commit.
    refresh_started_at = models.DateTimeField(null=True, blank=True)
    refresh_failures = models.PositiveIntegerField(default=0)
    # Not before: a dispatch's claim of the refresh, or the backoff after a failed one.
    refresh_after = models.DateTimeField(null=True, blank=True)
    # Capability checks (connectors.health.capabilities): the reason naming what the last
    # results found missing ("" for nothing), whether the status is degraded only by that
    # ("held"), and when the next capability check is due (None: nothing is declared).
    capability_reason = models.CharField(max_length=300, blank=True)
    capability_hold = models.BooleanField(default=False)
    capabilities_due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("workspace_name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["team", "app", "external_id"], name="connection_unique_workspace_per_app"
            )
        ]
        indexes = [
            # Dispatch reads only due, scheduled rows: O(due), never a scan of the table.
            models.Index(
                fields=["next_check_at"],
                condition=Q(status__in=list(SCHEDULED)),
                name="connection_due_idx",
            ),
            # Refresh-ahead reads only tokens that expire: O(expiring), never a scan.
            models.Index(
                fields=["refresh_due_at"],
                condition=Q(refresh_due_at__isnull=False),
                name="connection_refresh_due_idx",
            ),
            # Capability checks read only due rows of apps that declare capabilities.
            models.Index(
                fields=["capabilities_due_at"],
                condition=Q(capabilities_due_at__isnull=False),
                name="connection_caps_due_idx",
            ),
            models.Index(fields=["team", "status"], name="connection_team_status_idx"),
            # The team overview's default order: a page without sorting the whole team.
            models.Index(fields=["team", "workspace_name", "id"], name="connection_team_name_idx"),
            # Its problems-first order, and the reverse read backwards: the first page of
            # the dashboard bench's 5,000-connection team in 0.03 ms instead of sorting all
            # its rows by SEVERITY_RANK on every render (1.9 ms; EXPLAIN ANALYZE, least
            # of 30). The expression must be the one SORTS orders by.
            models.Index(
                F("team"),
                SEVERITY_RANK,
                F("status_since"),
                F("id"),
                name="connection_team_severity_idx",
            ),
            # /ops/'s list of every connection, longest in its status first.
            models.Index(fields=["status_since", "id"], name="connection_since_idx"),
            models.Index(fields=["status", "status_since"], name="connection_status_since_idx"),
            # /ops/'s configuration problems: the few misconfigured rows, never a scan.
            models.Index(
                fields=["provider", "last_error"],
                condition=Q(last_outcome=Outcome.MISCONFIGURED.value),
                name="connection_misconfigured_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.workspace_name or self.external_id


class CapabilityResult(models.Model):
    """The last answer about one declared capability of one connection."""

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="capability_results"
    )
    key = models.CharField(max_length=40)
    # ok, missing, or unknown (never answered with a verdict yet)
    outcome = models.CharField(max_length=10, default="unknown")
    checked_at = models.DateTimeField(null=True, blank=True)  # of the last verdict
    attempted_at = models.DateTimeField(null=True, blank=True)  # of the last probe
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)  # of the last probe

    class Meta:
        ordering = ("connection", "key")
        constraints = [
            models.UniqueConstraint(fields=["connection", "key"], name="capability_result_key")
        ]

    def __str__(self) -> str:
        return f"{self.connection_id} {self.key}: {self.outcome}"


class Check(models.Model):
    """One probe's outcome. Raw checks are kept for a short window, then rolled up."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField()
    outcome = models.CharField(max_length=30, choices=[(o.value, o.value) for o in Outcome])
    status_after = models.CharField(max_length=20)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    rate_limit_remaining = models.IntegerField(null=True, blank=True)
    rate_limit_limit = models.IntegerField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    trigger = models.CharField(max_length=20, default="schedule")

    class Meta:
        ordering = ("-checked_at", "-id")
        indexes = [models.Index(fields=["connection", "-checked_at"], name="check_conn_time_idx"),
                   models.Index(fields=["checked_at"], name="check_time_idx")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.outcome} at {self.checked_at:%Y-%m-%d %H:%M:%S}"


class Transition(models.Model):
    """A change of a connection's status, kept for a year for the audit trail."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="transitions")
    team = models.ForeignKey("portal.Team", on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("-at", "-id")
        indexes = [
            models.Index(fields=["connection", "-at"], name="transition_conn_time_idx"),
            # The fleet's newest first, ties broken as the feed orders them.
            models.Index(fields=["-at", "-id"], name="transition_time_idx"),
            # A team's last transition: one index probe per team on /ops/.
            models.Index(fields=["team", "-at"], name="transition_team_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class Incident(models.Model):
    """Many connections of one provider and region failing at once: a provider incident.

    While it is open (`ended_at` unset), their confirmed dead tokens are held as
    `suspect` instead of `revoked`; operators get one message about it (`notified_at`).
    """

    provider = models.CharField(max_length=40)
    region = models.CharField(max_length=20, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # What declared it: connections checked within the window, how many were bad, and
    # the teams of the bad ones; `peak_bad` is the most seen bad at once while open.
    checked = models.PositiveIntegerField(default=0)
    bad = models.PositiveIntegerField(default=0)
    teams = models.PositiveIntegerField(default=0)
    peak_bad = models.PositiveIntegerField(default=0)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-started_at", "-id")
        constraints = [
            # Two workers declaring the same incident at once: one row wins.
            models.UniqueConstraint(
                fields=["provider", "region"],
                condition=Q(ended_at__isnull=True),
                name="incident_one_open_per_region",
            )
        ]
        indexes = [models.Index(fields=["-started_at"], name="incident_started_idx")]

    def __str__(self) -> str:
        return (
            f"{self.provider}/{self.region or '-'} incident from {self.started_at:%Y-%m-%d %H:%M}"
        )

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


# Connection counts kept by database triggers (migration 0004; read through
# connectors.tally). Two small tallies rather than one by every dimension: a team's
# counts by status, and the fleet's by status, provider and region. Their sizes grow
# with the number of teams and of (provider, region) pairs, never with connections.
# On Postgres the triggers only append to the *Delta tables (rows no two writers ever
# share: no waits, no deadlocks) and `connectors.tally.tally_compact` folds the deltas
# in every minute; SQLite has one writer at a time and updates the counts directly.


class TeamTallyColumns(models.Model):
    # No foreign-key constraint: counts of a deleted team drop to zero with its
    # connections, and compaction removes them.
    team = models.ForeignKey(
        "portal.Team", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    status = models.CharField(max_length=20)
    n = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"team {self.team_id} {self.status}: {self.n}"


class TeamTally(TeamTallyColumns):
    """How many connections a team has in each status."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "status"], name="team_tally_key")]


class TeamTallyDelta(TeamTallyColumns):
    """A change to `TeamTally` not folded in yet (Postgres only)."""


class FleetTallyColumns(models.Model):
    status = models.CharField(max_length=20)
    provider = models.CharField(max_length=40)
    region = models.CharField(max_length=20, blank=True)
    n = models.IntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.status} {self.provider} {self.region or '-'}: {self.n}"


class FleetTally(FleetTallyColumns):
    """How many connections the whole fleet has per status, provider and region."""

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status", "provider", "region"], name="fleet_tally_key")
        ]


class FleetTallyDelta(FleetTallyColumns):
    """A change to `FleetTally` not folded in yet (Postgres only)."""


class OutcomeCounts(models.Model):
    """Checks counted by outcome, with latency percentiles: the shape of every rollup."""

    checks = models.PositiveIntegerField(default=0)
    ok = models.PositiveIntegerField(default=0)
    wrong_workspace = models.PositiveIntegerField(default=0)
    token_dead = models.PositiveIntegerField(default=0)
    forbidden = models.PositiveIntegerField(default=0)
    rate_limited = models.PositiveIntegerField(default=0)
    transient = models.PositiveIntegerField(default=0)
    misconfigured = models.PositiveIntegerField(default=0)
    latency_p50_ms = models.PositiveIntegerField(null=True, blank=True)
    latency_p95_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        abstract = True


class CheckDaily(OutcomeCounts):
    """One connection's checks of one UTC day; kept 90 days."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="daily")
    day = models.DateField()

    class Meta:
        ordering = ("-day",)
        constraints = [
            models.UniqueConstraint(fields=["connection", "day"], name="check_daily_unique")
        ]
        indexes = [models.Index(fields=["day"], name="check_daily_day_idx")]

    def __str__(self) -> str:
        return f"{self.connection_id} on {self.day}"


class FleetRollup(OutcomeCounts):
    """Checks of the whole fleet in one 5-minute bucket, by provider and region.

    Not by team: a day of the fleet's charts must read a few hundred rows, not one per
    team per bucket.
    """

    bucket = models.DateTimeField()
    provider = models.CharField(max_length=40)
    region = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ("-bucket",)
        # Its index (bucket first) also serves every read by time.
        constraints = [
            models.UniqueConstraint(
                fields=["bucket", "provider", "region"], name="fleet_rollup_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}/{self.region} at {self.bucket:%Y-%m-%d %H:%M}"
