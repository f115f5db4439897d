"""The health engine: classify probe answers, advance the state machine, schedule checks."""

from __future__ import annotations
