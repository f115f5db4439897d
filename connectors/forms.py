"""Forms of registered apps: the guided setup, edit, and replacing the secret."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from connectors.models import App, AppKind
from connectors.providers import Provider, absolute_url
from connectors.services.apps import app_with_client_id
from portal.models import Team
from portal.secrets import SecretFormField
from portal.text import validate_no_control_characters

NAME_MAX_LENGTH = 100
CLIENT_ID_MAX_LENGTH = 255
REGION_MAX_LENGTH = 20  # App.region
SECRET_MIN_LENGTH = 8
SECRET_MAX_LENGTH = 255


def _no_inner_whitespace(value: str, what: str) -> None:
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ValidationError(
            f"The {what} contains a space, line break or invisible character. Copy it "
            "again from the app's Basic information page, without anything around it.",
            code="whitespace",
        )


class _AppFieldsMixin(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX_LENGTH,
        help_text="How your team will recognise this app in the portal, e.g. “Support sync (EU)”.",
        validators=[validate_no_control_characters],
        error_messages={
            "required": "Give the app a name.",
            "max_length": f"Keep the name under {NAME_MAX_LENGTH} characters.",
        },
    )
    region = forms.ChoiceField()
    spec: Provider
    kept_region = ""  # a region no longer offered that the app may keep (edit only)

    def region_field_set(self, spec: Provider, extra: list[tuple[str, str]] | None = None) -> None:
        """Fixed regions as choices; a provider with hosts per customer gets a text box."""
        self.spec = spec
        choices = spec.region_choices()
        field: forms.Field
        if choices:
            field = forms.ChoiceField(
                label=spec.region_label, help_text=spec.region_help,
                choices=[*choices, *(extra or [])],
                error_messages={"invalid_choice": "Choose one of the regions listed."},
            )  # fmt: skip
        else:
            field = forms.CharField(
                label=spec.region_label, help_text=spec.region_help, max_length=REGION_MAX_LENGTH,
                error_messages={
                    "required": f"Fill in “{spec.region_label}”.",
                    "max_length": f"Keep it under {REGION_MAX_LENGTH} characters.",
                },
            )  # fmt: skip
        field.initial = spec.default_region
        self.fields["region"] = field

    def clean_region(self) -> str:
        region = str(self.cleaned_data["region"]).strip()
        if region != self.kept_region and self.spec.region(region) is None:
            raise ValidationError(
                f"{self.spec.name} does not recognise “{region}” ({self.spec.region_label}): "
                "check it and try again.",
                code="unknown_region",
            )
        return region


class AppSetupForm(_AppFieldsMixin):
    """The Add app wizard: region, type, then what that type needs.

    A public app brings its Client ID and secret; an internal integration brings its
    access token instead. `redirect_url` is the visible, read-only box the person copies:
    it comes back with the form, so a page whose draft was saved in another tab (or whose
    session ended) is refused instead of saving an app under a URL nobody registered.
    """

    kind = forms.ChoiceField(
        choices=AppKind.choices, initial=AppKind.PUBLIC, widget=forms.RadioSelect,
        label="App type",
        error_messages={"required": "Choose the app's type.",
                        "invalid_choice": "Choose one of the app types listed."},
    )  # fmt: skip
    redirect_url = forms.CharField(
        label="Redirect URL", required=False,
        widget=forms.TextInput(
            attrs={"readonly": True, "id": "callback-url", "spellcheck": "false"}
        ),
    )  # fmt: skip
    client_id = forms.CharField(
        label="Client ID",
        required=False,
        max_length=CLIENT_ID_MAX_LENGTH,
        error_messages={
            "max_length": f"A client ID is at most {CLIENT_ID_MAX_LENGTH} characters; "
            "check that you copied only the ID.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    client_secret = SecretFormField(
        label="Client secret", required=False,
        min_length=SECRET_MIN_LENGTH, max_length=SECRET_MAX_LENGTH,
    )  # fmt: skip
    access_token = SecretFormField(
        label="Access token", required=False, min_length=SECRET_MIN_LENGTH,
        whitespace_message="The access token contains a space, line break or invisible "
        "character. Copy it again from the app's Authentication page, without anything "
        "around it.",
    )  # fmt: skip
    field_order = ["region", "kind", "redirect_url", "client_id", "client_secret",
                   "access_token", "name"]  # fmt: skip

    def __init__(
        self, *args: Any, team: Team, spec: Provider, public_id: str, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        self.region_field_set(spec)
        self.order_fields(self.field_order)
        self.public_id = public_id
        self.callback_url = absolute_url(spec.callback_path(public_id))
        posted = str(self.data.get("redirect_url", "")).strip() if self.is_bound else ""
        self.redirect_changed = self.is_bound and posted != self.callback_url
        if self.is_bound:
            # The page shown again carries the draft's URL, never a stale one.
            data = self.data.copy()  # type: ignore[attr-defined]
            data["redirect_url"] = self.callback_url
            self.data = data
        self.initial["redirect_url"] = self.callback_url

    def value_of(self, name: str) -> str:
        """What the page shows as chosen for `name` (posted, else initial, else default)."""
        if self.is_bound:
            return str(self.data.get(name) or "")
        value = self.initial.get(name, self.fields[name].initial)
        return str(value or "")

    @property
    def is_internal(self) -> bool:
        return self.value_of("kind") == AppKind.INTERNAL

    def clean_client_id(self) -> str:
        client_id: str = self.cleaned_data["client_id"]
        if not client_id:
            return client_id
        _no_inner_whitespace(client_id, "client ID")
        existing = app_with_client_id(team=self.team, provider=self.spec.key, client_id=client_id)
        if existing is not None:
            raise ValidationError(
                f"This client ID is already registered in this team as “{existing.name}”. "
                "Open that app instead, or check that you copied the ID of the right app.",
                code="duplicate",
            )
        return client_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") == AppKind.INTERNAL:
            cleaned["client_id"], cleaned["client_secret"] = "", None
            if not cleaned.get("access_token") and "access_token" not in self.errors:
                self.add_error(
                    "access_token",
                    "Paste the Access token from the app's Authentication page.",
                )
            return cleaned
        cleaned["access_token"] = None
        if not cleaned.get("client_id") and "client_id" not in self.errors:
            self.add_error(
                "client_id", "Paste the Client ID from the app's Basic information page."
            )
        if not cleaned.get("client_secret") and "client_secret" not in self.errors:
            self.add_error(
                "client_secret", "Paste the Client secret from the app's Basic information page."
            )
        if self.redirect_changed:
            raise ValidationError(
                "The redirect URL of this page is no longer this setup's: the app it belonged "
                "to was saved (in another tab?), or you were signed out. Copy the redirect URL "
                f"in step 2 into {self.spec.name}'s {self.spec.console_name} again, paste the "
                "secret again, and save.",
                code="redirect_changed",
            )
        return cleaned


class AppEditForm(_AppFieldsMixin):
    """Name, region and check interval; a region change with connections needs confirming."""

    check_interval_minutes = forms.IntegerField(
        label="Check every (minutes)",
        min_value=1,
        max_value=24 * 60,
        help_text="How often each connection's token is checked: 1 minute to 24 hours (1440).",
        error_messages={
            "required": "Say how often to check, in minutes (1 to 1440).",
            "invalid": "Type a whole number of minutes, from 1 to 1440.",
            "min_value": "Check at most once a minute: type 1 or more.",
            "max_value": "Check at least once a day: type 1440 (24 hours) or less.",
        },
    )
    confirm_region_change = forms.BooleanField(
        required=False, label="Yes, change the region; I will reconnect those workspaces."
    )

    def __init__(self, *args: Any, app: App, connection_count: int, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": app.name,
                "region": app.region,
                "check_interval_minutes": max(1, app.check_interval_seconds // 60),
            },
        )
        super().__init__(*args, **kwargs)
        self.app = app
        self.connection_count = connection_count
        self.region_warning = ""
        # e.g. a sandbox app after the sandbox was disabled: its region stays choosable.
        self.kept_region = app.region
        offered = dict(app.spec.region_choices())
        self.region_field_set(app.spec, [] if app.region in offered else [(app.region, app.region)])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        region = cleaned.get("region")
        if region and region != self.app.region and self.connection_count:
            count = self.connection_count
            self.region_warning = (
                f"{count} connection{'s' if count != 1 else ''} made through this app will "
                "need reconnecting: their tokens belong to the old region's servers."
            )
            if not cleaned.get("confirm_region_change"):
                self.add_error(
                    "confirm_region_change",
                    f"{self.region_warning} Tick the box to confirm the change.",
                )
        return cleaned

    @property
    def check_interval_seconds(self) -> int:
        return int(self.cleaned_data["check_interval_minutes"]) * 60


class AppSecretForm(forms.Form):
    """Replace the client secret: the new value goes in, nothing comes out."""

    client_secret = SecretFormField(
        label="New client secret",
        min_length=SECRET_MIN_LENGTH,
        max_length=SECRET_MAX_LENGTH,
        error_messages={
            "required": "Paste the new Client secret from the app's Basic information page."
        },
    )


class AppCapabilitiesForm(forms.Form):
    """Tick the capabilities the team's integration relies on (the provider's list)."""

    capabilities = forms.MultipleChoiceField(
        label="Capabilities this integration relies on",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "%(value)s is not one of this provider's capabilities."},
    )

    def __init__(self, *args: Any, provider: Provider, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["capabilities"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [
            (c.key, f"{c.label} (permission: {c.permission}; checked with {c.probe})")
            for c in provider.capabilities()
        ]
