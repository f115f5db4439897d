"""Intercom as a `Provider`: its regional hosts, probe, classifier, refresh, revoke,
uninstall notices, set-up guide and allauth provider class, in one object."""

from __future__ import annotations

import hashlib
import hmac
import importlib
from collections.abc import Mapping
from datetime import datetime
from types import ModuleType

from django.conf import settings

from connectors.health.capabilities import CapabilityVerdict
from connectors.health.outcomes import Classification, ProbeAnswer
from connectors.http import AsyncHttp, Timeout
from connectors.providers import Capability, Provider, RefreshAnswer, Region, RevokeOutcome
from connectors.providers.intercom import KEY, capabilities, client
from connectors.providers.intercom.classify import classify_me
from connectors.providers.intercom.oauth import IntercomOAuthProvider
from portal.jsontext import json_loads
from portal.secrets import Secret

_REGIONS = (
    Region(
        key="us",
        label="US (app.intercom.com)",
        authorize_url="https://app.intercom.com/oauth",
        token_url="https://api.intercom.io/auth/eagle/token",
        api_base="https://api.intercom.io",
    ),
    Region(
        key="eu",
        label="EU (app.eu.intercom.com)",
        authorize_url="https://app.eu.intercom.com/oauth",
        token_url="https://api.eu.intercom.io/auth/eagle/token",
        api_base="https://api.eu.intercom.io",
    ),
    Region(
        key="au",
        label="AU (app.au.intercom.com)",
        authorize_url="https://app.au.intercom.com/oauth",
        token_url="https://api.au.intercom.io/auth/eagle/token",
        api_base="https://api.au.intercom.io",
    ),
)


# Where Intercom puts the signature of a notice it sends to an app (see below).
SIGNATURE_HEADERS = ("X-Hub-Signature", "X-Body-Signature")


def sandbox_base_url() -> str:
    """The stand-in Intercom's base URL: SANDBOX_BASE_URL, or this portal's own mount."""
    return (settings.SANDBOX_BASE_URL or f"{settings.SITE_URL}/sandbox/{KEY}").rstrip("/")


class IntercomProvider(Provider):
    key = KEY
    name = "Intercom"
    default_region = "us"
    console_name = "Developer Hub"
    # 10,000 calls a minute per app (docs/intercom-setup.md); health checks take a share.
    rate_limit_per_minute = 10_000
    setup_template = "intercom/setup_steps.html"
    oauth_provider_class = IntercomOAuthProvider
    sandbox_urls = "connectors.providers.intercom.sandbox.urls"
    sandbox_url_name = "sandbox_intercom_index"

    def regions(self) -> tuple[Region, ...]:
        """US, EU and AU; plus "sandbox" only while the sandbox is enabled."""
        if not settings.SANDBOX_ENABLED:
            return _REGIONS
        base = sandbox_base_url()
        sandbox = Region(
            key="sandbox",
            label="Sandbox (this portal's stand-in Intercom)",
            authorize_url=f"{base}/oauth",
            token_url=f"{base}/auth/eagle/token",
            api_base=base,
            sandbox=True,
        )
        return (*_REGIONS, sandbox)

    async def probe(
        self, client_: AsyncHttp, region: Region, token: Secret, timeout: Timeout
    ) -> ProbeAnswer:
        return await client.me_probe(client_, region, token, timeout)

    def classify(
        self, answer: ProbeAnswer, *, expected_workspace: str | None, now: datetime
    ) -> Classification:
        return classify_me(answer, expected_workspace=expected_workspace, now=now)

    def capabilities(self) -> tuple[Capability, ...]:
        return capabilities.capabilities()

    async def capability_probe(
        self, client_: AsyncHttp, region: Region, token: Secret, key: str, timeout: Timeout
    ) -> CapabilityVerdict:
        return await capabilities.capability_probe(client_, region, token, key, timeout)

    def capabilities_missing_reason(self, missing: list[Capability]) -> str:
        return capabilities.missing_reason(missing)

    def refresh(
        self, *, region: Region, client_id: str, client_secret: Secret, refresh_token: Secret
    ) -> RefreshAnswer:
        return client.tokens_refresh(
            region=region,
            client_id=client_id,
            client_secret=client_secret,
            refresh_token=refresh_token,
        )

    def revoke(self, *, region: Region, token: Secret) -> RevokeOutcome:
        return client.token_revoke(region=region, token=token)

    # POST /auth/uninstall uninstalls the app from the workspace: for an internal
    # integration that is the team's own app, and its token would die everywhere it is used.
    revokes_pasted_tokens = False

    def pasted_token_forgotten_message(self) -> str:
        return (
            "The access token was forgotten here, not revoked: revoking it would uninstall "
            "your internal integration from its workspace. To stop the token working, "
            "regenerate it on the app's Authentication page in Intercom's Developer Hub."
        )

    def uninstall_workspace(self, body: bytes) -> str | None:
        """The workspace `app_id` of Intercom's uninstall notice `{"app_id": "<id_code>"}`."""
        try:
            data = json_loads(body)
        except (ValueError, UnicodeDecodeError):
            return None
        app_id = data.get("app_id") if isinstance(data, dict) else None
        if isinstance(app_id, str) and 0 < len(app_id.strip()) <= 100:
            return app_id.strip()
        return None

    def uninstall_notice_verified(
        self, body: bytes, headers: Mapping[str, str], client_secret: Secret | None
    ) -> bool:
        """HMAC-SHA1 of the raw body with the app's client secret, hex, as `sha1=<hex>`.

        Intercom's "Signed notifications" page names `X-Hub-Signature`; integrators report
        `X-Body-Signature` on uninstall notices (INTERCOM.md): whichever is present counts.
        """
        if client_secret is None or not client_secret.reveal():
            return False
        expected = hmac.new(client_secret.reveal().encode(), body, hashlib.sha1).hexdigest()
        for name in SIGNATURE_HEADERS:
            sent = headers.get(name, "").strip()
            if not sent:
                continue
            _, _, digest = sent.rpartition("sha1=")
            if hmac.compare_digest(digest.strip().lower().encode(), expected.encode()):
                return True
        return False

    def token_refused_message(self, code: str) -> str:
        return (
            f"Intercom refused this token ({code}). Copy the access token again from the "
            "app's Authentication page in Intercom's Developer Hub, and check that it "
            "belongs to this app."
        )

    def demo_backing(self) -> ModuleType:
        # Imported on use: the sandbox's models must not load while apps are being set up.
        return importlib.import_module("connectors.providers.intercom.sandbox.demo")


PROVIDER = IntercomProvider()
