"""What every provider tells the rest of the portal, and the one registry of providers.

A provider is one folder, `connectors/providers/<name>/`: a Django app whose
AppConfig.ready() calls `provider_register(<its Provider object>)`. That one object
carries everything provider-specific: hosts per region (or per customer), the probe and
its classifier, refresh, revoke, uninstall notices, the setup guide and its wording, and
its allauth provider class (registered with allauth from here). Nothing outside the
provider's folder names a provider: generic code asks this registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Literal

from django.conf import settings

from connectors.health.capabilities import CapabilityVerdict
from connectors.health.outcomes import Classification, ProbeAnswer
from connectors.http import AsyncHttp, Timeout, run_sync
from portal.secrets import Secret


@dataclass(frozen=True)
class Region:
    """Where a provider's app lives: its hosts. `key` is what an App stores (20 chars)."""

    key: str
    label: str
    authorize_url: str
    token_url: str
    api_base: str
    sandbox: bool = False


@dataclass(frozen=True)
class RevokeOutcome:
    """What a best-effort revoke call achieved, in words fit for the audit log."""

    ok: bool
    detail: str


RefreshKind = Literal["ok", "invalid_grant", "transient"]


@dataclass(frozen=True)
class RefreshAnswer:
    """A refresh call's result; tokens are `Secret`s so they never print."""

    kind: RefreshKind
    detail: str = ""
    access_token: Secret | None = None
    refresh_token: Secret | None = None
    expires_in: int | None = None


@dataclass(frozen=True)
class Capability:
    """Something an integration may rely on, checked with the provider's cheapest read.

    `key` is what an App stores (40 chars); `label` names it for people ("Read
    conversations"); `permission` is what to tick in the provider's console to grant it;
    `probe` says which call checks it ("GET /conversations?per_page=1").
    """

    key: str
    label: str
    permission: str
    probe: str


# A person waits on these (the first check of a pasted token, a revoke): fail fast.
INTERACTIVE_TIMEOUT = Timeout(connect=5.0, read=10.0, total=15.0)


