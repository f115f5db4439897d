"""allauth's routes for Intercom sub-providers: /accounts/intercom/intercom-<public_id>/..."""

from __future__ import annotations

from django.urls import include, path

from connectors.providers.intercom import views

urlpatterns = [
    path(
        "intercom/<str:provider_id>/",
        include(
            [
                path("login/", views.login, name="intercom_login"),
                path("login/callback/", views.callback, name="intercom_callback"),
            ]
        ),
    )
]
