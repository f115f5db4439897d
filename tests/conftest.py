from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from portal.models import Team, User
from portal.roles import Role
from tests.factories import MembershipFactory, TeamFactory, UserFactory

pytest_plugins = ["tests.support.leaks"]


@pytest.fixture(autouse=True)
def _no_secret_leaks(leak_guard: object) -> None:
    """Every test fails if a registered test secret reaches a response or a log record."""


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own cache keys, so rate-limit counters never carry over.

    With REDIS_URL set the cache outlives a test (and ids repeat after rollbacks); a
    prefix isolates it without flushing the Redis the broker lives in too. Worker
    processes a test starts inherit the prefix through the environment.
    """
    prefix = f"t{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv("CACHE_KEY_PREFIX", prefix)
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = prefix
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _media_and_email(settings: object) -> None:
    # Tests never send real email, whatever EMAIL_URL says.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # type: ignore[attr-defined]
    # A fast hasher: factories and sign-ins hash passwords in nearly every test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


# --- people and teams: alice (owner), bob (member), charlie (outsider) -----------------


@pytest.fixture
def alice(db: None) -> User:
    return UserFactory(email="alice@example.com")


@pytest.fixture
def bob(db: None) -> User:
    return UserFactory(email="bob@example.com")


@pytest.fixture
def charlie(db: None) -> User:
    return UserFactory(email="charlie@example.com")


@pytest.fixture
def team(alice: User, bob: User) -> Team:
    """Alice's team: alice is its owner and bob a member."""
    team = TeamFactory(name="Alice & Co", slug="alice-co")
    MembershipFactory(team=team, user=alice, role=Role.OWNER)
    MembershipFactory(team=team, user=bob, role=Role.MEMBER)
    return team


@pytest.fixture
def charlie_team(charlie: User) -> Team:
    team = TeamFactory(name="Charlie Ltd", slug="charlie-ltd")
    MembershipFactory(team=team, user=charlie, role=Role.OWNER)
    return team


@pytest.fixture
def admin_user(team: Team) -> User:
    """An admin of alice's team."""
    return MembershipFactory(team=team, user__email="dana.admin@example.com", role=Role.ADMIN).user


@pytest.fixture
def viewer(team: Team) -> User:
    """A viewer of alice's team."""
    return MembershipFactory(
        team=team, user__email="victor.viewer@example.com", role=Role.VIEWER
    ).user


@pytest.fixture
def client_for(db: None) -> Callable[[User], Client]:
    """A test client signed in as the given user."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def alice_client(alice: User, client_for: Callable[[User], Client]) -> Client:
    return client_for(alice)


@pytest.fixture
def bob_client(bob: User, client_for: Callable[[User], Client]) -> Client:
    return client_for(bob)


@pytest.fixture
def charlie_client(charlie: User, client_for: Callable[[User], Client]) -> Client:
    return client_for(charlie)


@pytest.fixture
def base(live_server: Any, settings: Any) -> str:
    """The live server's URL, with the site and the sandbox provider pointing at it."""
    url: str = live_server.url
    settings.SITE_URL = url
    settings.SANDBOX_BASE_URL = f"{url}/sandbox/intercom"
    return url
