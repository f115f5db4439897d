"""`manage.py connection_tally`: compare the trigger-kept counts with a real count."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from connectors.tally import tally_drift, tally_rebuild


class Command(BaseCommand):
    help = (
        "Check the connection tallies (the counts behind /ops/ and /metrics) against a "
        "real count of the connections table; --rebuild recounts them."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--rebuild",
            action="store_true",
            help="recount from the connections table (writers wait while it runs)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["rebuild"]:
            rows = tally_rebuild()
            self.stdout.write(f"Rebuilt the connection tallies: {rows} rows.")
            return
        drift = tally_drift()
        if not drift:
            self.stdout.write("The connection tallies match the connections table.")
            return
        for d in drift[:50]:
            key = " ".join(str(part) or "-" for part in d.key)
            self.stdout.write(f"{d.tally} tally, {key}: tally {d.tallied}, real {d.counted}")
        raise CommandError(
            f"{len(drift)} tally rows disagree with the connections table; "
            "run `manage.py connection_tally --rebuild`."
        )
