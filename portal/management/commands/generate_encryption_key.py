"""`manage.py generate_encryption_key`: print a new Fernet key and how to use it."""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print a new key for FIELD_ENCRYPTION_KEYS (the key alone with --quiet)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="print only the key")

    def handle(self, *args: Any, **options: Any) -> None:
        key = Fernet.generate_key().decode("ascii")
        if options["quiet"]:
            self.stdout.write(key)
            return
        self.stdout.write(
            f"{key}\n\n"
            "Keep this key secret and backed up: without it, stored secrets cannot be read.\n"
            "First install:   FIELD_ENCRYPTION_KEYS=<this key>\n"
            'Rotating keys:   FIELD_ENCRYPTION_KEYS="<this key>,<current key>"  (new first),\n'
            "                 restart, run `manage.py rotate_encryption_keys`, then remove\n"
            "                 the old key from the list and restart again."
        )
