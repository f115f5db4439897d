"""Provider packages: everything specific to one provider lives in its own folder."""

from __future__ import annotations
