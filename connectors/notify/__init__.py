"""Notifications: the outbox, email and signed webhooks (Django app label `notify`)."""
