"""What every provider package tells the rest of the portal, and the registry of them.

Nothing outside `connectors/providers/<name>/` knows a provider by name: the portal
asks the registry. A provider registers itself from its AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from connectors.health.outcomes import Classification, ProbeAnswer


@dataclass(frozen=True)
class Region:
    key: str
    label: str
    authorize_url: str
    token_url: str
    api_base: str
    sandbox: bool = False


@dataclass(frozen=True)
class ProviderSpec:
    """A provider's static facts. Behaviour (probe, revoke, OAuth) lives in its package."""

    key: str
    name: str
    regions: Callable[[], tuple[Region, ...]]
    # The URL path of an app's OAuth callback, from the app's public id. It is what a
    # team pastes into the provider's developer console, so it must never change.
    callback_path: Callable[[str], str]
    default_region: str = ""
    setup_template: str = ""
    capabilities: frozenset[str] = field(default_factory=frozenset)
    # Optional behaviour, so generic code (connect, disconnect, hooks) never names a
    # provider. A provider without `subprovider_id` cannot be connected by OAuth.
    subprovider_id: Callable[[str], str] | None = None  # allauth provider id of an app
    probe: Callable[..., ProbeAnswer] | None = None  # (region=, token=) -> ProbeAnswer
    classify: Callable[..., Classification] | None = None  # (answer, expected_workspace=, now=)
    revoke: Callable[..., RevokeOutcome] | None = None  # (region=, token=) -> RevokeOutcome
    region_of_workspace: Callable[[str], str] = str.lower  # a probe's region -> our key
    # The workspace id an uninstall notice names, from its raw body (None: not one).
    uninstall_workspace: Callable[[bytes], str | None] | None = None
    # Development only: the URL name of the provider's sandbox page, and a loader of the
    # module that backs seed_demo's connections with sandbox workspaces and tokens.
    sandbox_url_name: str = ""
    demo_backing: Callable[[], Any] | None = None

    def region(self, key: str) -> Region | None:
        return next((region for region in self.regions() if region.key == key), None)

    def region_choices(self) -> list[tuple[str, str]]:
        return [(region.key, region.label) for region in self.regions()]


@dataclass(frozen=True)
class RevokeOutcome:
    """What a best-effort revoke call achieved, in words fit for the audit log."""

    ok: bool
    detail: str


_REGISTRY: dict[str, ProviderSpec] = {}


def provider_register(spec: ProviderSpec) -> None:
    _REGISTRY[spec.key] = spec


def provider_get(key: str) -> ProviderSpec:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise LookupError(f"no provider {key!r} is registered") from None


def provider_all() -> list[ProviderSpec]:
    return list(_REGISTRY.values())


def provider_for_subprovider(subprovider_id: str) -> tuple[ProviderSpec, str] | None:
    """(spec, app public id) for an allauth sub-provider id such as "<key>-<public id>"."""
    for spec in _REGISTRY.values():
        if spec.subprovider_id is None:
            continue
        prefix = spec.subprovider_id("")
        if subprovider_id.startswith(prefix) and len(subprovider_id) > len(prefix):
            return spec, subprovider_id[len(prefix) :]
    return None


def provider_choices() -> list[tuple[str, str]]:
    return [(spec.key, spec.name) for spec in _REGISTRY.values()]


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"
