"""Intercom: OAuth provider, regions and hosts, the /me probe and its classifier, sandbox."""

from __future__ import annotations
