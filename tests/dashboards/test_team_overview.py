"""The team overview: tiles, the connections list with uptime, filters, sort, pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.timesince import timesince

from connectors.health.outcomes import Outcome
from connectors.models import Check, CheckDaily, Connection
from portal.models import Team, User
from portal.timetext import since_text
from tests.connectors.factories import AppFactory, ConnectionFactory
from tests.dashboards.fleet import fleet_build


@pytest.mark.django_db
def test_tiles_count_connections_by_status(alice_client: Client, team: Team) -> None:
    fleet_build(team, 14)
    page = alice_client.get("/t/alice-co/").content.decode()
    assert 'data-status-count="healthy"><strong>4</strong>' in page
    assert 'data-status-count="revoked"><strong>2</strong>' in page


@pytest.mark.django_db
def test_list_shows_uptime_over_24h_7d_and_30d(alice_client: Client, team: Team) -> None:
    fleet_build(team, 1)  # 3 good checks today; 27 of 30 good in the daily rollups
    page = alice_client.get("/t/alice-co/").content.decode()
    assert "100.0% / 90.0% / 90.0%" in page


@pytest.mark.django_db
def test_filters_by_status_app_region_and_search(alice_client: Client, team: Team) -> None:
    fleet_build(team, 14)
    other = AppFactory(team=team, name="Other app")
    fleet_build(team, 0, app=other)
    Connection.objects.filter(external_id="alice-co-00001").update(app=other)
    count = 'data-result-count="{}"'.format
    assert count(2) in alice_client.get("/t/alice-co/?status=revoked").content.decode()
    assert count(1) in alice_client.get(f"/t/alice-co/?app={other.public_id}").content.decode()
    assert count(5) in alice_client.get("/t/alice-co/?region=eu").content.decode()
    assert count(5) in alice_client.get("/t/alice-co/?region=EU").content.decode()
    assert count(1) in alice_client.get("/t/alice-co/?q=alice-co-00003").content.decode()
    assert count(10) in alice_client.get("/t/alice-co/?q=workspace 0000").content.decode()


@pytest.mark.django_db
def test_sorting_by_latency(alice_client: Client, team: Team) -> None:
    fleet_build(team, 5)
    page = alice_client.get("/t/alice-co/?sort=-latency").content.decode()
    assert page.index("Workspace 00004") < page.index("Workspace 00000")


@pytest.mark.django_db
def test_pagination_splits_long_lists(alice_client: Client, team: Team) -> None:
    fleet_build(team, 120)
    page = alice_client.get("/t/alice-co/?page=3").content.decode()
    assert "Page 3 of 3" in page
    assert page.count('class="connection-row"') == 20


@pytest.mark.django_db
def test_viewer_sees_the_team_pages_without_action_buttons(
    viewer: User, team: Team, client_for: Callable[[User], Client]
) -> None:
    made = fleet_build(team, 7)
    client = client_for(viewer)
    overview = client.get("/t/alice-co/").content.decode()
    assert "Workspace 00004" in overview
    assert "Reconnect" not in overview
    detail = client.get(f"/t/alice-co/connections/{made[4].pk}/").content.decode()
    assert "Reconnect" not in detail
    assert "Disconnect" not in detail
    assert "Check now" not in detail


@pytest.mark.django_db
def test_action_endpoints_refuse_viewers(
    viewer: User, team: Team, client_for: Callable[[User], Client]
) -> None:
    connection = fleet_build(team, 5)[4]
    client = client_for(viewer)
    assert connection.app is not None
    base = "/t/alice-co"
    assert client.post(f"{base}/apps/{connection.app.public_id}/connect/").status_code == 403
    assert client.post(f"{base}/connections/{connection.pk}/check/").status_code == 403
    assert client.post(f"{base}/connections/{connection.pk}/disconnect/").status_code == 403


@pytest.mark.django_db
def test_members_get_a_reconnect_button_on_revoked_rows(alice_client: Client, team: Team) -> None:
    fleet_build(team, 14)
    page = alice_client.get("/t/alice-co/").content.decode()
    assert page.count("Reconnect</button>") == 2


@pytest.mark.django_db
def test_empty_team_is_told_how_to_start(alice_client: Client, team: Team) -> None:
    page = alice_client.get("/t/alice-co/").content.decode()
    assert "No workspaces connected yet" in page


@pytest.mark.django_db
def test_connection_page_shows_health_history_with_paged_checks(
    alice_client: Client, team: Team
) -> None:
    connection = fleet_build(team, 1)[0]
    page = alice_client.get(f"/t/alice-co/connections/{connection.pk}/").content.decode()
    assert "Status over the last 30 days" in page
    assert "Check latency over the last 24 hours" in page
    assert "Daily check latency over the last 7 days" in page
    assert page.count('class="health-check-row"') == 3
    assert "100.0" in page  # uptime over 24 h


@pytest.mark.django_db
def test_sort_links_keep_the_filters_and_reverse_the_current_sort(
    alice_client: Client, team: Team
) -> None:
    fleet_build(team, 3)
    page = alice_client.get("/t/alice-co/?status=healthy&q=workspace 0000&sort=-latency")
    keep = "?status=healthy&amp;q=workspace%200000&amp;sort="
    html = page.content.decode()
    for sort, header in [("name", "Workspace"), ("status", "Status"), ("since", "Since"),
                         ("-checked", "Last check"), ("latency", "Latency")]:  # fmt: skip
        assert f'<a href="{keep}{sort}">{header}</a>' in html
    html = alice_client.get("/t/alice-co/?sort=name").content.decode()
    assert '<a href="?sort=-name">Workspace</a>' in html
    html = alice_client.get("/t/alice-co/?sort=since").content.decode()
    assert '<a href="?sort=-since">Since</a>' in html
    assert '<a href="?sort=-checked">Last check</a>' in html
    html = alice_client.get("/t/alice-co/?sort=-checked").content.decode()
    assert '<a href="?sort=checked">Last check</a>' in html


@pytest.mark.django_db
def test_uptime_counts_up_outcomes_in_each_window_rounded_half_up(
    alice_client: Client, team: Team
) -> None:
    now = timezone.now()
    app = AppFactory(team=team)
    checked = ConnectionFactory(app=app, workspace_name="Checked")
    ConnectionFactory(app=app, workspace_name="Unchecked")
    up = [Outcome.OK, Outcome.FORBIDDEN, Outcome.RATE_LIMITED]
    Check.objects.bulk_create(
        [Check(connection=checked, checked_at=now - timedelta(minutes=k + 1), outcome=outcome,
               status_after="healthy")
         for k, outcome in enumerate([*up, *[Outcome.TRANSIENT] * 5])]
        + [Check(connection=checked, checked_at=now - timedelta(hours=25), outcome=Outcome.OK,
                 status_after="healthy")]
    )  # fmt: skip
    for days, counts in [
        (2, {"checks": 400, "ok": 40, "forbidden": 5, "rate_limited": 4, "transient": 351}),
        (20, {"checks": 97600, "token_dead": 97600}),
        (31, {"checks": 1000, "ok": 1000}),
    ]:
        CheckDaily.objects.create(connection=checked, day=(now - timedelta(days=days)).date(),
                                  **counts)  # fmt: skip
    page = alice_client.get("/t/alice-co/").content.decode()
    # 3 of 8 in a day; 49 of 400 in a week is 12.25 (a float tie, rounded up); 49 of
    # 98,000 in 30 days is 0.05. Older checks and rollups are left out.
    assert '<td class="uptime">37.5% / 12.3% / 0.1%</td>' in page
    assert '<td class="uptime">— / — / —</td>' in page


@pytest.mark.django_db
def test_rows_show_each_connection_with_fallbacks(alice_client: Client, team: Team) -> None:
    now = timezone.now()
    app = AppFactory(team=team, name="Main app")
    bare = ConnectionFactory(
        app=None, team=team, workspace_name="", external_id="ext-1", region="",
        status="failing", status_reason="x" * 120, last_latency_ms=None,
    )  # fmt: skip
    named = ConnectionFactory(
        app=app, workspace_name="Named", region="eu", status="healthy",
        status_reason="an old reason", status_since=now - timedelta(days=3, hours=5, minutes=7),
        last_checked_at=now - timedelta(minutes=4, seconds=30), last_latency_ms=1234,
    )  # fmt: skip
    # An app of another team (the portal never makes one) is still named and offered.
    elsewhere = AppFactory(name="Elsewhere app")
    revoked = ConnectionFactory(
        app=elsewhere, team=team, workspace_name="Moved", status="revoked",
        status_since=now - timedelta(hours=1), last_latency_ms=5,
    )  # fmt: skip
    page = alice_client.get("/t/alice-co/").content.decode()
    assert "Elsewhere app · us" in page
    assert f'action="/t/alice-co/apps/{elsewhere.public_id}/connect/"' in page
    for row in (bare, named, revoked):
        assert f'href="{reverse("connection_detail", args=[team.slug, row.pk])}"' in page
    assert ">ext-1</a>" in page
    assert "(app deleted) · —" in page
    assert f'<span class="small muted">{"x" * 89}…</span>' in page
    assert page.count("<td>—</td>") == 2  # no status start, no latency
    assert "<td>never</td>" in page
    assert ">Named</a>" in page
    assert "Main app · eu" in page
    assert "an old reason" not in page  # a healthy row shows no reason
    assert "3\xa0days, 5\xa0hours</time>" in page
    assert "<td>4\xa0minutes ago</td>" in page
    assert "<td>1234 ms</td>" in page


@pytest.mark.django_db
def test_overview_without_filters_other_than_status_counts_from_the_tiles(
    alice_client: Client, team: Team
) -> None:
    fleet_build(team, 60)
    for url, count in [("/t/alice-co/", 60), ("/t/alice-co/?status=revoked", 8)]:
        with CaptureQueriesContext(db) as queries:
            page = alice_client.get(url).content.decode()
        assert f'data-result-count="{count}"' in page
        assert not [q for q in queries.captured_queries if '"__count"' in q["sql"]]


@pytest.mark.parametrize(
    "now",
    [datetime(2026, 3, 1, 12, 0, 30, 250000, tzinfo=UTC),
     datetime(2026, 1, 31, 23, 59, 59, 999999, tzinfo=UTC)],
)  # fmt: skip
def test_times_since_read_as_django_timesince(now: datetime) -> None:
    minutes = [*range(3 * 1440), *range(3 * 1440, 5 * 7 * 1440, 7)]
    for language in ("en", "de"):
        with translation.override(language):
            for span in minutes:
                for seconds in (0, 29.5, 59.999999):
                    moment = now - timedelta(minutes=span, seconds=seconds)
                    assert since_text(moment, now, language) == timesince(moment, now), moment
            for moment in (now + timedelta(hours=1), now - timedelta(days=400)):
                assert since_text(moment, now, language) == timesince(moment, now)


@pytest.mark.django_db
def test_the_overview_refreshes_its_tiles_and_rows_with_the_filters_kept(
    alice_client: Client, team: Team
) -> None:
    fleet_build(team, 14)
    page = alice_client.get("/t/alice-co/?status=revoked").content.decode()
    assert 'hx-get="/t/alice-co/?status=revoked&amp;part=live" hx-trigger="every 15s"' in page
    assert "data-live-pause" in page
    assert ">Pause</button>" in page
    assert "refreshes every 15 s" in page
    Connection.objects.filter(team=team, status="healthy").update(status="revoked")
    live = alice_client.get("/t/alice-co/?status=revoked&part=live", HTTP_HX_REQUEST="true")
    html = live.content.decode()
    assert "<html" not in html
    assert "<form" not in html.split('class="table-wrap"')[0]
    assert 'id="overview-tiles" hx-swap-oob="true"' in html
    assert 'data-status-count="revoked" aria-current="true"><strong>6</strong>' in html
    assert html.count('class="connection-row"') == 6


# (workspace, status, hours in that status or None when it never started), in the order the
# issue asks for by default: revoked, failing, degraded, pending, healthy, then longest first.
PROBLEMS_FIRST = [
    ("Revoked long", "revoked", 50),
    ("Revoked new", "revoked", 1),
    ("Failing", "failing", 3),
    ("Degraded long", "degraded", 9),
    ("Degraded new", "degraded", 2),
    ("Pending", "pending", None),
    ("Healthy long", "healthy", 700),
    ("Healthy new", "healthy", 5),
]


def _problem_fleet(team: Team) -> None:
    now = timezone.now()
    app = AppFactory(team=team)
    for name, status, hours in reversed(PROBLEMS_FIRST):  # made in the wrong order
        since = None if hours is None else now - timedelta(hours=hours)
        ConnectionFactory(app=app, workspace_name=name, status=status, status_since=since,
                          region="EU" if "long" in name else "us")  # fmt: skip


def _order(html: str) -> list[str]:
    names = [name for name, _, _ in PROBLEMS_FIRST]
    return sorted((n for n in names if f">{n}</a>" in html), key=lambda n: html.index(f">{n}</a>"))


@pytest.mark.django_db
def test_the_default_order_puts_problems_first_longest_first(
    alice_client: Client, team: Team
) -> None:
    _problem_fleet(team)
    html = alice_client.get("/t/alice-co/").content.decode()
    assert _order(html) == [name for name, _, _ in PROBLEMS_FIRST]
    assert 'aria-sort="ascending"><a href="?sort=-status">Status</a>' in html
    reverse_order = alice_client.get("/t/alice-co/?sort=-status").content.decode()
    assert _order(reverse_order) == [name for name, _, _ in reversed(PROBLEMS_FIRST)]


# Each sortable column: its two sorts and the first workspace of each, from PROBLEMS_FIRST.
BOTH_WAYS = [
    ("name", "Degraded long", "-name", "Revoked new"),
    ("since", "Healthy long", "-since", "Revoked new"),  # never started: last either way
]


@pytest.mark.django_db
def test_every_sortable_column_sorts_both_ways(alice_client: Client, team: Team) -> None:
    _problem_fleet(team)
    for sort, first, flipped, flipped_first in BOTH_WAYS:
        assert _order(alice_client.get(f"/t/alice-co/?sort={sort}").content.decode())[0] == first
        html = alice_client.get(f"/t/alice-co/?sort={flipped}").content.decode()
        assert _order(html)[0] == flipped_first
    for column in ("checked", "latency"):
        one = _order(alice_client.get(f"/t/alice-co/?sort={column}").content.decode())
        other = _order(alice_client.get(f"/t/alice-co/?sort=-{column}").content.decode())
        assert one != other


@pytest.mark.django_db
def test_filters_are_choices_and_needs_attention_keeps_to_problems(
    alice_client: Client, team: Team
) -> None:
    _problem_fleet(team)
    html = alice_client.get("/t/alice-co/?status=attention&region=eu").content.decode()
    assert '<option value="attention" selected>needs attention</option>' in html
    assert '<option value="eu" selected>eu</option>' in html
    assert '<option value="us">us</option>' in html
    assert 'name="region" value=' not in html  # no free text box
    assert _order(html) == ["Revoked long", "Degraded long"]
    # The choice survives in the URL: pages, sort links and the live refresh keep it.
    assert "?status=attention&amp;region=eu&amp;sort=name" in html
    assert "status=attention&amp;region=eu&amp;part=live" in html
    attention = alice_client.get("/t/alice-co/?status=attention").content.decode()
    assert _order(attention) == ["Revoked long", "Revoked new", "Failing", "Degraded long",
                                 "Degraded new"]  # fmt: skip
    assert 'data-result-count="5"' in attention
