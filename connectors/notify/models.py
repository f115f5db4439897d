"""The outbox, webhook endpoints, their delivery log, and per-team notification settings."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from portal.secrets import EncryptedSecretField


class EventType(models.TextChoices):
    CONNECTED = "connection.connected", "Connected"
    RECONNECTED = "connection.reconnected", "Reconnected"
    DISCONNECTED = "connection.disconnected", "Disconnected"
    STATUS_CHANGED = "connection.status_changed", "Status changed"
    # Several status changes collapsed into one message (flapping control).
    STATUS_SUMMARY = "connection.status_summary", "Status changes summarised"
    TEST = "portal.test", "Test event"


class EmailState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "No recipients"
    COLLAPSED = "collapsed", "Collapsed into a summary"


class OutboxEvent(models.Model):
    """One thing that happened, written in the same transaction as the change itself."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey("portal.Team", on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(
        "connectors.Connection", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event_type = models.CharField(max_length=40, choices=EventType.choices)
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Fan-out to channels happened (claimed with a conditional UPDATE).
    processed_at = models.DateTimeField(null=True, blank=True)
    # Flapping control: this event was not sent on its own but folded into a summary.
    collapsed = models.BooleanField(default=False)
    summarised_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(
        max_length=20, choices=EmailState.choices, default=EmailState.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_next_attempt_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_recipients = models.TextField(blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("-occurred_at", "-id")
        indexes = [
            models.Index(fields=["team", "-occurred_at"], name="outbox_team_time_idx"),
            models.Index(
                fields=["created_at"],
                condition=models.Q(processed_at__isnull=True),
                name="outbox_unprocessed_idx",
            ),
            models.Index(
                fields=["connection", "event_type", "occurred_at"], name="outbox_conn_type_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} at {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class NotificationSettings(models.Model):
    """A team's email choices; without a row, email goes to its owners and admins."""

    team = models.OneToOneField(
        "portal.Team", on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_enabled = models.BooleanField(default=True)
    # One address per line; empty means "the team's owners and admins".
    email_recipients = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notification settings of team {self.team_id}"


class WebhookEndpoint(models.Model):
    """A team's URL that receives signed JSON events."""

    team = models.ForeignKey("portal.Team", on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=100, blank=True)
    # Event types to send; empty means all.
    event_types = models.JSONField(default=list, blank=True)
    signing_secret = EncryptedSecretField()
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.description or self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    RETRYING = "retrying", "Will retry"
    SUCCEEDED = "succeeded", "Delivered"
    FAILED = "failed", "Failed (gave up)"


class WebhookDelivery(models.Model):
    """One event sent to one endpoint, with the outcome of its latest attempt."""

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    # Stays the same across retries, so receivers can drop duplicates.
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(
        max_length=20, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    excerpt = models.CharField(max_length=300, blank=True)
    error = models.CharField(max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker's lease on this delivery; an expired lease means the attempt died.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="delivery_once_per_endpoint")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state__in=["pending", "retrying"]),
                name="delivery_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} ({self.state})"
