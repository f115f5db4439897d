"""Celery tasks for notifications: thin wrappers over connectors.notify.dispatch."""

from __future__ import annotations

from celery import shared_task

from connectors.notify.dispatch import notify_sweep, outbox_process
from connectors.notify.operators import incident_notify_operators
from connectors.notify.outbox import ATTEMPT_DELIVERY_TASK, PROCESS_EVENT_TASK
from connectors.notify.webhooks import delivery_attempt


@shared_task(name=PROCESS_EVENT_TASK, ignore_result=True)
def process_event(event_id: int) -> bool:
    return outbox_process(event_id=event_id)


@shared_task(name=ATTEMPT_DELIVERY_TASK, ignore_result=True)
def attempt_delivery(delivery_id: int) -> None:
    delivery_attempt(delivery_id=delivery_id)


@shared_task(name="notify.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    return notify_sweep()


@shared_task(name="notify.incident_operators", ignore_result=True)
def incident_operators(incident_id: int) -> bool:
    return incident_notify_operators(incident_id=incident_id)
