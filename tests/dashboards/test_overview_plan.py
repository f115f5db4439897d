"""The team overview's problems-first order reads an index on Postgres: a page of a large
team is found without sorting all of the team's rows (docs/benchmarks.md, dashboard bench).

Postgres only: SQLite puts NULLs first in an ascending index and cannot be told
otherwise, so its plan sorts for "longest first, never-started last".
"""

from __future__ import annotations

import pytest
from django.db import connection as db
from django.db import transaction

from connectors.ops import health
from portal.models import Team
from tests.dashboards.fleet import fleet_build
from tests.support.services import need_postgres


@pytest.mark.django_db
@pytest.mark.parametrize("sort", ["status", "-status"])
def test_the_problems_first_order_follows_an_index_both_ways(team: Team, sort: str) -> None:
    need_postgres()
    fleet_build(team, 60)
    page = health.team_connections(team, health.TeamFilters(sort=sort))[:50]
    with transaction.atomic(), db.cursor() as cursor:
        # A small table is cheaper to sort than to walk by index: forbid sorting, so a
        # plan without a Sort node can only come from following the index.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = page.explain()
    assert "connection_team_severity_idx" in plan, plan
    assert "Sort" not in plan, plan
