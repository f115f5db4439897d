"""allauth customisation: only through this adapter, never by forking its views."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.http import HttpRequest
from django.urls import reverse

from portal.models import User
from portal.secrets.mfa import mfa_decrypt, mfa_encrypt
from portal.services.teams import landing_url


class AccountAdapter(DefaultAccountAdapter):
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
