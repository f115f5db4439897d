"""Seed a fresh database with a team and sandbox-backed connections (run as a subprocess).

    python -m tests.resilience.seed_pg <count>

The restart scenario's database lives on its own cluster, outside pytest's test
database, so it is seeded by this script with that cluster's DATABASE_URL.
"""

from __future__ import annotations

import sys

import django


def main(count: int) -> None:
    django.setup()
    from tests.factories import TeamFactory
    from tests.resilience.fleet import fleet_link

    team = TeamFactory(name="Restart Ltd", slug="restart-ltd")
    rows = fleet_link(team, count, interval=1)
    print(f"seeded {len(rows)} connections")


if __name__ == "__main__":
    main(int(sys.argv[1]))
