from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

import connectors.notify.tasks  # noqa: F401 (registers the tasks TaskQueue runs)
from connectors.models import Connection
from connectors.notify.models import WebhookEndpoint
from connectors.notify.outbox import notify_event
from connectors.notify.signing import signing_secret_new
from portal.celery import app as celery_app
from portal.models import Team
from portal.secrets import Secret
from tests.connectors.factories import AppFactory, ConnectionFactory
from tests.notify.receiver import Receiver, run_receiver
from tests.support.leaks import register_test_secret


@pytest.fixture(autouse=True)
def _local_receivers_allowed(settings: object) -> None:
    # The receiver listens on 127.0.0.1; production refuses that (tested explicitly).
    settings.WEBHOOK_ALLOW_PRIVATE = True  # type: ignore[attr-defined]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from run_receiver()


@pytest.fixture
def connection(team: Team) -> Connection:
    return ConnectionFactory(app=AppFactory(team=team), workspace_name="Acme Support")


@pytest.fixture
def signing_secret() -> str:
    return register_test_secret(signing_secret_new())


@pytest.fixture
def endpoint(team: Team, receiver: Receiver, signing_secret: str) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        team=team, url=receiver.url, signing_secret=Secret(signing_secret)
    )


def status_changed(
    connection: Connection, old: str, new: str, *, at: datetime | None = None, reason: str = ""
) -> object:
    at = at or timezone.now()
    return notify_event(
        team=connection.team,
        event_type="connection.status_changed",
        connection=connection,
        data={"from": old, "to": new, "reason": reason or f"{old} to {new}", "at": at},
        at=at,
    )


@dataclass
class TaskQueue:
    """The broker, as tests see it: what was sent, by task name, and a worker to run it."""

    sent: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def names(self) -> list[str]:
        return [name for name, _ in self.sent]

    def run_all(self) -> None:
        while self.sent:
            name, args = self.sent.pop(0)
            celery_app.tasks[name](*args)


@pytest.fixture
def task_queue(monkeypatch: pytest.MonkeyPatch) -> TaskQueue:
    queue = TaskQueue()

    def send_task(name: str, args: tuple[Any, ...] = (), **options: Any) -> None:
        queue.sent.append((name, tuple(args)))

    monkeypatch.setattr(celery_app, "send_task", send_task)
    return queue
