"""Forms of the notification pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import validate_email

from connectors.notify.models import EventType
from connectors.notify.ssrf import webhook_url_refusal
from portal.text import validate_no_control_characters

SUBSCRIBABLE = [(value, label) for value, label in EventType.choices if value != EventType.TEST]
MAX_RECIPIENTS = 20


class NotificationSettingsForm(forms.Form):
    email_enabled = forms.BooleanField(required=False, label="Send email notifications")
    recipients = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Recipients",
        help_text="One email address per line. Leave empty to email the team's owners and admins.",
    )

    def clean_recipients(self) -> list[str]:
        raw = self.cleaned_data.get("recipients") or ""
        addresses = [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]
        bad = []
        for address in addresses:
            try:
                validate_email(address)
            except forms.ValidationError:
                bad.append(address)
        if bad:
            raise forms.ValidationError(
                f"These are not email addresses: {', '.join(bad[:5])}. Put one address per line."
            )
        if len(addresses) > MAX_RECIPIENTS:
            raise forms.ValidationError(f"At most {MAX_RECIPIENTS} recipients, please.")
        return list(dict.fromkeys(addresses))


class EndpointForm(forms.Form):
    url = forms.URLField(
        max_length=500, label="URL", assume_scheme="https",
        help_text="Where the portal POSTs signed JSON events.",
    )  # fmt: skip
    description = forms.CharField(
        max_length=100, required=False, validators=[validate_no_control_characters]
    )
    event_types = forms.MultipleChoiceField(
        choices=SUBSCRIBABLE,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Events",
        help_text="Tick none to receive every event.",
    )
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args: Any, with_enabled: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_enabled:
            del self.fields["enabled"]

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).strip()
        refusal = webhook_url_refusal(url)
        if refusal is not None:
            raise forms.ValidationError(refusal)
        return url
