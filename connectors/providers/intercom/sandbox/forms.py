"""Forms of the sandbox Developer Hub and consent page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms

from connectors.providers.intercom.capabilities import PERMISSIONS
from connectors.providers.intercom.sandbox.controls import (
    ACCEPTED_MODES,
    MAX_LATENCY_MS,
    MAX_RATE_LIMIT_RESET_IN,
    MAX_TIMEOUT_SECONDS,
)
from connectors.providers.intercom.sandbox.models import AppType, SandboxWorkspace
from portal.text import validate_no_control_characters

MAX_REDIRECT_URIS = 10


class RedirectUrisField(forms.CharField):
    """One absolute http(s) URL per line; blank lines are ignored."""

    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        return [line.strip() for line in str(text).splitlines() if line.strip()]

    def validate(self, value: Any) -> None:
        if not value:
            raise forms.ValidationError(
                "Add at least one redirect URL, such as the portal's callback URL for your app."
            )
        if len(value) > MAX_REDIRECT_URIS:
            raise forms.ValidationError(f"At most {MAX_REDIRECT_URIS} redirect URLs, please.")
        for url in value:
            parts = urlsplit(url)
            if parts.scheme not in {"http", "https"} or not parts.netloc or parts.fragment:
                raise forms.ValidationError(
                    f"{url[:200]!r} is not an absolute http(s) URL without a #fragment; "
                    "paste it exactly as the portal shows it."
                )
            if len(url) > 500:
                raise forms.ValidationError("A redirect URL may be at most 500 characters.")

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value


class AppSettingsForm(forms.Form):
    redirect_uris = RedirectUrisField(
        label="Redirect URLs",
        help_text="One per line. The first is the default when a request names none.",
    )
    expiring_tokens = forms.BooleanField(
        required=False,
        label="Not Intercom: expiring tokens",
        help_text="Real Intercom tokens never expire and have no refresh token. Tick this "
        "only to try a portal against a provider whose tokens expire.",
    )
    token_lifetime_seconds = forms.IntegerField(
        label="Token lifetime (seconds)", min_value=1, max_value=86_400, initial=3600
    )
    uninstall_url = forms.URLField(
        required=False,
        assume_scheme="https",
        max_length=500,
        label="Uninstall URL",
        help_text='Intercom POSTs a signed {"app_id": ...} here when a workspace '
        "uninstalls the app: paste the portal's uninstall URL for this app.",
    )


class NewAppForm(forms.Form):
    """Intercom's New app page: a name, the workspace it belongs to, and its type."""

    name = forms.CharField(
        label="App name", max_length=100, validators=[validate_no_control_characters],
        error_messages={"required": "Give the app a name."},
    )  # fmt: skip
    workspace = forms.ModelChoiceField(
        label="Workspace", queryset=SandboxWorkspace.objects.all(), to_field_name="id_code",
        empty_label=None,
    )  # fmt: skip
    app_type = forms.ChoiceField(
        label="Type", choices=AppType.choices, initial=AppType.PUBLIC, widget=forms.RadioSelect
    )


class AuthenticationForm(forms.Form):
    """Authentication → Edit: "Use OAuth" and the redirect URLs, one box each."""

    use_oauth = forms.BooleanField(label="Use OAuth", required=False)

    def __init__(self, *args: Any, boxes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index in range(boxes):
            self.fields[f"redirect_url_{index}"] = forms.CharField(
                label=f"Redirect URL {index + 1}", required=False, max_length=500,
                widget=forms.TextInput(attrs={"spellcheck": "false"}),
            )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        urls = [str(v).strip() for k, v in cleaned.items() if k.startswith("redirect_url_") and v]
        field = RedirectUrisField(required=False)
        if urls or cleaned.get("use_oauth"):
            field.validate(urls)  # the same rules as the one-step form
        cleaned["redirect_uris"] = urls
        return cleaned


class AppCreateForm(AppSettingsForm):
    name = forms.CharField(
        max_length=100, initial="My sandbox app", validators=[validate_no_control_characters]
    )
    field_order = [
        "name", "redirect_uris", "expiring_tokens", "token_lifetime_seconds", "uninstall_url",
    ]  # fmt: skip


class ConsentForm(forms.Form):
    workspace = forms.ModelChoiceField(
        queryset=SandboxWorkspace.objects.all(),
        to_field_name="id_code",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Choose the workspace to connect."},
    )


class ControlForm(forms.Form):
    """The hub's per-workspace form; the JSON control API accepts the same fields."""

    mode = forms.ChoiceField(choices=[(mode, mode) for mode in ACCEPTED_MODES], initial="ok")
    latency_ms = forms.IntegerField(min_value=0, max_value=MAX_LATENCY_MS, initial=0)
    rate_limit_reset_in = forms.IntegerField(
        min_value=1, max_value=MAX_RATE_LIMIT_RESET_IN, initial=60
    )
    timeout_seconds = forms.IntegerField(min_value=1, max_value=MAX_TIMEOUT_SECONDS, initial=30)


class PermissionsForm(forms.Form):
    """The hub's per-workspace permissions: ticked ones are withheld from its tokens."""

    withheld = forms.MultipleChoiceField(
        label="Withhold permissions",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(permission.key, permission.label) for permission in PERMISSIONS],
        help_text="The reads that need a withheld permission answer 401 token_unauthorized.",
    )
