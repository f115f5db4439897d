"""Signing secrets move to the Standard Webhooks form, keeping every receiver's key.

Before, a secret was `whsec_` + URL-safe text, and its HMAC key was that whole text's
bytes. Standard Webhooks reads a secret as `whsec_` + base64 of the key, so each stored
secret becomes `whsec_` + base64(old secret): the key bytes stay the same, and a receiver
that kept its old secret verifies with `Webhook(old_secret.encode())`.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.db import migrations

PREFIX = "whsec_"


def _is_standard(secret: str) -> bool:
    if not secret.startswith(PREFIX):
        return False
    try:
        base64.b64decode(secret[len(PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def to_standard(apps: Any, schema_editor: Any) -> None:
    endpoint_model = apps.get_model("notify", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.all():
        old = endpoint.signing_secret.reveal()
        if _is_standard(old):
            continue
        endpoint.signing_secret = PREFIX + base64.b64encode(old.encode()).decode()
        endpoint.save(update_fields=["signing_secret"])


def to_legacy(apps: Any, schema_editor: Any) -> None:
    endpoint_model = apps.get_model("notify", "WebhookEndpoint")
    for endpoint in endpoint_model.objects.all():
        key = base64.b64decode(endpoint.signing_secret.reveal()[len(PREFIX) :])
        try:
            old = key.decode()
        except UnicodeDecodeError:  # made after the move: it has no legacy form
            continue
        if old.startswith(PREFIX):
            endpoint.signing_secret = old
            endpoint.save(update_fields=["signing_secret"])


class Migration(migrations.Migration):
    dependencies = [("notify", "0001_initial")]

    operations = [migrations.RunPython(to_standard, to_legacy)]
