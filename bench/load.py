"""Load bench: simulated users against gunicorn (4 workers) on Postgres, with Redis.

    uv run python bench/load.py                          # 60 s, 50 users, 10,000 connections
    uv run python bench/load.py --duration 20 --users 10 --connections 2000

Seeds a fresh database `portal_load` with bench/dashboard.py's COPY seeding (teams, apps,
connections with one team of 5,000, daily rollups, raw checks, transitions, fleet
rollups), then adds one portal user per simulated user (a team member; every tenth is
also staff) with a session made in the database, one API key per team (scopes read and
tokens, made with `apikey_create`) and encrypted access tokens on the connections the
users touch. Then it starts gunicorn and runs the users, each with its own
httpx.AsyncClient, for `--duration` seconds against 127.0.0.1. Every user loops with
no think time over a weighted mix of team overview, connection page, /ops/ (staff),
"Check now" (an htmx POST with the CSRF token, then its status fragment), and the API
(list, one connection, its token). It prints throughput, p50/p95/p99 per kind and
overall, and the errors: any status other than the one expected, any exception, and a
"Check now" that says the broker is down. It exits 1 when there was any error.

Redis db 15 (`--redis`) is the cache and broker; it is flushed before and after, and no
Celery worker runs: "Check now" only enqueues. The API's per-key rate limit is raised
for the server it starts (API_RATE_LIMIT_PER_MINUTE), as a load test is not abuse.
Nobody logs in through the login form, so login rate limits are never involved.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432"
DB = "portal_load"
BROKER_DOWN_TEXT = "task queue (the broker) is not reachable"
# Per kind: (weight in the mix, only for staff users).
MIX: dict[str, tuple[int, bool]] = {
    "team overview": (3, False),
    "connection page": (3, False),
    "ops dashboard": (2, True),
    "check now": (2, False),
    "api list": (3, False),
    "api connection": (3, False),
    "api token": (2, False),
}


def server_env(redis_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"{PG}/{DB}",
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "SECRET_KEY": "load-bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "FIELD_ENCRYPTION_KEYS": "dGVzdC1rZXktMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY=",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "STATIC_MANIFEST": "false",
        "SANDBOX_ENABLED": "false",
        "PORTAL_VAR_DIR": str(ROOT / "var" / "load"),
        "LOG_LEVEL": "WARNING",
        # 50 users share a few dozen keys at hundreds of requests a minute each: the
        # default limit (120/min/key) would answer 429, which this bench is not about.
        "API_RATE_LIMIT_PER_MINUTE": "1000000",
    }


@dataclass
class SimUser:
    session: str
    team: str
    staff: bool
    api_key: str
    connection_ids: list[int]


def recreate_database(env: dict[str, str]) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env={**os.environ, **env},
        check=True,
    )  # fmt: skip


def seed(connections: int, teams: int, daily_days: int, users: int) -> list[SimUser]:
    """The dashboard bench's fleet, plus users, sessions, API keys and access tokens."""
    from bench import dashboard

    seeded = dashboard.seed(connections, teams, daily_days)  # calls django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from connectors.api.keys import apikey_create
    from connectors.models import Connection
    from portal.models import Membership, Team, User
    from portal.secrets import Secret

    print(f"seeded the fleet in {seeded['seconds']} s: {seeded['rows']}")
    started = time.monotonic()
    # Teams with connections to read (a small fleet may all sit in the first team).
    slugs = list(
        Team.objects.filter(connections__status__in=["healthy", "degraded", "failing"])
        .distinct()
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    by_slug = {t.slug: t for t in Team.objects.filter(slug__in=slugs)}
    keys: dict[str, str] = {}
    known: dict[str, list[int]] = {}
    sims: list[SimUser] = []
    for k in range(users):
        # The first users share the 5,000-connection team; the rest spread over the others.
        others = slugs[1:] or slugs
        slug = slugs[0] if k < max(1, users // 10) else others[k % len(others)]
        team = by_slug[slug]
        user = User.objects.create_user(
            email=f"user{k:03d}@load.example", password=None, is_staff=k % 10 == 0
        )
        Membership.objects.create(team=team, user=user, role="member")
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        if slug not in keys:
            _, raw = apikey_create(
                team=team, name="load bench", scopes=["read", "tokens"], expires_at=None,
                actor=None, request=None,
            )  # fmt: skip
            keys[slug] = raw.reveal()
            live = list(
                Connection.objects.filter(team=team)
                .exclude(status__in=["revoked", "disconnected"])
                .order_by("id")[:100]
            )
            for c in live:
                c.access_token = Secret(f"load_tok_{c.pk}_" + "x" * 24)
            Connection.objects.bulk_update(live, ["access_token"], batch_size=500)
            known[slug] = [c.pk for c in live]
        assert store.session_key is not None
        sims.append(SimUser(store.session_key, slug, user.is_staff, keys[slug], known[slug]))
    print(f"seeded {users} users, {len(keys)} API keys in {time.monotonic() - started:.1f} s")
    return sims


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Tally:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)


async def _call(
    client: Any, tally: Tally, kind: str, method: str, url: str, *, expect: int = 200,
    refuse: str = "", **kwargs: Any,
) -> Any:  # fmt: skip
    started = time.perf_counter()
    try:
        response = await client.request(method, url, **kwargs)
    except Exception as exc:  # any exception is an error of the run, counted and shown
        tally.errors.append(f"{kind} {method} {url}: {type(exc).__name__}: {exc}")
        return None
    tally.times[kind].append((time.perf_counter() - started) * 1000)
    if response.status_code != expect:
        tally.errors.append(f"{kind} {method} {url}: HTTP {response.status_code}, want {expect}")
        return None
    if refuse and refuse in response.text:
        tally.errors.append(f"{kind} {method} {url}: answered {refuse!r}")
        return None
    return response


async def run_user(base: str, sim: SimUser, deadline: float, tally: Tally, seed: int) -> None:
    import httpx

    rng = random.Random(seed)
    kinds = [k for k, (_, staff) in MIX.items() if sim.staff or not staff]
    weights = [MIX[k][0] for k in kinds]
    api = {"Authorization": f"Bearer {sim.api_key}"}
    team = f"/t/{sim.team}"
    async with httpx.AsyncClient(
        base_url=base, timeout=30, follow_redirects=False, cookies={"sessionid": sim.session}
    ) as client:
        while time.monotonic() < deadline:
            kind = rng.choices(kinds, weights)[0]
            cid = rng.choice(sim.connection_ids)
            if kind == "team overview":
                await _call(client, tally, kind, "GET", f"{team}/?page={rng.randint(1, 3)}")
            elif kind == "connection page":
                await _call(client, tally, kind, "GET", f"{team}/connections/{cid}/")
            elif kind == "ops dashboard":
                await _call(client, tally, kind, "GET", "/ops/")
            elif kind == "check now":
                token = client.cookies.get("csrftoken")
                if token is None:  # the connection page sets it, as a browser would get it
                    await _call(client, tally, "connection page", "GET",
                                f"{team}/connections/{cid}/")  # fmt: skip
                    token = client.cookies.get("csrftoken", "")
                headers = {"HX-Request": "true", "X-CSRFToken": token}
                done = await _call(client, tally, kind, "POST", f"{team}/connections/{cid}/check/",
                                   headers=headers, refuse=BROKER_DOWN_TEXT)  # fmt: skip
                if done is not None:
                    await _call(client, tally, "check status", "GET",
                                f"{team}/connections/{cid}/check/status/",
                                headers={"HX-Request": "true"})  # fmt: skip
            elif kind == "api list":
                page = {"limit": 50, "offset": rng.choice([0, 50])}
                await _call(client, tally, kind, "GET", "/api/v1/connections", params=page,
                            headers=api)  # fmt: skip
            elif kind == "api connection":
                await _call(client, tally, kind, "GET", f"/api/v1/connections/{cid}", headers=api)
            elif kind == "api token":
                await _call(client, tally, kind, "GET", f"/api/v1/connections/{cid}/token",
                            headers=api)  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def report(tally: Tally, elapsed: float, args: argparse.Namespace, workers: str) -> None:
    total = sum(len(v) for v in tally.times.values())
    print(f"\nload: {args.users} users for {args.duration} s, {args.connections:,} connections, "
          f"gunicorn {workers}, Postgres, Redis")  # fmt: skip
    print(f"{'kind':<18}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    everything = [t for v in tally.times.values() for t in v]
    rows = [*sorted(tally.times.items()), ("overall", everything)]
    for kind, times in rows:
        if not times:
            continue
        print(f"{kind:<18}{len(times):>10}{len(times) / elapsed:>9.1f}"
              f"{percentile(times, 50):>9.1f}{percentile(times, 95):>9.1f}"
              f"{percentile(times, 99):>9.1f}")  # fmt: skip
    print(f"throughput: {total / elapsed:.1f} req/s over {elapsed:.1f} s; "
          f"errors: {len(tally.errors)}")  # fmt: skip
    for line in tally.errors[:10]:
        print(f"  error: {line}")


async def run_load(base: str, sims: list[SimUser], duration: float) -> tuple[Tally, float]:
    tally = Tally()
    started = time.monotonic()
    deadline = started + duration
    tasks = [run_user(base, sim, deadline, tally, seed) for seed, sim in enumerate(sims)]
    # Users stop at the deadline by themselves; the timeout only bounds a hung request.
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=duration + 60)
    return tally, time.monotonic() - started


def wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(150):
        if server.poll() is not None:
            raise SystemExit("gunicorn exited during start-up")
        try:
            urllib.request.urlopen(f"{base}/readyz", timeout=2)  # noqa: S310 - local http
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready in 30 s")


def main() -> int:
    parser = argparse.ArgumentParser(description="Load bench: users against gunicorn.")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--teams", type=int, default=100)
    parser.add_argument("--daily-days", type=int, default=30, help="rollup days per connection")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    env = server_env(args.redis)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    flush_redis(args.redis)
    recreate_database(env)
    sims = seed(args.connections, max(2, args.teams), args.daily_days, max(1, args.users))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workers = f"{args.workers} workers x {args.threads} threads (gthread)"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi", "-w", str(args.workers),
         "--worker-class", "gthread", "--threads", str(args.threads), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning"], cwd=ROOT, env={**os.environ, **env},
    )  # fmt: skip
    try:
        wait_ready(base, server)
        tally, elapsed = asyncio.run(run_load(base, sims, args.duration))
    finally:
        server.terminate()
        server.wait(15)
        flush_redis(args.redis)  # the enqueued "Check now" tasks have no worker to run them
    report(tally, elapsed, args, workers)
    return 1 if tally.errors else 0


if __name__ == "__main__":
    sys.exit(main())
