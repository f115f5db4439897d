"""`manage.py seed_demo`: demo teams, users and a fleet with 30 days of history."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connectors.ops.demo import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Create (or replace) the demo teams, users and connections. Development only."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            # Demo users with a published password must never reach a real deployment.
            raise CommandError(
                "seed_demo only runs with DEBUG on; it creates users with a published "
                "password. Run `uv run manage.py up` once first (it writes the development "
                "settings to var/dev.env), or set DEBUG=true."
            )
        result = demo_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo ready: {len(result.teams)} teams, {result.connections} connections, "
                f"{result.checks} recent checks, {result.transitions} status changes."
            )
        )
        for team in result.teams:
            self.stdout.write(f"  team {team.name}: /t/{team.slug}/")
        self.stdout.write(f"Sign in at /accounts/login/ with password {DEMO_PASSWORD!r} as:")
        for email, what in result.users:
            self.stdout.write(f"  {email:<22} {what}")
        self.stdout.write("The operators' dashboard is at /ops/ (sign in as the staff user).")
