from __future__ import annotations

import pytest
from django.core.cache import cache

from portal.models import User
from tests.factories import UserFactory


@pytest.fixture
def staff(db: None) -> User:
    return UserFactory(email="olga.ops@example.com", is_staff=True)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()
