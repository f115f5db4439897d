"""Team pages: /t/<slug>/notifications/ (email, webhook endpoints, delivery log)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from connectors.notify import services
from connectors.notify.emails import team_admin_emails
from connectors.notify.forms import EndpointForm, NotificationSettingsForm
from connectors.notify.models import (
    NotificationSettings,
    OutboxEvent,
    WebhookEndpoint,
)
from portal.models import Team
from portal.roles import Perm
from portal.tenancy import team_object_or_404, team_view

LOG_SIZE = 50


@team_view(Perm.NOTIFICATIONS_MANAGE)
def notify_settings(request: HttpRequest, team: Team) -> HttpResponse:
    prefs = NotificationSettings.objects.filter(team=team).first()
    initial = {
        "email_enabled": prefs.email_enabled if prefs else True,
        "recipients": prefs.email_recipients if prefs else "",
    }
    form = NotificationSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.notification_settings_update(
            team=team, email_enabled=form.cleaned_data["email_enabled"],
            recipients=form.cleaned_data["recipients"], actor=request.user, request=request,
        )  # fmt: skip
        messages.success(request, "Email notification settings saved.")
        return redirect("notify_settings", team_slug=team.slug)
    endpoints = WebhookEndpoint.objects.filter(team=team)
    return render(
        request,
        "notify/settings.html",
        {"team": team, "form": form, "endpoints": endpoints,
         "default_recipients": team_admin_emails(team)},
    )  # fmt: skip


@team_view(Perm.NOTIFICATIONS_MANAGE)
def notify_endpoint_new(request: HttpRequest, team: Team) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint, secret = services.endpoint_create(
            team=team, url=form.cleaned_data["url"],
            description=form.cleaned_data["description"],
            event_types=form.cleaned_data["event_types"], actor=request.user, request=request,
        )  # fmt: skip
        # The only time the secret is shown: rendered in the answer to this POST.
        return render(
            request,
            "notify/endpoint_created.html",
            {"team": team, "endpoint": endpoint, "secret_value": secret.reveal()},
        )
    return render(request, "notify/endpoint_form.html", {"team": team, "form": form})


@team_view(Perm.NOTIFICATIONS_MANAGE)
def notify_endpoint_edit(request: HttpRequest, team: Team, endpoint_id: int) -> HttpResponse:
    endpoint = team_object_or_404(team, WebhookEndpoint, pk=endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description,
               "event_types": endpoint.event_types, "enabled": endpoint.enabled}  # fmt: skip
    form = EndpointForm(request.POST or None, initial=initial, with_enabled=True)
    if request.method == "POST" and form.is_valid():
        services.endpoint_update(
            endpoint=endpoint, url=form.cleaned_data["url"],
            description=form.cleaned_data["description"],
            event_types=form.cleaned_data["event_types"],
            enabled=form.cleaned_data["enabled"], actor=request.user, request=request,
        )  # fmt: skip
        messages.success(request, "Webhook endpoint saved.")
        return redirect("notify_settings", team_slug=team.slug)
    deliveries = endpoint.deliveries.select_related("event")[:LOG_SIZE]
    return render(
        request,
        "notify/endpoint_form.html",
        {"team": team, "form": form, "endpoint": endpoint, "deliveries": deliveries},
    )


@team_view(Perm.NOTIFICATIONS_MANAGE)
@require_POST
def notify_endpoint_delete(request: HttpRequest, team: Team, endpoint_id: int) -> HttpResponse:
    endpoint = team_object_or_404(team, WebhookEndpoint, pk=endpoint_id)
    services.endpoint_delete(endpoint=endpoint, actor=request.user, request=request)
    messages.success(request, f"Webhook endpoint {endpoint.url} deleted.")
    return redirect("notify_settings", team_slug=team.slug)


@team_view(Perm.NOTIFICATIONS_MANAGE)
@require_POST
def notify_endpoint_test(request: HttpRequest, team: Team, endpoint_id: int) -> HttpResponse:
    endpoint = team_object_or_404(team, WebhookEndpoint, pk=endpoint_id)
    if not endpoint.enabled:
        messages.error(request, "This endpoint is disabled: enable it first, then send a test.")
        return redirect("notify_endpoint_edit", team_slug=team.slug, endpoint_id=endpoint.pk)
    try:
        services.endpoint_send_test(endpoint=endpoint, actor=request.user)
    except services.TestSendLimited as limited:
        messages.error(
            request,
            f"At most {services.TEST_SENDS_PER_MINUTE} test events a minute per team. "
            f"Wait {limited.wait_seconds} s, then try again.",
        )
    else:
        messages.success(
            request,
            "Test event queued. It is sent in the background within a few seconds: reload "
            "this page to see its outcome in the delivery log below.",
        )
    return redirect("notify_endpoint_edit", team_slug=team.slug, endpoint_id=endpoint.pk)


@team_view(Perm.NOTIFICATIONS_MANAGE)
def notify_log(request: HttpRequest, team: Team) -> HttpResponse:
    events = (
        OutboxEvent.objects.filter(team=team)
        .select_related("connection")
        .prefetch_related("deliveries__endpoint")[:LOG_SIZE]
    )
    return render(request, "notify/log.html", {"team": team, "events": events})
