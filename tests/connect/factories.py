"""Kept only for tests/security, which is being edited elsewhere: use tests.connectors.factories.

Delete this file once tests/security imports tests.connectors.factories directly.
"""

from __future__ import annotations

from tests.connectors.factories import AppFactory, ConnectionFactory

__all__ = ["AppFactory", "ConnectionFactory"]
