"""Demo data: two teams, demo users and ~60 connections with 30 days of history.

Everything is generated from a fixed random seed, so a run reproduces the same fleet
(shifted to "now"). Every connection is backed by its provider's sandbox (the spec's
`demo_backing`), so the health engine's real checks keep it in its seeded state.
Re-running replaces the demo teams' connections, history and sandbox apps and
workspaces, and leaves everything else alone.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone

from connectors.engine import config
from connectors.engine.rollups import daily_rollup, fleet_rollup
from connectors.health.outcomes import Outcome, Status
from connectors.health.schedule import recheck_delay
from connectors.models import App, Check, Connection, Transition
from connectors.providers import Provider, provider_all
from portal.models import Membership, Team, User
from portal.roles import Role

DEMO_PASSWORD = "demo-password-2026"
DEMO_TEAMS = (("Demo Co", "demo", 50), ("Globex Support", "globex", 12))
DEMO_USERS = (
    ("owner@demo.example", Role.OWNER, False),
    ("viewer@demo.example", Role.VIEWER, False),
    ("ops@demo.example", None, True),
)
# How the 50 demo connections are spread over the states (the rest are healthy).
MIX = [Status.DEGRADED] * 6 + [Status.FAILING] * 5 + [Status.REVOKED] * 5
MIX += [Status.PENDING] * 3 + [Status.DISCONNECTED] * 3
HISTORY_DAYS = 30
RAW_DAYS = 2  # raw checks are kept this long by the engine; older history is rolled up
NAMES = ["Acme", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka", "Tyrell",
         "Cyberdyne", "Soylent", "Vandelay", "Pied Piper", "Oscorp", "Gringotts", "Aperture",
         "Monarch"]  # fmt: skip
KINDS = ["Support", "Sales", "Success", "Help desk", "EU desk", "Billing", "Onboarding"]


def demo_provider() -> Provider:
    """The registered provider that can back demo connections with its sandbox."""
    for spec in provider_all():
        if spec.demo_backing() is not None:
            return spec
    raise LookupError("no registered provider offers a sandbox for demo data")


def reasons(provider_name: str) -> dict[Status, str]:
    return {
        Status.HEALTHY: "",
        Status.DEGRADED: f"{provider_name} answered 403: the token lacks a permission or the "
        "plan allows no API access. Ask the workspace admin to check the app's permissions.",
        Status.FAILING: f"{provider_name} answered 500, 3 checks in a row. It is retried with "
        "backoff; nothing to do unless it lasts.",
        Status.REVOKED: f"{provider_name} says the token was revoked: reconnect the workspace.",
        Status.PENDING: "Not checked yet: the first check is queued.",
        Status.DISCONNECTED: "Disconnected by a team member.",
    }


OUTCOME_OF = {
    Status.HEALTHY: Outcome.OK,
    Status.DEGRADED: Outcome.FORBIDDEN,
    Status.FAILING: Outcome.TRANSIENT,
    Status.REVOKED: Outcome.TOKEN_DEAD,
}
HTTP_OF = {Outcome.OK: 200, Outcome.FORBIDDEN: 403, Outcome.TOKEN_DEAD: 401, Outcome.TRANSIENT: 500}


@dataclass(frozen=True)
class DemoResult:
    teams: list[Team]
    users: list[tuple[str, str]]  # (email, what they can do)
    connections: int
    checks: int
    transitions: int


Segment = tuple[datetime, Status]


def _segments(
    rng: random.Random, *, start: datetime, final: Status, now: datetime
) -> list[Segment]:
    """A believable status history: healthy with short episodes, ending in `final`."""
    if final == Status.PENDING:
        return [(start, Status.PENDING)]
    segments: list[Segment] = [
        (start, Status.PENDING),
        (start + timedelta(minutes=1), Status.HEALTHY),
    ]
    final_since = now - timedelta(minutes=rng.randint(20, 5 * 24 * 60))
    if final == Status.HEALTHY:
        final_since = now  # no final change: stays healthy
    moment = start + timedelta(hours=rng.randint(12, 96))
    while moment + timedelta(hours=14) < final_since:
        episode = rng.choice([Status.DEGRADED, Status.FAILING, Status.FAILING])
        segments.append((moment, episode))
        segments.append((moment + timedelta(minutes=rng.randint(20, 12 * 60)), Status.HEALTHY))
        moment += timedelta(hours=rng.randint(48, 240))
    if final != Status.HEALTHY:
        segments.append((final_since, final))
    return segments


def _status_at(segments: list[Segment], moment: datetime) -> Status:
    current = segments[0][1]
    for at, status in segments:
        if at > moment:
            break
        current = status
    return current


def _latency(rng: random.Random, status: Status) -> int | None:
    if status == Status.FAILING:
        return rng.randint(300, 2500)  # the sandbox answers 500
    base = rng.lognormvariate(5.2, 0.35)  # ~180 ms median
    return int(base * (2.5 if status == Status.DEGRADED else 1))


def _user(email: str, *, staff: bool) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, is_staff=staff)
    else:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = staff
        user.save(update_fields=["password", "is_staff"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _team_fleet(
    team: Team,
    app: App,
    count: int,
    *,
    owner: User,
    now: datetime,
    rng: random.Random,
    id_prefix: str,
) -> tuple[list[Connection], dict[int, list[Segment]]]:
    statuses = (MIX + [Status.HEALTHY] * count)[:count] if count >= len(MIX) else None
    if statuses is None:
        statuses = [rng.choice([Status.HEALTHY] * 6 + MIX[:: len(MIX) // 4]) for _ in range(count)]
    rng.shuffle(statuses)
    connections: list[Connection] = []
    for index, final in enumerate(statuses):
        age_days = rng.choice([HISTORY_DAYS] * 4 + [rng.randint(3, HISTORY_DAYS)])
        connected = now - timedelta(days=age_days, minutes=rng.randint(0, 600))
        if final == Status.PENDING:
            connected = now - timedelta(minutes=rng.randint(1, 4))
        name = f"{NAMES[(index + team.pk) % len(NAMES)]} {KINDS[index % len(KINDS)]}"
        connections.append(
            Connection(
                team=team, app=app, provider=app.provider,
                external_id=f"{id_prefix}{team.slug[:4]}{index:04d}"
                            f"{rng.randrange(16**4):04x}",
                workspace_name=name, region=rng.choice(["us", "us", "eu", "au"]),
                admin_id=str(900000 + index), admin_name=f"Admin {index}",
                admin_email=f"admin{index}@{team.slug}.example", connected_by=owner,
                connected_at=connected,
                status=final,
            )
        )  # fmt: skip
    return connections, {}


def _history(
    connection: Connection,
    segments: list[Segment],
    *,
    now: datetime,
    rng: random.Random,
    text: dict[Status, str],
) -> tuple[list[Check], list[Transition]]:
    """Checks (hourly, then every 15 minutes for the last two days) and transitions."""
    assert connection.connected_at is not None
    final = segments[-1][1]
    end = segments[-1][0] if final == Status.DISCONNECTED else now
    checks: list[Check] = []
    moment = connection.connected_at + timedelta(minutes=1)
    while moment < end and final != Status.PENDING:
        status = _status_at(segments, moment)
        outcome = OUTCOME_OF.get(status, Outcome.OK)
        checks.append(
            Check(
                connection=connection, checked_at=moment, outcome=outcome, status_after=status,
                http_status=HTTP_OF.get(outcome), latency_ms=_latency(rng, status),
                detail="" if outcome == Outcome.OK else text[status][:120],
            )
        )  # fmt: skip
        recent = now - moment < timedelta(days=RAW_DAYS)
        moment += timedelta(minutes=15 if recent else 60, seconds=rng.randint(0, 30))
    transitions = [
        Transition(
            connection=connection, team_id=connection.team_id, at=at, from_status=before,
            to_status=after, reason=text[after] or "Recovered: 2 good checks in a row.",
        )
        for (_, before), (at, after) in itertools.pairwise(segments)
    ]  # fmt: skip
    since, status = segments[-1]
    connection.status_since = since
    connection.status_reason = text[status]
    if checks:
        last = checks[-1]
        connection.last_checked_at = last.checked_at
        connection.last_outcome = last.outcome
        connection.last_latency_ms = last.latency_ms
        connection.consecutive_failures = 3 if status == Status.FAILING else 0
    if status == Status.DISCONNECTED:
        connection.disconnected_at = since
    elif status == Status.REVOKED:
        # Re-checked slowly, as the engine schedules it: somewhere within its current wait.
        wait = recheck_delay(since, now=now, policy=config.policy_for(None))
        connection.next_check_at = now + wait * rng.random() if wait is not None else None
    else:
        # A few checks run late, so the check-lag figures have something to show.
        late = rng.random() < 0.1
        connection.next_check_at = now + timedelta(seconds=rng.randint(-240, -30) if late
                                                   else rng.randint(30, 600))  # fmt: skip
    return checks, transitions


@transaction.atomic
def demo_seed(*, now: datetime | None = None) -> DemoResult:
    """Create or replace the demo teams, users, apps, connections and history."""
    now = now or timezone.now()
    rng = random.Random(2026)  # fixed: the same demo every time
    owner, viewer, ops = (_user(email, staff=staff) for email, _, staff in DEMO_USERS)
    teams: list[Team] = []
    all_checks: list[Check] = []
    all_transitions: list[Transition] = []
    connections_made = 0
    provider = demo_provider()
    backing = provider.demo_backing()
    assert backing is not None
    text = reasons(provider.name)
    backing.demo_sandbox_clear()
    for name, slug, count in DEMO_TEAMS:
        team, _ = Team.objects.update_or_create(slug=slug, defaults={"name": name})
        teams.append(team)
        for user, role in ((owner, Role.OWNER), (viewer, Role.VIEWER)):
            Membership.objects.update_or_create(team=team, user=user, defaults={"role": role})
        # Replacing (not merging) keeps the demo identical however often it runs.
        Connection.objects.filter(team=team).delete()
        # The sandbox issues the client id and secret; the portal App stores them.
        made = backing.demo_sandbox_app_create(team_name=name)
        app, _ = App.objects.update_or_create(
            team=team, provider=provider.key, name=f"{name} support app",
            defaults={"region": "sandbox", "client_id": made.app.client_id,
                      "client_secret": made.client_secret,
                      "created_by": owner},
        )  # fmt: skip
        backing.demo_sandbox_app_point(sandbox_app=made.app, app=app)
        connections, _ = _team_fleet(
            team, app, count, owner=owner, now=now, rng=rng, id_prefix=backing.WORKSPACE_PREFIX
        )
        backing.demo_sandbox_back(sandbox_app=made.app, connections=connections)
        Connection.objects.bulk_create(connections, batch_size=500)
        for connection in connections:
            assert connection.connected_at is not None
            segments = _segments(
                rng, start=connection.connected_at, final=Status(connection.status), now=now
            )
            checks, transitions = _history(connection, segments, now=now, rng=rng, text=text)
            all_checks += checks
            all_transitions += transitions
        Connection.objects.bulk_update(
            connections,
            ["status_since", "status_reason", "last_checked_at", "last_outcome", "last_latency_ms",
             "consecutive_failures", "disconnected_at", "next_check_at"],
            batch_size=500,
        )  # fmt: skip
        connections_made += len(connections)
    Check.objects.bulk_create(all_checks, batch_size=2000)
    Transition.objects.bulk_create(all_transitions, batch_size=2000)
    # Roll up as the engine would, then drop raw checks past the engine's raw window.
    today = now.astimezone(UTC).date()
    for days_ago in range(HISTORY_DAYS + 1):
        daily_rollup(day=today - timedelta(days=days_ago))
    fleet_rollup(since=now - timedelta(days=1), until=now)
    team_ids = [t.pk for t in teams]
    Check.objects.filter(
        connection__team_id__in=team_ids, checked_at__lt=now - timedelta(days=RAW_DAYS)
    ).delete()
    kept = Check.objects.filter(connection__team_id__in=team_ids).count()
    users = [
        (owner.email, "owner of both demo teams"),
        (viewer.email, "viewer: sees the team pages, no action buttons"),
        (ops.email, "Django staff: sees /ops/"),
    ]
    return DemoResult(teams, users, connections_made, kept, len(all_transitions))