class Provider:
    """One provider's behaviour. Subclass it in the provider's folder, make one instance,
    and register that instance from the folder's AppConfig.ready().

    Hosts come from `regions()` (fixed choices shown in the app form) and `region(key)`,
    which a provider whose hosts are per customer overrides to build them from the key
    the team typed (e.g. its site name); such a provider returns no fixed regions.
    """

    key: str = ""
    name: str = ""
    default_region: str = ""
    # Where a team finds its app's settings at the provider, as the provider calls it.
    console_name: str = "developer console"
    # The app form's region field: its label and help (a per-customer provider asks
    # for the customer's site here instead of offering fixed regions).
    region_label: str = "Region"
    region_help: str = ""
    # The provider's documented per-app limit a minute: health checks take a share of the
    # per-window limit its answers report, of this until one does. 0: no budget.
    rate_limit_per_minute: int = 0
    # A template (in the provider's folder) with the app set-up steps; "" for none.
    setup_template: str = ""
    # allauth's provider class for OAuth connects; None: tokens are pasted instead.
    oauth_provider_class: type | None = None
    # Development only: a URLconf module of a stand-in provider, mounted at
    # /sandbox/<key>/ while SANDBOX_ENABLED, and the URL name of its index page.
    sandbox_urls: str = ""
    sandbox_url_name: str = ""

    # --- hosts ---
    def regions(self) -> tuple[Region, ...]:
        return ()

    def region(self, key: str) -> Region | None:
        return next((region for region in self.regions() if region.key == key), None)

    def region_choices(self) -> list[tuple[str, str]]:
        return [(region.key, region.label) for region in self.regions()]

    def region_of_workspace(self, reported: str) -> str:
        """Our region key for the region a probe reports a workspace in."""
        return reported.strip().lower()

    # --- OAuth ---
    def subprovider_id(self, public_id: str) -> str:
        """allauth's provider id of one registered app."""
        return f"{self.key}-{public_id}"

    def callback_path(self, public_id: str) -> str:
        """The URL path of an app's OAuth callback. Teams paste it into the provider's
        console, so it must never change."""
        return f"/accounts/{self.key}/{self.subprovider_id(public_id)}/login/callback/"

    @property
    def connects_by_oauth(self) -> bool:
        return self.oauth_provider_class is not None

    # --- health ---
    async def probe(
        self, client: AsyncHttp, region: Region, token: Secret, timeout: Timeout
    ) -> ProbeAnswer:
        """One identity call with the token; both the schedule and a person's request."""
        raise NotImplementedError

    def classify(
        self, answer: ProbeAnswer, *, expected_workspace: str | None, now: datetime
    ) -> Classification:
        """What one probe answer means. `expected_workspace`: the stored external id."""
        raise NotImplementedError

    @property
    def can_check(self) -> bool:
        return type(self).probe is not Provider.probe

    def probe_now(
        self, region: Region, token: Secret, timeout: Timeout = INTERACTIVE_TIMEOUT
    ) -> ProbeAnswer:
        """The same async probe, run to completion from synchronous code (a view), on the
        HTTP package's one sync event loop and its pooled client for this provider."""
        return run_sync(self.key, lambda client: self.probe(client, region, token, timeout))

    # --- capabilities (see connectors.health.capabilities) ---
    def capabilities(self) -> tuple[Capability, ...]:
        """What a team may declare its integration relies on; () for none."""
        return ()

    def capability(self, key: str) -> Capability | None:
        return next((c for c in self.capabilities() if c.key == key), None)

    async def capability_probe(
        self, client: AsyncHttp, region: Region, token: Secret, key: str, timeout: Timeout
    ) -> CapabilityVerdict:
        """The cheapest read that needs capability `key`, and what its answer means."""
        raise NotImplementedError

    def capabilities_missing_reason(self, missing: list[Capability]) -> str:
        """The status reason of a connection whose token lacks `missing` (never empty)."""
        labels = ", ".join(c.label for c in missing)
        permissions = ", ".join(dict.fromkeys(f"'{c.permission}'" for c in missing))
        return (
            f"{self.name} accepted the token, but it lacks what this app relies on "
            f"({labels}): add {permissions} to the app in {self.name}'s "
            f"{self.console_name}, then reconnect the workspace."
        )

    @property
    def refreshes(self) -> bool:
        """Whether this provider's tokens expire and are refreshed."""
        return type(self).refresh is not Provider.refresh

    def refresh(
        self, *, region: Region, client_id: str, client_secret: Secret, refresh_token: Secret
    ) -> RefreshAnswer:
        raise NotImplementedError

    def revoke(self, *, region: Region, token: Secret) -> RevokeOutcome:
        return RevokeOutcome(ok=False, detail=f"{self.name} offers no revoke call.")

    # Whether disconnecting a connection made with a pasted access token revokes that
    # token at the provider. False where the revoke call would remove the team's own app
    # from its workspace: the token is then only forgotten here.
    revokes_pasted_tokens: bool = True

    def pasted_token_forgotten_message(self) -> str:
        """What disconnecting a pasted-token connection did when it revoked nothing."""
        return (
            f"The token was forgotten here but not revoked at {self.name}: to stop it "
            f"working, regenerate it in {self.name}'s {self.console_name}."
        )

    # --- uninstall notices ---
    @property
    def takes_uninstall_notices(self) -> bool:
        return type(self).uninstall_workspace is not Provider.uninstall_workspace

    def uninstall_workspace(self, body: bytes) -> str | None:
        """The workspace an uninstall notice names, from its raw body (None: not one)."""
        return None

    def uninstall_notice_verified(
        self, body: bytes, headers: Mapping[str, str], client_secret: Secret | None
    ) -> bool:
        """Whether the notice carries the provider's valid signature, made with the app's
        client secret. False (the default): the notice is only a hint."""
        return False

    # --- wording ---
    def token_refused_message(self, code: str) -> str:
        return (
            f"{self.name} refused this token ({code}). Copy the access token again from the "
            f"app's page in {self.name}'s {self.console_name}, and check that it belongs to "
            "this app."
        )

    # --- development ---
    def demo_backing(self) -> ModuleType | None:
        """The module that backs seed_demo's connections with sandbox workspaces."""
        return None


_REGISTRY: dict[str, Provider] = {}


def provider_register(provider: Provider) -> None:
    """Register a provider, and its allauth provider class with allauth."""
    if not provider.key or not provider.name:
        raise ValueError("a provider needs a key and a name")
    _REGISTRY[provider.key] = provider
    if provider.oauth_provider_class is not None:
        from allauth.socialaccount.providers import registry

        registry.register(provider.oauth_provider_class)


def provider_unregister(key: str) -> None:
    """Forget a provider (its allauth class stays known to allauth, but unused)."""
    _REGISTRY.pop(key, None)


def provider_get(key: str) -> Provider:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise LookupError(f"no provider {key!r} is registered") from None


def provider_find(key: str) -> Provider | None:
    """The registered provider `key`, or None (a connection of a removed provider)."""
    return _REGISTRY.get(key)


def provider_all() -> list[Provider]:
    return list(_REGISTRY.values())


def provider_for_subprovider(subprovider_id: str) -> tuple[Provider, str] | None:
    """(provider, app public id) for an allauth sub-provider id such as "<key>-<id>"."""
    for provider in _REGISTRY.values():
        if not provider.connects_by_oauth:
            continue
        prefix = provider.subprovider_id("")
        if subprovider_id.startswith(prefix) and len(subprovider_id) > len(prefix):
            return provider, subprovider_id[len(prefix) :]
    return None


def provider_choices() -> list[tuple[str, str]]:
    return [(provider.key, provider.name) for provider in _REGISTRY.values()]


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


__all__ = [
    "INTERACTIVE_TIMEOUT",
    "Capability",
    "Provider",
    "RefreshAnswer",
    "RefreshKind",
    "Region",
    "RevokeOutcome",
    "absolute_url",
    "provider_all",
    "provider_choices",
    "provider_find",
    "provider_for_subprovider",
    "provider_get",
    "provider_register",
    "provider_unregister",
]
