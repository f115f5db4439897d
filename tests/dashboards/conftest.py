from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    # /ops/ shares its figures for a few seconds through the cache; start every test clean.
    cache.clear()
