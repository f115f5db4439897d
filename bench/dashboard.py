"""Benchmark: dashboard pages over a large fleet, served by gunicorn from Postgres.

    uv run python bench/dashboard.py                      # 100,000 connections, 1,000 teams
    uv run python bench/dashboard.py --connections 10000  # a smaller run

Seeds (with COPY) a fresh database `portal_dash_bench`: teams, one app each, connections
(one team holds 5,000 of them), 90 days of daily rollups per connection and two days of
5-minute fleet rollups as the health engine keeps them, the last hour of raw checks and
a few transitions per connection. Then starts gunicorn and measures, with signed-in
sessions, the p50/p95 time of /ops/, the 5,000-connection team overview, one connection
page, and a trivial signed-in page (/welcome/) in the same run; it prints the ratios.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"
DB = "portal_dash_bench"
ENV = {
    "DATABASE_URL": f"{PG}/{DB}",
    "DEBUG": "false",
    # Production needs a shared cache; the pages measured keep nothing in it (see below).
    "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
    "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "FIELD_ENCRYPTION_KEYS": "dGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY=",
    "SECURE_SSL_REDIRECT": "false",
    "SESSION_COOKIE_SECURE": "false",
    "STATIC_MANIFEST": "false",
    "PORTAL_VAR_DIR": str(ROOT / "var" / "bench"),
    "LOG_LEVEL": "WARNING",
    # Measure the work of every render: the dashboard's shared cache would otherwise
    # answer most of the requests.
    "OPS_CACHE_SECONDS": "0",
}
STATUSES = ["healthy"] * 80 + ["degraded"] * 5 + ["failing"] * 5 + ["revoked"] * 5
STATUSES += ["pending"] * 2 + ["disconnected"] * 3
BIG_TEAM = 5000


def sandbox_provider_key() -> str:
    """The bench's provider: the registered one with a sandbox (benches name none)."""
    from connectors.providers import provider_all

    return next(provider.key for provider in provider_all() if provider.sandbox_urls)


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env={**os.environ, **ENV},
        check=True,
    )  # fmt: skip


def copy_rows(cursor: Any, model: Any, rows: list[dict[str, Any]] | Any) -> int:
    """COPY plain dicts into `model`'s table; missing fields take the field's default."""
    from django.db import connection

    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.name != "id"]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    count = 0
    with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            values = []
            for f in fields:
                value = row[f.attname] if f.attname in row else f.get_default()
                values.append(f.get_db_prep_save(value, connection))
            copy.write_row(values)
            count += 1
    return count


