"""Signals the people layer sends, for the layers built on it to act on.

`portal/` never imports `connectors/`; a signal is how it tells them something.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent by `team_delete` before the team and its rows are deleted, outside any
# transaction (receivers may make network calls), with `team`, `actor` and `request`.
# A receiver that raises stops the deletion.
team_deleting = Signal()
