"""`manage.py rotate_encryption_keys`: re-encrypt every stored secret under the first key."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.secrets import SecretDecryptionError, secrets_rotate
from portal.secrets.rotation import DEFAULT_BATCH_SIZE


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted secret under the first key of FIELD_ENCRYPTION_KEYS. "
        'Rotate keys by setting FIELD_ENCRYPTION_KEYS="new,old", running this, then '
        "removing the old key. Safe to interrupt and run again."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"rows per transaction (default {DEFAULT_BATCH_SIZE})",
        )
        parser.add_argument(
            "--fail-fast",
            action="store_true",
            help="stop at the first row no key can decrypt",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="count what would change without writing anything",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size: int = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")

        def report_failure(where: str) -> None:
            self.stderr.write(f"cannot decrypt {where}: no key in FIELD_ENCRYPTION_KEYS fits")

        try:
            reports = secrets_rotate(
                batch_size=batch_size,
                fail_fast=options["fail_fast"],
                dry_run=options["dry_run"],
                on_failure=report_failure,
            )
        except SecretDecryptionError as exc:
            raise CommandError(str(exc)) from exc

        if not reports:
            self.stdout.write("No model has an encrypted secret field; nothing to rotate.")
        for report in reports:
            self.stdout.write(report.summary())
        failed = sum(len(report.failed_pks) for report in reports)
        if failed:
            raise CommandError(
                f"{failed} row(s) could not be decrypted with any key in "
                "FIELD_ENCRYPTION_KEYS (listed above). Add back the key they were encrypted "
                "with and run this again, or clear those secrets and ask their owners to "
                "enter them again."
            )
        verb = "would be" if options["dry_run"] else "are"
        self.stdout.write(self.style.SUCCESS(f"All secrets {verb} under the primary key."))
