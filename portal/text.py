"""Names people type and names providers send: one rule for control characters.

A line break, tab, NUL, bidirectional override or other control character in a name
breaks mail headers (a header may not hold a line break: Django raises BadHeaderError)
and lets one name pass for another on screen. Names people type refuse them with a
form error; names that come from elsewhere have them replaced by spaces.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError

# Cc: C0/C1 controls (line breaks, tabs, NUL); Cf: format controls (bidi overrides,
# zero-width spaces); Zl, Zp: line and paragraph separators; Cs: lone surrogates.
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# Joiners are format characters that scripts and emoji sequences need.
_ALLOWED_FORMAT = frozenset({"\u200c", "\u200d"})


def is_control_character(ch: str) -> bool:
    return ch not in _ALLOWED_FORMAT and unicodedata.category(ch) in _CONTROL_CATEGORIES


def has_control_characters(text: str) -> bool:
    return any(is_control_character(ch) for ch in text)


def validate_no_control_characters(value: str) -> None:
    """A form or model validator for every name a person types."""
    if has_control_characters(value):
        raise ValidationError(
            "The name contains a line break, tab or other invisible control character. "
            "Type it on one line, without them.",
            code="control_characters",
        )


def strip_control_characters(text: str) -> str:
    """`text` with control characters replaced by spaces, on one line, trimmed."""
    cleaned = "".join(" " if is_control_character(ch) else ch for ch in text)
    return " ".join(cleaned.split())