def seed(connections: int, teams: int, daily_days: int) -> dict[str, Any]:
    import django

    django.setup()
    provider_key = sandbox_provider_key()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection as db

    from connectors.models import App, Check, CheckDaily, Connection, FleetRollup, Transition
    from portal.models import Membership, Team, User

    rng = random.Random(7)
    now = datetime.now(UTC)
    started = time.monotonic()
    staff = User.objects.create_user(email="ops@bench.example", password="x", is_staff=True)
    owner = User.objects.create_user(email="owner@bench.example", password="x")
    db.ensure_connection()
    raw = db.connection
    with raw.cursor() as cur:
        team_rows = ({"name": f"Team {i:04d}", "slug": f"team-{i:04d}", "require_mfa": False,
                      "created_at": now} for i in range(teams))  # fmt: skip
        copy_rows(cur, Team, team_rows)
    team_ids = list(Team.objects.order_by("slug").values_list("id", flat=True))
    Membership.objects.create(team_id=team_ids[0], user=owner, role="owner")
    with raw.cursor() as cur:
        copy_rows(cur, App, ({"team_id": t, "public_id": f"bench{t:07d}", "provider": provider_key,
                              "name": "Support", "region": "us", "client_id": f"c{t}",
                              "created_at": now, "updated_at": now} for t in team_ids))  # fmt: skip
    apps = dict(App.objects.values_list("team_id", "id"))
    big = min(BIG_TEAM, connections)
    owners = [team_ids[0]] * big + [
        team_ids[1 + i % (teams - 1)] for i in range(max(0, connections - big))
    ]

    def connection_rows() -> Any:
        for i, team_id in enumerate(owners):
            status = rng.choice(STATUSES)
            yield {
                "team_id": team_id, "app_id": apps[team_id], "provider": provider_key,
                "external_id": f"w{i:07d}", "workspace_name": f"Workspace {i:07d}",
                "region": rng.choice(["us", "us", "eu", "au"]), "status": status,
                "status_since": now - timedelta(minutes=rng.randint(1, 60 * 24 * 30)),
                "status_reason": "", "last_outcome": "ok", "last_checked_at": now,
                "last_latency_ms": rng.randint(80, 600),
                "next_check_at": now + timedelta(seconds=rng.randint(-120, 600)),
                "connected_at": now - timedelta(days=90), "created_at": now, "updated_at": now,
            }  # fmt: skip

    with raw.cursor() as cur:
        copy_rows(cur, Connection, connection_rows())
    ids = list(Connection.objects.order_by("id").values_list("id", "status", "team_id"))
    with raw.cursor() as cur:
        daily = copy_rows(cur, CheckDaily, (
            {"connection_id": cid, "day": (now - timedelta(days=d)).date(), "checks": 144,
             "ok": 140, "transient": 4, "latency_p50_ms": 180, "latency_p95_ms": 420}
            for cid, _, _ in ids for d in range(1, daily_days + 1)
        ))  # fmt: skip
        raw_checks = copy_rows(cur, Check, (
            {"connection_id": cid, "checked_at": now - timedelta(seconds=rng.randint(0, 3600)),
             "outcome": "ok", "status_after": status, "http_status": 200,
             "latency_ms": rng.randint(80, 600), "detail": "", "trigger": "schedule"}
            for cid, status, _ in ids for _ in range(6)
        ))  # fmt: skip
        transitions = copy_rows(cur, Transition, (
            {"connection_id": cid, "team_id": team, "at": now - timedelta(days=rng.randint(0, 89)),
             "from_status": "healthy", "to_status": status, "reason": ""}
            for cid, status, team in ids for _ in range(2)
        ))  # fmt: skip
        # The fleet's 5-minute rollups, kept (like daily rollups) for the whole window.
        buckets = [now - timedelta(minutes=5 * k) for k in range(1, max(2, daily_days) * 288)]
        fleet = copy_rows(cur, FleetRollup, (
            {"bucket": b.replace(second=0, microsecond=0, minute=b.minute // 5 * 5),
             "provider": provider_key, "region": region, "checks": 20 * teams // 3,
             "ok": 20 * teams // 3, "latency_p50_ms": 180, "latency_p95_ms": 420}
            for b in buckets for region in ("us", "eu", "au")
        ))  # fmt: skip
    with raw.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # as autovacuum would have, on a live database
        # Write the seeding's dirty pages out now, not during the measurements.
        cur.execute("CHECKPOINT")
    sessions = {}
    for name, user in (("staff", staff), ("owner", owner)):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions[name] = store.session_key
    sample = Connection.objects.filter(team_id=team_ids[0]).order_by("id").first()
    assert sample is not None
    return {
        "sessions": sessions, "team": "team-0000", "connection_id": sample.pk,
        "rows": {"connections": len(ids), "teams": teams, "daily": daily, "checks": raw_checks,
                 "transitions": transitions, "fleet": fleet},
        "seconds": round(time.monotonic() - started, 1),
    }  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def measure(url: str, session: str, n: int) -> list[float]:
    headers = {"Cookie": f"sessionid={session}"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - local http
    times = []
    for i in range(n + 3):
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - local
            response.read()
            assert response.status == 200, (url, response.status)
        if i >= 3:  # warm-up requests are not counted
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description="Dashboard pages over a large fleet.")
    parser.add_argument("--connections", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--daily-days", type=int, default=90)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument(
        "--reuse", action="store_true",
        help="measure the database the previous run seeded, without seeding again",
    )  # fmt: skip
    args = parser.parse_args()
    os.environ.update(ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    state = Path(ENV["PORTAL_VAR_DIR"]) / "dashboard-seed.json"
    if args.reuse and state.exists():
        seeded = json.loads(state.read_text())
        print(f"reusing the database seeded earlier: {seeded['rows']}")
    else:
        recreate_database()
        seeded = seed(args.connections, max(2, args.teams), args.daily_days)
        state.parent.mkdir(parents=True, exist_ok=True)
        state.write_text(json.dumps(seeded))
        print(f"seeded in {seeded['seconds']} s: {seeded['rows']}")
    args.connections, args.teams = seeded["rows"]["connections"], seeded["rows"]["teams"]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"], cwd=ROOT, env={**os.environ},
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)  # noqa: S310 - local
                break
            except OSError:
                time.sleep(0.2)
        staff, owner = seeded["sessions"]["staff"], seeded["sessions"]["owner"]
        team, cid = seeded["team"], seeded["connection_id"]
        pages = [
            ("trivial (/welcome/)", f"{base}/welcome/", staff),
            ("/ops/", f"{base}/ops/", staff),
            (f"team overview ({BIG_TEAM:,} conns)", f"{base}/t/{team}/", owner),
            ("connection page", f"{base}/t/{team}/connections/{cid}/", owner),
        ]
        results = {}
        for name, url, session in pages:
            times = measure(url, session, args.requests)
            results[name] = (statistics.median(times), statistics.quantiles(times, n=20)[-1])
        trivial = results["trivial (/welcome/)"][1]
        print(f"\n{args.connections:,} connections, {args.teams:,} teams, "
              f"{args.requests} requests per page (gunicorn, 2 workers)")  # fmt: skip
        print(f"{'page':<34}{'p50 ms':>9}{'p95 ms':>9}{'p95 / trivial':>15}")
        for name, (p50, p95) in results.items():
            print(f"{name:<34}{p50:>9.1f}{p95:>9.1f}{p95 / trivial:>14.1f}x")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    io.DEFAULT_BUFFER_SIZE = 1 << 16
    main()
