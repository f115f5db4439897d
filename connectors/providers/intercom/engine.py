"""Intercom's hooks for the health engine (found by `connectors.engine.hooks.hooks_for`)."""

from __future__ import annotations

from connectors.engine.hooks import EngineHooks
from connectors.providers.intercom.classify import classify_me
from connectors.providers.intercom.probe import probe_me, refresh_tokens

# 10,000 calls a minute per app (docs/intercom-setup.md); health checks take a share of it.
RATE_LIMIT_PER_MINUTE = 10_000

HOOKS = EngineHooks(
    probe=probe_me,
    classify=classify_me,
    refresh=refresh_tokens,
    rate_limit_per_minute=RATE_LIMIT_PER_MINUTE,
)
