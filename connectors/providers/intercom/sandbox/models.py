"""The sandbox's own state: demo workspaces, sandbox apps, codes and tokens.

Every secret (client secret, code, access and refresh token) is stored only as a
sha256 digest; a short public prefix or hint is kept so people can tell them apart. The
one exception is the client secret's encrypted copy, which signs uninstall notices.
"""

from __future__ import annotations

from django.db import models

from portal.secrets import EncryptedSecretField


class Mode(models.TextChoices):
    """How `/me` answers for a workspace or a token (controls): each a documented answer
    of Intercom's (Error Codes page, Intercom-OpenAPI), or what a proxy in front sends."""

    OK = "ok", "Normal"
    UNAUTHORIZED = "401", "401 unauthorized (a dead token)"
    TOKEN_UNAUTHORIZED = "token_unauthorized", "401 token_unauthorized (lacks a permission)"
    TOKEN_SUSPENDED = "token_suspended", "401 token_suspended (the app is suspended)"
    FORBIDDEN = "403", "403 forbidden"
    PLAN_RESTRICTED = "api_plan_restricted", "403 api_plan_restricted"
    PAYMENT_REQUIRED = "402", "402 (the plan lacks API access)"
    RATE_LIMITED = "429", "429 rate limited"
    SERVER_ERROR = "500", "500 server error"
    BAD_GATEWAY_HTML = "502_html", "502 HTML page from a proxy"
    UNAVAILABLE_HTML = "503_html", "503 HTML page from a proxy"
    EMPTY_401 = "401_empty", "401 with an empty body (a proxy)"
    SLOW = "slow", "Slow (a normal answer, late)"
    SILENT = "silent", "Silent (no answer until the client gives up)"


class Controls(models.Model):
    """Knobs that make `/me` misbehave, shared by workspaces and tokens."""

    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.OK)
    latency_ms = models.PositiveIntegerField(default=0)
    timeout_seconds = models.PositiveIntegerField(default=30)
    # A 429 lasts until this moment, then answers are normal again, like Intercom's window.
    rate_limited_until = models.DateTimeField(null=True, blank=True)
    me_calls = models.PositiveIntegerField(default=0)
    last_me_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class SandboxWide(models.Model):
    """One row: a mode every `/me` answers with, whatever the workspace or token (an
    Intercom-wide incident, e.g. every token answering 401 `unauthorized` at once)."""

    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.OK)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"sandbox-wide mode {self.mode}"


class SandboxWorkspace(Controls):
    """A demo Intercom workspace ("app" in Intercom's words) with one admin."""

    id_code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=100)
    region = models.CharField(max_length=2)
    timezone = models.CharField(max_length=64, default="Europe/Dublin")
    created_at_unix = models.PositiveBigIntegerField(default=1671465577)
    identity_verification = models.BooleanField(default=False)
    admin_id = models.CharField(max_length=20)
    admin_email = models.EmailField()
    admin_name = models.CharField(max_length=100)
    # Keys of the permissions (capabilities.PERMISSIONS) this workspace's tokens lack:
    # the reads that need them answer 401 token_unauthorized, as Intercom does.
    withheld_permissions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_code})"


class AppType(models.TextChoices):
    """The type chosen on Intercom's New app page."""

    PUBLIC = "public", "Public app"
    INTERNAL = "internal", "Internal integration"


class SandboxApp(models.Model):
    """What a developer registers in the sandbox Developer Hub."""

    name = models.CharField(max_length=100)
    app_type = models.CharField(max_length=10, choices=AppType.choices, default=AppType.PUBLIC)
    # The workspace the app belongs to (New app asks); an internal integration's token is
    # for this workspace only.
    workspace = models.ForeignKey(
        SandboxWorkspace, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Authentication → Edit → "Use OAuth"; apps made by the old one-step form have it on.
    use_oauth = models.BooleanField(default=True)
    client_id = models.CharField(max_length=64, unique=True)
    client_secret_hash = models.CharField(max_length=64)
    secret_hint = models.CharField(max_length=8)
    redirect_uris = models.JSONField(default=list)
    # Not Intercom: expiring tokens (with refresh tokens) exist only in this sandbox mode.
    expiring_tokens = models.BooleanField(default=False)
    token_lifetime_seconds = models.PositiveIntegerField(default=3600)
    # Where Intercom POSTs {"app_id": "<id_code>"} when a workspace uninstalls the app.
    uninstall_url = models.URLField(max_length=500, blank=True)
    # The client secret, encrypted: Intercom signs its notices with it, so must the sandbox.
    signing_secret = EncryptedSecretField(null=True, blank=True)
    # Intercom limits each app per 10-second window and reports that window's limit in
    # X-RateLimit-Limit (about 1,666 for its default 10,000 a minute); calls beyond it in
    # one window answer 429. The current window (unix seconds at its start), calls in it.
    rate_limit_per_window = models.PositiveIntegerField(default=1666)
    window_start = models.PositiveBigIntegerField(default=0)
    window_calls = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class SandboxCode(models.Model):
    """A single-use authorization code, valid five minutes."""

    code_hash = models.CharField(max_length=64, unique=True)
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="codes")
    workspace = models.ForeignKey(SandboxWorkspace, on_delete=models.CASCADE, related_name="+")
    redirect_uri = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code #{self.pk} for {self.app_id}"


class TokenKind(models.TextChoices):
    ACCESS = "access", "Access token"
    REFRESH = "refresh", "Refresh token"


class SandboxToken(Controls):
    """An access or refresh token; controls apply to access tokens only."""

    kind = models.CharField(max_length=10, choices=TokenKind.choices, default=TokenKind.ACCESS)
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16, db_index=True)
    app = models.ForeignKey(SandboxApp, on_delete=models.CASCADE, related_name="tokens")
    workspace = models.ForeignKey(SandboxWorkspace, on_delete=models.CASCADE, related_name="tokens")
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.prefix}… ({self.workspace_id})"
