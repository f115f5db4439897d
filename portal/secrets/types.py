"""The `Secret` type: a string that refuses to show itself unless asked by name."""

from __future__ import annotations

import hmac
from typing import Any, Final, final

from portal.secrets.crypto import decrypt_text_or_raise, encrypt_text

MASK: Final = "••••"
# Only secrets at least this long show their last 4 characters, so a hint never gives
# away more than a third of a value.
HINT_MIN_LENGTH: Final = 12
HINT_VISIBLE_CHARS: Final = 4


def mask(value: str) -> str:
    """The masked form of a plaintext: "" when empty, else "••••" plus maybe the tail."""
    if not value:
        return ""
    if len(value) >= HINT_MIN_LENGTH:
        return MASK + value[-HINT_VISIBLE_CHARS:]
    return MASK


@final
class Secret:
    """An immutable secret string whose repr, str and format show only its masked hint.

    Call `.reveal()` at the last moment (building an HTTP header, say) and never store
    the result. Equality compares values in constant time. Pickling stores ciphertext,
    so a cached object never holds the plaintext.
    """

    __slots__ = ("_value",)
    _value: str

    def __init__(self, value: str) -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"Secret wraps a str, not {type(value).__name__}")
        object.__setattr__(self, "_value", value)

    def reveal(self) -> str:
        """The plaintext. Use it immediately; never log, render or store it."""
        return self._value

    @property
    def hint(self) -> str:
        """The masked form, e.g. "••••abcd"; safe to show to the secret's owner."""
        return mask(self._value)

    def __repr__(self) -> str:
        return f"Secret({self.hint!r})"

    def __str__(self) -> str:
        return self.hint

    def __format__(self, spec: str) -> str:
        return format(self.hint, spec)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Secret is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Secret is immutable")

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Secret:
        return self

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        # A pickle (the cache, a session) holds ciphertext, never the plaintext.
        return (_unpickle_secret, (encrypt_text(self._value),))


def _unpickle_secret(token: str) -> Secret:
    return Secret(decrypt_text_or_raise(token, where="a pickled Secret (cache or session)"))


def coerce_secret(value: object) -> Secret | None:
    """A `Secret` for a str or Secret, or None for None and empty values."""
    if value is None:
        return None
    if isinstance(value, Secret):
        return value or None
    if isinstance(value, str):
        return Secret(value) if value else None
    raise TypeError(f"a secret must be a str or Secret, not {type(value).__name__}")


def secret_hint(value: Secret | str | None) -> str:
    """The masked hint to show for a stored secret ("" when there is none)."""
    if value is None:
        return ""
    if isinstance(value, Secret):
        return value.hint
    return mask(value)
