"""The ops dashboard shows the fleet's real numbers and lets operators drill down."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.test import Client

from connectors.models import Connection
from connectors.ops import selectors
from portal.models import Team, User
from tests.dashboards.fleet import fleet_build
from tests.factories import TeamFactory


def _body(response: object) -> str:
    content = getattr(response, "streaming_content", None)
    if content is not None:
        return b"".join(content).decode()
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.fixture
def ops_client(staff: User, client_for: Callable[[User], Client]) -> Client:
    return client_for(staff)


@pytest.mark.django_db
def test_status_tiles_count_every_team(ops_client: Client, team: Team) -> None:
    fleet_build(team, 14)
    fleet_build(TeamFactory(slug="other"), 7)
    page = ops_client.get("/ops/").content.decode()
    for status in ["healthy", "degraded", "failing", "revoked", "pending", "disconnected"]:
        count = Connection.objects.filter(status=status).count()
        assert f'data-status-count="{status}"><strong>{count}</strong>' in page
    assert "21 connections in 2 teams" in page


@pytest.mark.django_db
def test_the_body_refreshes_through_htmx(ops_client: Client, team: Team) -> None:
    fleet_build(team, 3)
    page = ops_client.get("/ops/").content.decode()
    assert 'hx-trigger="every 15s"' in page
    assert "data-live-pause" in page
    fragment = ops_client.get("/ops/?part=body", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert "data-status-count" in fragment


@pytest.mark.django_db
def test_charts_are_accessible_svg(ops_client: Client, team: Team) -> None:
    fleet_build(team, 3)
    page = ops_client.get("/ops/").content.decode()
    assert page.count('<svg class="chart') >= 4
    assert "<title" in page
    assert "<desc" in page
    assert 'role="img"' in page
    assert "style=" not in page  # strict CSP: no inline styles


@pytest.mark.django_db
def test_filter_to_revoked_lists_only_revoked(ops_client: Client, team: Team) -> None:
    fleet_build(team, 21)
    page = ops_client.get("/ops/connections/?status=revoked").content.decode()
    revoked = Connection.objects.filter(status="revoked")
    assert f'data-result-count="{revoked.count()}"' in page
    assert page.count('class="ops-connection-row"') == revoked.count()


@pytest.mark.django_db
def test_search_by_team_workspace_name_or_id(ops_client: Client, team: Team) -> None:
    fleet_build(team, 5)
    fleet_build(TeamFactory(slug="globex", name="Globex"), 3)
    assert 'data-result-count="3"' in ops_client.get("/ops/connections/?q=glob").content.decode()
    by_id = ops_client.get("/ops/connections/?q=alice-co-00002").content.decode()
    assert 'data-result-count="1"' in by_id
    assert "Workspace 00002" in by_id
    by_name = ops_client.get("/ops/connections/?q=workspace 0000").content.decode()
    assert 'data-result-count="8"' in by_name


@pytest.mark.django_db
def test_csv_export_follows_the_filters(ops_client: Client, team: Team) -> None:
    fleet_build(team, 14)
    response = ops_client.get("/ops/connections/?status=revoked&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(_body(response))))
    assert len(rows) == Connection.objects.filter(status="revoked").count() == 2
    assert {r["status"] for r in rows} == {"revoked"}
    assert "access_token" not in rows[0]


@pytest.mark.django_db
def test_csv_cells_cannot_run_as_spreadsheet_formulas(ops_client: Client, team: Team) -> None:
    connection = fleet_build(team, 1)[0]
    Connection.objects.filter(pk=connection.pk).update(workspace_name="=HYPERLINK(1)")
    body = _body(ops_client.get("/ops/connections/?format=csv"))
    assert "'=HYPERLINK(1)" in body


@pytest.mark.django_db
def test_team_table_lists_the_most_affected_first(ops_client: Client, team: Team) -> None:
    fleet_build(team, 2)  # healthy only
    fleet_build(TeamFactory(slug="broken", name="Broken Ltd"), 14)
    rows = list(csv.DictReader(io.StringIO(_body(ops_client.get("/ops/teams/?format=csv")))))
    assert [r["slug"] for r in rows] == ["broken", "alice-co"]
    assert rows[0]["failing"] == "2"
    assert rows[0]["revoked"] == "2"


@pytest.mark.django_db
def test_drill_down_shows_health_but_never_a_token(ops_client: Client, team: Team) -> None:
    connection = fleet_build(team, 5)[4]  # revoked
    page = ops_client.get(f"/ops/connections/{connection.pk}/").content.decode()
    assert connection.external_id in page
    assert "Read-only operator view" in page
    assert "Status over the last 30 days" in page
    assert "Reconnect" not in page
    assert "Disconnect" not in page
    assert "access_token" not in page


@pytest.mark.django_db
def test_check_lag_reports_the_most_overdue_check(ops_client: Client, team: Team) -> None:
    fleet_build(team, 9)  # next checks due from 4 minutes ago to 4 minutes ahead
    page = ops_client.get("/ops/").content.decode()
    assert "data-lag-worst>24" in page  # ~240 s late


@pytest.mark.django_db
def test_overdue_count_stops_at_its_cap_and_says_so(
    ops_client: Client, team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet_build(team, 9)  # 7 active (not revoked or disconnected), 4 of them overdue
    page = ops_client.get("/ops/").content.decode()
    assert "4 of 7 active" in page
    monkeypatch.setattr(selectors, "OVERDUE_CAP", 2)
    cache.clear()
    page = ops_client.get("/ops/").content.decode()
    assert "2+ of 7 active" in page
    assert "data-lag-worst>24" in page  # the worst is still the real one


@pytest.mark.django_db
def test_broken_and_recent_rows_link_to_each_connection_page(
    ops_client: Client, team: Team
) -> None:
    made = fleet_build(team, 14)
    page = ops_client.get("/ops/").content.decode()
    broken = [c for c in made if c.status in ("failing", "revoked")]
    for connection in broken:
        assert f'href="/ops/connections/{connection.pk}/"' in page
    # and each link leads to that connection's read-only page
    assert ops_client.get(f"/ops/connections/{broken[0].pk}/").status_code == 200
