"""Intercom's regions and hosts (see shared/INTERCOM.md), and its callback URL shape."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.conf import settings

from connectors.providers.base import ProviderSpec, Region, RevokeOutcome
from portal.jsontext import json_loads

if TYPE_CHECKING:
    from connectors.health.outcomes import Classification, ProbeAnswer
    from portal.secrets import Secret

PROVIDER_KEY = "intercom"

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


def regions() -> tuple[Region, ...]:
    """US, EU and AU; plus "sandbox" only while the sandbox is enabled."""
    if not settings.SANDBOX_ENABLED:
        return _REGIONS
    base = settings.SANDBOX_BASE_URL.rstrip("/")
    sandbox = Region(
        key="sandbox",
        label="Sandbox (this portal's stand-in Intercom)",
        authorize_url=f"{base}/oauth",
        token_url=f"{base}/auth/eagle/token",
        api_base=base,
        sandbox=True,
    )
    return (*_REGIONS, sandbox)


def region_for_me(region: str) -> str:
    """`/me` says "US", "EU" or "AU"; our region keys are lower case."""
    return region.strip().lower()


def callback_path(public_id: str) -> str:
    return f"/accounts/intercom/{provider_id(public_id)}/login/callback/"


def provider_id(public_id: str) -> str:
    """The allauth sub-provider id of one registered app."""
    return f"intercom-{public_id}"


def _probe(*, region: Region, token: Secret) -> ProbeAnswer:
    from connectors.providers.intercom.client import me_fetch

    return me_fetch(region=region, token=token)


def _classify(answer: ProbeAnswer, **kwargs: Any) -> Classification:
    from connectors.providers.intercom.classify import classify_me

    return classify_me(answer, **kwargs)


def _revoke(*, region: Region, token: Secret) -> RevokeOutcome:
    from connectors.providers.intercom.client import token_revoke

    return token_revoke(region=region, token=token)


def uninstall_workspace(body: bytes) -> str | None:
    """The workspace `app_id` of Intercom's uninstall notice `{"app_id": "<id_code>"}`."""
    try:
        data = json_loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    app_id = data.get("app_id") if isinstance(data, dict) else None
    if isinstance(app_id, str) and 0 < len(app_id.strip()) <= 100:
        return app_id.strip()
    return None


def _demo_backing() -> ModuleType:
    # Imported on use: the sandbox's models must not load while apps are being set up.
    return importlib.import_module("connectors.providers.intercom.sandbox.demo")


INTERCOM = ProviderSpec(
    key=PROVIDER_KEY,
    name="Intercom",
    regions=regions,
    callback_path=callback_path,
    default_region="us",
    setup_template="intercom/setup_steps.html",
    subprovider_id=provider_id,
    probe=_probe,
    classify=_classify,
    revoke=_revoke,
    region_of_workspace=region_for_me,
    uninstall_workspace=uninstall_workspace,
    sandbox_url_name="sandbox_intercom_index",
    demo_backing=_demo_backing,
)
