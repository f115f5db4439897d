"""`manage.py connection_tally`: compare the trigger-kept counts with a real count."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from connectors.tally import tally_drift, tally_rebuild


class Command(BaseCommand):
    help = (
        "Check the connection tally (the counts behind /ops/ and /metrics) against a real "
        "count of the connections table; --rebuild recounts it."
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
            self.stdout.write(f"Rebuilt the connection tally: {rows} rows.")
            return
        drift = tally_drift()
        if not drift:
            self.stdout.write("The connection tally matches the connections table.")
            return
        for d in drift[:50]:
            team, status, provider, region = d.key
            self.stdout.write(
                f"team {team} {status} {provider} {region or '-'}: "
                f"tally {d.tallied}, real {d.counted}"
            )
        raise CommandError(
            f"{len(drift)} tally rows disagree with the connections table; "
            "run `manage.py connection_tally --rebuild`."
        )
