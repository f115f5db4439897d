"""How long ago, in words: Django's `timesince`, cached where its text repeats."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.utils.timesince import timesince
from django.utils.translation import get_language

# Under four weeks `timesince` names at most two adjacent units among weeks, days, hours
# and minutes; from this moment on, such a span stays in one month (January).
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_FOUR_WEEKS = timedelta(weeks=4)


def since_text(moment: datetime, now: datetime, language: str | None = None) -> str:
    """`timesince(moment, now)` for a UTC moment, from a cache under four weeks.

    There the text only depends on the whole minutes rounded down to its two largest
    units (weeks and days, days and hours, or hours and minutes): a few thousand texts
    at most, where `timesince` costs as much as the rest of a row.
    """
    language = language or get_language()
    delta = now - moment
    if delta >= _FOUR_WEEKS:
        return timesince(moment, now)
    minutes = max(0, delta.days * 1440 + delta.seconds // 60)
    if minutes >= 7 * 1440:
        minutes -= minutes % 1440
    elif minutes >= 1440:
        minutes -= minutes % 60
    return _since_minutes(minutes, language)


def ago_text(moment: datetime, now: datetime, language: str | None = None) -> str:
    """ "just now" under a minute ("0 minutes ago" reads as a fault), else "<since> ago"."""
    if now - moment < timedelta(minutes=1):
        return "just now"
    return f"{since_text(moment, now, language)} ago"


@lru_cache(maxsize=4096)
def _since_minutes(minutes: int, language: str | None) -> str:
    return timesince(_EPOCH, _EPOCH + timedelta(minutes=minutes))
