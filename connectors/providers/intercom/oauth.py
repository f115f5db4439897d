"""allauth's provider class for Intercom: one sub-provider per registered app.

As allauth's `openid_connect` does it: the provider id of an app is
`intercom-<public_id>`, and the portal's SocialAccountAdapter supplies each app's
credentials as an unsaved, hidden SocialApp. It connects workspaces; it never logs in.
"""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from connectors.providers.intercom import KEY
from connectors.providers.intercom.views import IntercomOAuth2Adapter


class IntercomAccount(ProviderAccount):
    def to_str(self) -> str:
        data = self.account.extra_data or {}
        return str(data.get("name") or self.account.uid)


class IntercomOAuthProvider(OAuth2Provider):
    id = KEY
    name = "Intercom"
    account_class = IntercomAccount
    oauth2_adapter_class = IntercomOAuth2Adapter

    def __init__(self, request: HttpRequest, app: Any = None) -> None:
        super().__init__(request, app=app)
        self.name = self.app.name

    def get_login_url(self, request: HttpRequest, **kwargs: Any) -> str:
        url = reverse("intercom_login", kwargs={"provider_id": self.app.provider_id})
        return f"{url}?{urlencode(kwargs)}" if kwargs else url

    def get_callback_url(self) -> str:
        return reverse("intercom_callback", kwargs={"provider_id": self.app.provider_id})

    def get_default_scope(self) -> list[str]:
        # Intercom takes no scope parameter: permissions are set in its Developer Hub.
        return []

    def get_oauth2_adapter(self, request: HttpRequest) -> IntercomOAuth2Adapter:
        return IntercomOAuth2Adapter(request, self.app.provider_id)

    def extract_uid(self, data: dict[str, Any]) -> str:
        return str(data["id_code"])

    def extract_extra_data(self, data: dict[str, Any]) -> dict[str, Any]:
        return dict(data)  # the workspace identity only: never a token

    def extract_common_fields(self, data: dict[str, Any]) -> dict[str, Any]:
        return {}  # no user is ever made from an Intercom admin
