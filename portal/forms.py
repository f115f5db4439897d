"""Forms for teams, members and invitations. Services do the checking that needs the DB."""

from __future__ import annotations

from typing import Any

from django import forms

from portal.roles import Role
from portal.text import validate_no_control_characters


class TeamCreateForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="Shown in the navigation; you can rename it later.",
        validators=[validate_no_control_characters],
    )  # fmt: skip
    slug = forms.SlugField(
        max_length=50,
        required=False,
        label="Address",
        # Django shows help text as HTML: no angle brackets in it.
        help_text="Optional. The team's pages live under /t/ and this address (letters, "
        "digits and dashes); it never changes. Leave empty to make it from the name.",
    )


class TeamSettingsForm(forms.Form):
    name = forms.CharField(max_length=100, validators=[validate_no_control_characters])
    require_mfa = forms.BooleanField(
        required=False,
        label="Require two-factor authentication",
        help_text="Members without MFA are sent to set it up before they can open any team page. "
        "Only owners can change this.",
    )


class _RoleChoiceMixin:
    def _limit_roles(self, roles: list[Role]) -> None:
        field = self.fields["role"]  # type: ignore[attr-defined]
        field.choices = [(r.value, r.label) for r in roles]


class InvitationForm(_RoleChoiceMixin, forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)

    def __init__(self, *args: Any, roles: list[Role], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit_roles(roles)


class RoleForm(_RoleChoiceMixin, forms.Form):
    role = forms.ChoiceField(choices=Role.choices)

    def __init__(self, *args: Any, roles: list[Role], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limit_roles(roles)


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, choices=[("", "Any action")])
    actor = forms.CharField(required=False, label="Actor email contains")
    target_type = forms.CharField(required=False, label="Target type")

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        field.choices = [("", "Any action"), *((a, a) for a in actions)]  # type: ignore[attr-defined]
