"""The OpenAPI document (/api/v1/openapi.json) and the API's answer to an unknown address.

The document describes every endpoint, parameter and answer: it is served to signed-in users
(a token or a session) only, unless the deployment makes it public with the setting
``API_SCHEMA_PUBLIC`` (environment ``DJANGO_API_SCHEMA_PUBLIC=1``). Issue 12 found it served to
anyone.
"""

from __future__ import annotations

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated


class OpenAPIDocument(SpectacularJSONAPIView):
    """JSON, as the name says (SpectacularAPIView would answer YAML by default)."""

    def get_permissions(self):
        if getattr(settings, "API_SCHEMA_PUBLIC", False):
            return [AllowAny()]
        return [IsAuthenticated()]


@csrf_exempt  # it changes nothing: a POST to no address is a 404, not the CSRF page's 403
def not_found(request, *args, **kwargs):
    """Any other address under /api/v1/ (a malformed id, a path the API has not): a 404 in
    JSON, as the API's other answers, rather than the site's HTML page."""
    return JsonResponse({"detail": "The API has no such address."}, status=404)
