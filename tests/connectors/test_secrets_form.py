"""`SecretFormField`: a secret goes in through a form and never comes back out."""

from __future__ import annotations

from django import forms

from portal.secrets import Secret, SecretFormField

PLAINTEXT = "cs_0123456789abcdef_SECRET"


class AppForm(forms.Form):
    client_secret = SecretFormField(
        min_length=8,
        max_length=64,
        whitespace_message=(
            "The secret contains a space or line break — copy it again from "
            "Intercom's Basic information page."
        ),
    )


def test_surrounding_whitespace_is_trimmed_and_the_value_becomes_a_secret() -> None:
    form = AppForm({"client_secret": f"  {PLAINTEXT}\n"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["client_secret"] == Secret(PLAINTEXT)


def test_a_secret_with_inner_whitespace_is_refused_with_an_actionable_message() -> None:
    for pasted in ("cs_0123 456789abcdef", "cs_0123\n456789abcdef", "cs_0123\u200b456789"):
        form = AppForm({"client_secret": pasted})
        assert not form.is_valid()
        assert form.errors["client_secret"] == [
            "The secret contains a space or line break — copy it again from "
            "Intercom's Basic information page."
        ]


def test_a_blank_required_secret_is_refused() -> None:
    form = AppForm({"client_secret": "   "})
    assert not form.is_valid()
    assert "client_secret" in form.errors


def test_lengths_are_bounded_without_quoting_the_value() -> None:
    short = AppForm({"client_secret": "abc"})
    assert not short.is_valid()
    assert "at least 8 characters" in short.errors["client_secret"][0]
    long = AppForm({"client_secret": "x" * 65})
    assert not long.is_valid()
    assert "at most 64 characters" in long.errors["client_secret"][0]
    assert "65" not in long.errors["client_secret"][0]


def test_the_widget_never_renders_a_value_even_after_an_error() -> None:
    for form in (
        AppForm({"client_secret": PLAINTEXT}),
        AppForm({"client_secret": PLAINTEXT + " tail"}),
        AppForm(initial={"client_secret": PLAINTEXT}),
        AppForm(initial={"client_secret": Secret(PLAINTEXT)}),
    ):
        form.is_valid()
        html = str(form)
        assert 'type="password"' in html
        assert 'autocomplete="off"' in html
        assert 'maxlength="64"' in html
        assert PLAINTEXT not in html
        assert "value=" not in html.split('name="client_secret"')[1].split(">")[0]


def test_show_current_puts_only_the_hint_in_the_placeholder() -> None:
    form = AppForm()
    field = form.fields["client_secret"]
    assert isinstance(field, SecretFormField)
    field.show_current(Secret(PLAINTEXT))
    html = str(form)
    assert "Saved: ••••CRET (leave blank to keep it)" in html
    assert PLAINTEXT not in html
    assert not field.required
    blank = AppForm({"client_secret": ""})
    blank.fields["client_secret"].show_current(Secret(PLAINTEXT))  # type: ignore[attr-defined]
    assert blank.is_valid()
    assert blank.cleaned_data["client_secret"] is None


def test_pasting_the_masked_hint_back_is_refused() -> None:
    form = AppForm({"client_secret": "••••CRET"})
    assert not form.is_valid()
    assert "masked hint of a stored secret" in form.errors["client_secret"][0]
