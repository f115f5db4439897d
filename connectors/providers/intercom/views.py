"""Intercom's OAuth2 adapter for allauth: regional hosts, no scope, `token` or `access_token`.

The token exchange and the first `GET /me` go through connectors.http (timeouts,
redaction), never through `requests`. Failures raise `ConnectFailure`, which the
portal's SocialAccountAdapter turns into the connect-failed page.
"""

from __future__ import annotations

from typing import Any

from allauth.socialaccount.models import SocialApp, SocialLogin, SocialToken
from allauth.socialaccount.providers.oauth2.client import OAuth2Client
from allauth.socialaccount.providers.oauth2.views import (
    OAuth2Adapter,
    OAuth2CallbackView,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import urlencode

from connectors.health.outcomes import Outcome
from connectors.http import HttpResult
from connectors.oauth import ConnectFailure, FailureKind, first_check_attach
from connectors.providers import Provider, Region, absolute_url, provider_get
from connectors.providers.intercom import KEY, client
from portal.secrets import Secret

_UNREACHABLE_KINDS = frozenset({"timeout", "connect", "protocol"})
_TRY_AGAIN = "wait a moment, then press Try again."
_CLIENT_WRONG = (
    "Intercom refused the app's credentials (HTTP {status}, {code}: Unauthorized Client): "
    "the client ID or client secret in the portal is wrong or was rotated. An admin should "
    "paste both from the app's Basic information page in Intercom's Developer Hub into the "
    "app's settings, then press Try again."
)
_CODE_BAD = (
    "Intercom would not accept this approval (HTTP {status}, {code}): it was already used, "
    "expired (approvals last about five minutes) or was altered on the way. Nothing was "
    "connected: press Try again to approve once more."
)
_AMBIGUOUS = (
    "Intercom refused to exchange the approval for a token (HTTP {status}, {code}). Press "
    "Try again; if it is refused again, an admin should check the app's client ID and "
    "client secret against the Developer Hub."
)
_INTERCOM_PROBLEM = (
    "Intercom had a problem while exchanging the approval for a token (HTTP {status}{code}), "
    "so nothing was connected. This is on Intercom's side and says nothing about the app's "
    "settings: " + _TRY_AGAIN
)


def exchange_failure(result: HttpResult) -> ConnectFailure | None:
    """What a refused or failed code exchange means, or None when it went through.

    Intercom's token endpoint (INTERCOM.md, "Token exchange errors"): 401 `unauthorized`
    "Unauthorized Client" means a wrong client ID or secret; 401 "Unauthorized Code" a bad,
    reused or expired code (OAuth2's `invalid_grant` likewise, RFC 6749 section 5.2); 5xx,
    timeouts and unreadable answers are Intercom's problem and never blame the secret.
    """
    if result.ok:
        return None
    status = result.status
    if result.error_kind in _UNREACHABLE_KINDS or status is None:
        return ConnectFailure(
            FailureKind.UNREACHABLE,
            f"Intercom's token service {result.error_detail or 'did not answer'}, so nothing "
            "was connected. This is usually temporary: " + _TRY_AGAIN,
        )
    code = client.exchange_error_code(result.json)
    if status >= 500 or result.error_kind is not None:
        shown = f", {code}" if code else ""
        return ConnectFailure(
            FailureKind.UNREACHABLE, _INTERCOM_PROBLEM.format(status=status, code=shown)
        )
    message = client.exchange_error_message(result.json).lower()
    words = {"status": status, "code": code or "no error code"}
    if status == 401 and "client" in message:
        return ConnectFailure(FailureKind.EXCHANGE_REFUSED, _CLIENT_WRONG.format(**words))
    if (status == 401 and "code" in message) or code == "invalid_grant":
        return ConnectFailure(FailureKind.EXCHANGE_REFUSED, _CODE_BAD.format(**words))
    return ConnectFailure(FailureKind.EXCHANGE_REFUSED, _AMBIGUOUS.format(**words))


def _intercom() -> Provider:
    # From the registry: this module is imported by the provider object itself.
    return provider_get(KEY)


class IntercomOAuth2Client(OAuth2Client):
    """allauth's client, with Intercom's authorize query and our HTTP module."""

    def get_redirect_url(self, authorization_url: str, scope: Any, extra_params: Any) -> str:
        params = {"client_id": self.consumer_key, "redirect_uri": self.callback_url}
        if self.state:
            params["state"] = self.state
        params.update(extra_params or {})
        return f"{authorization_url}?{urlencode(params)}"

    def get_access_token(
        self, code: str, pkce_code_verifier: Any = None, extra_data: Any = None
    ) -> dict[str, str | int]:
        if not code:
            raise ConnectFailure(FailureKind.EXCHANGE_REFUSED)
        result = client.code_exchange(
            token_url=self.access_token_url,
            code=code,
            client_id=self.consumer_key,
            client_secret=Secret(self.consumer_secret),
        )
        failure = exchange_failure(result)
        if failure is not None:
            raise failure
        token = client.token_from_exchange(result.json)
        if token is None:
            raise ConnectFailure(
                FailureKind.EXCHANGE_REFUSED,
                "Intercom answered the token exchange without a token. Nothing was stored: "
                "press Try again.",
            )
        # allauth's `OAuth2Adapter.parse_token` reads `refresh_token` into the SocialToken's
        # token_secret and `expires_in` into its expires_at.
        return {"access_token": token, "token_type": "Bearer",
                **client.expiring_from_exchange(result.json)}  # fmt: skip


class IntercomOAuth2Adapter(OAuth2Adapter):
    client_class = IntercomOAuth2Client

    def __init__(self, request: HttpRequest, provider_id: str) -> None:
        self.provider_id = provider_id
        super().__init__(request)

    def _region(self) -> Region:
        key = self.get_provider().app.settings.get("region", "")
        region = _intercom().region(key)
        if region is None:
            raise ConnectFailure(
                FailureKind.UNKNOWN,
                f"This app's region ({key or 'none'}) is not available here. An admin "
                "should choose the app's region again in its settings.",
            )
        return region

    @property
    def authorize_url(self) -> str:  # type: ignore[override]
        return self._region().authorize_url

    @property
    def access_token_url(self) -> str:  # type: ignore[override]
        return self._region().token_url

    def get_callback_url(self, request: HttpRequest, app: SocialApp) -> str:
        # Exactly the URL the team registered in Intercom, from SITE_URL, not the Host header.
        return absolute_url(_intercom().callback_path(app.settings["public_id"]))

    def complete_login(
        self, request: HttpRequest, app: SocialApp, token: SocialToken, **kwargs: Any
    ) -> SocialLogin:
        intercom = _intercom()
        answer = intercom.probe_now(self._region(), Secret(token.token))
        checked = intercom.classify(answer, expected_workspace=None, now=timezone.now())
        if checked.outcome is not Outcome.OK or checked.workspace is None:
            if answer.error_kind in _UNREACHABLE_KINDS:
                raise ConnectFailure(FailureKind.UNREACHABLE)
            raise ConnectFailure(
                FailureKind.IDENTITY,
                "Intercom issued a token, but checking it with GET /me failed "
                f"({checked.detail or 'no details'}). Nothing was stored. Press Try again; "
                "if it keeps failing, check the app's permissions in Intercom's Developer Hub.",
            )
        who = checked.workspace
        data = {
            "id_code": who.external_id,
            "name": who.name,
            "region": who.region,
            "admin_id": who.admin_id,
            "admin_name": who.admin_name,
            "admin_email": who.admin_email,
        }
        login: SocialLogin = self.get_provider().sociallogin_from_response(request, data)
        first_check_attach(login, checked, latency_ms=answer.elapsed_ms)
        return login


def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    """Always 404: a connect starts only from the team's app page (a POST that checks the
    member's role). allauth's own sign-in page here would show any visitor a team's app
    name and start a dance with its client id."""
    raise Http404("No such page.")


def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    try:
        view = OAuth2CallbackView.adapter_view(IntercomOAuth2Adapter(request, provider_id))
        response: HttpResponse = view(request)
    except SocialApp.DoesNotExist:
        raise Http404("No such app.") from None
    return response
