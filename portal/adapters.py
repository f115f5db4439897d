"""allauth customisation: only through this adapter, never by forking its views."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django import forms
from django.http import HttpRequest
from django.urls import reverse

from portal.clientaddr import client_ip
from portal.models import User
from portal.secrets.mfa import mfa_decrypt, mfa_encrypt
from portal.services.teams import landing_url


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's rate limits key on: the portal's one rule (TRUSTED_PROXIES)."""
        return client_ip(request) or super().get_client_ip(request)

    def clean_email(self, email: str) -> str:
        """Refuse an address longer than the column holds: allauth would cut it to fit."""
        email = super().clean_email(email)
        longest = User._meta.get_field("email").max_length or 254
        if len(email) > longest:
            raise forms.ValidationError(
                f"An email address has at most {longest} characters; this one has {len(email)}."
            )
        return email

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        # A `next` parameter (e.g. an invitation link) still wins; allauth checks it first.
        assert isinstance(request.user, User)
        return landing_url(request.user)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        if isinstance(request.user, User):
            return landing_url(request.user)
        return reverse("onboarding")


class MFAAdapter(DefaultMFAAdapter):
    """Keeps TOTP secrets and recovery-code seeds encrypted in mfa_authenticator.data.

    allauth's default stores them as they are; ours stores "enc:v1:" + Fernet ciphertext
    under FIELD_ENCRYPTION_KEYS, and still reads rows written before, as plaintext, so
    nobody is locked out until `manage.py rotate_encryption_keys` encrypts them.
    """

    def encrypt(self, text: str) -> str:
        return mfa_encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        # Raises SecretDecryptionError when no key fits, rather than failing as a bad code.
        return mfa_decrypt(encrypted_text)
