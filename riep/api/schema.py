"""How the OpenAPI document is generated: drf-spectacular, with every error answer documented.

drf-spectacular documents the answers a view declares (``@extend_schema(responses=...)``) or
its serializer's 200/201. The answers every view may give besides are added here, once, so
that the document lists every status code the API answers (issue 12: schemathesis found
undocumented ones), each with its body (``Error``):

* 401 (no valid token or session) and 403 (signed in without the permission) on every
  operation: every endpoint needs a role;
* 404 where the path names something (``{id}``, ``{slug}``, ``{code}``) or the view says a
  parameter may name nothing (``not_found``);
* 400 where the operation reads query parameters or a body;
* 409 (the database was busy: nothing saved, try again), 413 (body too large) and 415 (not
  JSON) where it takes a body.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.mixins import ListModelMixin

BODY_METHODS = ("POST", "PUT", "PATCH")


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (component "Error")."""

    detail = serializers.CharField(help_text="What went wrong, in plain English.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400 and 404: the messages by query parameter or body field.",
    )


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description)


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        # Not get_response_serializers(): @extend_schema(responses=...) replaces that method.
        responses = super()._get_response_bodies(direction)

        def add(code: int, description: str) -> None:
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    error(description), str(code), direction=direction
                )

        has_body = self.method in BODY_METHODS
        if has_body or self._reads_query():
            add(400, "The query or the body is not valid: the messages say why.")
        add(401, "Not signed in: no valid API token or session.")
        add(403, "Signed in without the role or the permission this needs.")
        not_found = getattr(self.view, "not_found", "")
        if "{" in self.path or not_found:
            add(404, not_found or "Nothing of that name, or nothing you may see.")
        if has_body:
            add(409, "The database was busy: nothing was saved; try again.")
            add(413, "The request body is too large.")
            add(415, "The body is not JSON (send Content-Type: application/json).")
        return dict(sorted(responses.items()))

    def _reads_query(self) -> bool:
        if self.method != "GET":
            return False
        if getattr(self.view, "query_parameters", ()):
            return True
        # A paginated list reads limit and offset.
        return isinstance(self.view, ListModelMixin) and self._get_paginator() is not None
