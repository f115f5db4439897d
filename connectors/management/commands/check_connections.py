"""`manage.py check_connections`: check chosen connections now and print a table."""

from __future__ import annotations

import uuid
from argparse import ArgumentParser
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from connectors.engine import config
from connectors.engine.batch import batch_run
from connectors.health.outcomes import Outcome, Status
from connectors.models import Connection


class Command(BaseCommand):
    help = "Check connections now (in this process with --sync, else through the workers)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--team", help="team slug")
        parser.add_argument("--app", help="app public id or numeric id")
        parser.add_argument("--status", choices=[s.value for s in Status], help="only this status")
        parser.add_argument("--sync", action="store_true", help="probe here and wait for results")

    def handle(self, *args: Any, **options: Any) -> None:
        rows = Connection.objects.exclude(status=Status.DISCONNECTED).select_related("team", "app")
        if options["team"]:
            rows = rows.filter(team__slug=options["team"])
        if options["app"]:
            app = str(options["app"])
            rows = (
                rows.filter(app_id=int(app)) if app.isdigit() else rows.filter(app__public_id=app)
            )
        if options["status"]:
            rows = rows.filter(status=options["status"])
        ids = list(rows.values_list("pk", flat=True))
        if not ids:
            if options["team"] or options["app"] or options["status"]:
                raise CommandError("No connections match; check --team, --app and --status.")
            self.stdout.write("There are no connections to check yet.")
            return
        if options["sync"]:
            size = config.batch_size()
            for start in range(0, len(ids), size):
                chunk = ids[start : start + size]
                token = uuid.uuid4().hex
                until = timezone.now() + config.lease()
                Connection.objects.filter(pk__in=chunk).update(
                    lease_token=token, claimed_until=until
                )
                batch_run(ids=chunk, lease_token=token, trigger="manual")
        else:
            from connectors.tasks import enqueue_check_now

            for pk in ids:
                enqueue_check_now(pk)
            self.stdout.write(f"Queued {len(ids)} checks; run again with --sync to wait here.")
        checked = Connection.objects.filter(pk__in=ids).select_related("team").order_by("pk")
        self._table(checked)
        if options["sync"]:
            self._configuration_problems(checked)

    def _configuration_problems(self, rows: Any) -> None:
        """Checks this portal's own settings kept from the provider: no status changed and
        nobody was told, so the operator running the command hears it here."""
        reasons = Counter(
            c.last_error for c in rows if c.last_outcome == Outcome.MISCONFIGURED.value
        )
        if not reasons:
            return
        self.stderr.write(
            f"{sum(reasons.values())} checks did not reach the provider because of this "
            "portal's configuration (misconfigured: statuses unchanged, nobody notified):"
        )
        for reason, count in reasons.most_common():
            self.stderr.write(f"  {count} x {reason}")

    def _table(self, rows: Any) -> None:
        self.stdout.write(
            f"{'id':>6}  {'team':<16} {'workspace':<24} {'status':<12} {'outcome':<16} "
            f"{'ms':>6}  last error"
        )
        for c in rows:
            ms = "-" if c.last_latency_ms is None else str(c.last_latency_ms)
            self.stdout.write(
                f"{c.pk:>6}  {c.team.slug[:16]:<16} {str(c)[:24]:<24} {c.status:<12} "
                f"{c.last_outcome[:16]:<16} {ms:>6}  "
                f"{c.last_error[:60]}"
            )
