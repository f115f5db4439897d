from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_and_email(settings: object) -> None:
    # Tests never send real email, whatever EMAIL_URL says.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]
