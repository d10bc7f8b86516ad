"""Sign-in throttling: the pieces django-axes calls (see AXES_* in riep/settings/base.py).

Axes counts failed sign-ins per username and address; after ``AXES_FAILURE_LIMIT`` of them that
pair is locked out for ``AXES_COOLOFF_TIME`` or until an administrator unlocks it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """The address a sign-in came from.

    The connection's own address, unless ``TRUSTED_PROXY_COUNT`` proxies stand in front of
    Django: then the address the outermost of them saw, counted from the right of
    X-Forwarded-For (entries further left are whatever the client chose to send).
    """
    address = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None


def lockout_response(request: HttpRequest, original_response, credentials) -> HttpResponse:
    """The sign-in page again, saying that sign-in is locked and for how long (HTTP 429)."""
    cool_off = settings.AXES_COOLOFF_TIME
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "locked_out": True,
        "locked_username": username,
        "lockout_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
        "next": request.POST.get("next") or request.GET.get("next", ""),
    }
    return render(
        request, "registration/login.html", context, status=settings.AXES_HTTP_RESPONSE_CODE
    )
