"""Registered apps, connections, checks and their history (filled in by later issues)."""

from __future__ import annotations
