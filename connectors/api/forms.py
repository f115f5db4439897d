"""The form to create an API key."""

from __future__ import annotations

from django import forms

from connectors.api.models import Scope
from portal.text import validate_no_control_characters

EXPIRY_CHOICES = [("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What uses it, e.g. 'billing-sync on prod'.",
        validators=[validate_no_control_characters],
    )  # fmt: skip
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
        error_messages={"required": "Pick at least one scope: read, tokens, or both."},
    )
    expires_in_days = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, label="Expires")
