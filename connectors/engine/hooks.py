"""What the engine needs from a provider, found by convention so engine code names none.

A provider that can be health-checked has a module `connectors.providers.<key>.engine`
exposing `HOOKS: EngineHooks`.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

from connectors.health.outcomes import Classification, ProbeAnswer
from connectors.http import AsyncHttp, Timeout
from connectors.providers.base import Region
from portal.secrets import Secret

RefreshKind = Literal["ok", "invalid_grant", "transient"]


@dataclass(frozen=True)
class RefreshAnswer:
    """A refresh call's result; tokens are `Secret`s so they never print."""

    kind: RefreshKind
    detail: str = ""
    access_token: Secret | None = None
    refresh_token: Secret | None = None
    expires_in: int | None = None


AsyncProbe = Callable[[AsyncHttp, Region, Secret, Timeout], Awaitable[ProbeAnswer]]
Classify = Callable[..., Classification]  # (answer, *, expected_workspace, now)
Refresh = Callable[..., RefreshAnswer]  # (*, region, client_id, client_secret, refresh_token)


@dataclass(frozen=True)
class EngineHooks:
    probe: AsyncProbe
    classify: Classify
    refresh: Refresh | None = None
    rate_limit_per_minute: int = 0  # the provider's per-app limit; 0: none known
    region_of_workspace: Callable[[str], str] = str.lower


@functools.cache
def hooks_for(provider: str) -> EngineHooks | None:
    """The provider's engine hooks, or None if it cannot be checked."""
    try:
        module = importlib.import_module(f"connectors.providers.{provider}.engine")
    except ImportError:
        return None
    hooks = getattr(module, "HOOKS", None)
    return hooks if isinstance(hooks, EngineHooks) else None
