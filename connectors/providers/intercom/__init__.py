"""Intercom: its provider object, OAuth views, /me probe and classifier, and sandbox."""

from __future__ import annotations

KEY = "intercom"
