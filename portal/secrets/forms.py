"""Write-only form fields: a secret goes in through a form and never comes back out."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from portal.secrets.types import MASK, Secret, secret_hint

DEFAULT_MAX_LENGTH = 1024
DEFAULT_WHITESPACE_MESSAGE = (
    "The secret contains a space, line break or invisible character. Copy it again "
    "from the provider's settings page, without anything around it."
)


class SecretInput(forms.PasswordInput):
    """A password input that never renders a value, whatever the form was given."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        base = {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}
        super().__init__(attrs={**base, **(attrs or {})}, render_value=False)

    def format_value(self, value: Any) -> str | None:
        return None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, None, attrs)
        context["widget"]["value"] = None
        return context


class SecretFormField(forms.CharField):
    """A write-only secret: trimmed, free of inner whitespace, length-bounded.

    `cleaned_data` holds a `Secret` (or None when left blank). Pass
    `whitespace_message` to name where the person should copy the value from.
    """

    widget = SecretInput

    def __init__(
        self,
        *,
        min_length: int | None = None,
        max_length: int | None = DEFAULT_MAX_LENGTH,
        whitespace_message: str = DEFAULT_WHITESPACE_MESSAGE,
        **kwargs: Any,
    ) -> None:
        kwargs["strip"] = True
        kwargs.pop("empty_value", None)
        # Lengths are checked here with our own wording; the validators CharField would
        # add quote the length of the value, which says something about the secret.
        super().__init__(**kwargs)
        self.secret_min_length = min_length
        self.secret_max_length = max_length
        self.whitespace_message = whitespace_message
        if max_length is not None:
            self.widget.attrs["maxlength"] = str(max_length)

    def to_python(self, value: Any) -> str:
        if isinstance(value, Secret):
            value = value.reveal()
        text: str = super().to_python(value) or ""
        if any(ch.isspace() or not ch.isprintable() for ch in text):
            raise ValidationError(self.whitespace_message, code="whitespace")
        if MASK in text:
            raise ValidationError(
                "That is the masked hint of a stored secret, not the secret itself. Paste "
                "the full secret, or leave the box blank to keep the stored one.",
                code="masked",
            )
        return text

    def validate(self, value: Any) -> None:
        super().validate(value)
        if not value:
            return
        if self.secret_min_length is not None and len(value) < self.secret_min_length:
            raise ValidationError(
                "That is shorter than this secret can be (at least %(min)d characters). "
                "Check that you copied all of it.",
                code="min_length",
                params={"min": self.secret_min_length},
            )
        if self.secret_max_length is not None and len(value) > self.secret_max_length:
            raise ValidationError(
                "That is longer than this secret can be (at most %(max)d characters). "
                "Check that you copied only the secret.",
                code="max_length",
                params={"max": self.secret_max_length},
            )

    def clean(self, value: Any) -> Secret | None:
        text = super().clean(value)
        return Secret(text) if text else None

    def has_changed(self, initial: Any, data: Any) -> bool:
        # A blank box means "keep the stored secret", so only a typed value is a change.
        return bool(data)

    def show_current(self, current: Secret | str | None) -> None:
        """Let the box say which secret is stored, by its masked hint only."""
        hint = secret_hint(current)
        if hint:
            self.widget.attrs["placeholder"] = f"Saved: {hint} (leave blank to keep it)"
            self.required = False
