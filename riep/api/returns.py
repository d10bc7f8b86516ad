"""The JSON API of the quarterly returns and their ratings: serializers and views.

Endpoints (under /api/v1/, wired in riep/api/urls.py, documented in /api/v1/openapi.json)
---------------------------------------------------------------------------------------
* ``GET  returns/`` — the returns the caller may see (``Return.objects.for_user``), filtered
  by ``?target_set=<slug>&period=2009/10 Q3&sub_region=<slug>``; paginated (limit/offset).
* ``POST returns/`` ``{"sub_region", "target_set", "period"}`` — open the sub-region's return
  for the quarter (``services.open_return``): 201 when created, 200 when it already existed.
* ``GET  returns/<id>/`` — one return with its lines and its sign-off trail.
* ``PATCH returns/<id>/lines/`` ``{"version": n, "lines": [...]}`` — change lines, all or
  nothing, through ``services.update_lines(channel="api", base_version=version)``.
* ``POST returns/<id>/submit/`` ``{"comment": ""}`` — the programme manager submits.
* ``GET  ratings/?target_set=<slug>&period=2009/10 Q3[&basis=approved|all]`` — the stored
  overall rating of every target, for the region and each sub-region (with the sub-region's
  own rating beside it: ``reported``, ``reported_reason``, ``differs``), and the authorities'
  lines (with ``counted`` and ``scope``), read through returns.selectors.

Who may do what (the same rules as the pages: every write goes through returns.services)
-------------------------------------------------------------------------------------
* Reading needs ``returns.view_return`` (every role): anonymous 401, signed in without a role
  403. A programme manager sees their own sub-region only: another sub-region's return is
  404 (for reading and for writing alike, so its existence is not disclosed), and the ratings
  cover their sub-region only (the "region" row then says it is over their sub-region).
* Writing needs the programme manager's role (``returns.change_returnline``) for the return's
  own sub-region: 403 otherwise (Board members, the Director, administrators; or ``POST
  returns/`` naming another sub-region).

Status codes (chosen; every one is in the OpenAPI document, riep/api/schema.py)
-------------------------------------------------------------------------------
* 400 — the query or the body is not valid (malformed, empty, given twice, out of its
  bounds: riep/api/parameters.py): ``{"detail": all the messages, "errors": {parameter or
  field: [messages]}}``. ``PATCH lines`` answers ``{"detail": ..., "lines": [{"index": i,
  "authority": ..., "target": ..., "errors": {field: [message, ...]}}], "errors": {...}}``:
  one entry per line at fault (as sent), and nothing is saved.
* 404 — a well-formed slug that names nothing (``?target_set=nope``, a ``sub_region`` of no
  such slug), with the same body naming what exists; or no such return, or not one you may
  see.
* 409 ``{"code": "stale", "detail", "status", "version", "changed": [lines]}`` — the return
  changed since ``version`` (someone else saved meanwhile); ``changed`` are the lines they
  changed, ``version`` the one to send once the caller has reviewed them. Checked before the
  lines are read, so a stale client hears it first.
* 409 ``{"code": "locked", "detail", "status"}`` — the return is submitted or approved: it
  cannot change until the Director returns or reopens it. 409 rather than WebDAV's 423: the
  request conflicts with the state of the resource, which is what 409 says in plain HTTP.
* 409 ``{"code": "step_refused", ...}`` — e.g. submitting a return already submitted.

Values
------
* Decimals are written as JSON **strings**, without trailing zeros: ``"503"``, ``"92.79"``,
  ``"4.36"`` (exact; a JSON number would go through binary floating point in most clients).
  Dates are ISO 8601 (``"2009-12-09"``). Missing values are ``null``.
* On input, ``actual`` and ``target_value`` may be strings or numbers and are read by the
  target's measure (``returns.values.parse_value``): ``"92.79%"``, ``"£41,661k"``,
  ``"Performing well (3)"``, ``3``, ``"yes"``. Send strings for exact decimals.
* Ratings are ``"R"``, ``"A"``, ``"G"``, ``"GREY"`` (awaiting data) or ``"NA"`` (not
  applicable), ``null`` where there is none (no manual rating; a rule the returns cannot rate).

A line in ``PATCH lines`` names its authority by slug or by any name or alias the returns use
("Amber Valley BC"), and its target by number ("5"), code or indicator (returns.naming, as
the importer reads them). A line for an authority of the sub-region that the target's rule
does not cover is kept as reported, outside the target's scope (``scope: "outside"``). Only
the fields given change. A non-null ``actual`` without ``state`` sets the state to "value"; a
null ``actual`` without ``state`` on a line that had a value sets it to "awaiting"; a
``state`` other than "value" without ``actual`` clears the value. ``null`` clears
``manual_rating``, ``manual_reason``, ``state_reason``, ``comment``, ``source`` and
``date_of_data``.

Every write is a service of returns.services, and every refusal comes back from it as a
structured error (returns.errors): the codes and the lines at fault are read from it, never
from its text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from authorities.models import SubRegion
from reports.filters import default_basis
from returns import services
from returns.deadlines import due_facts
from returns.errors import InvalidLines, ReturnLocked, StaleReturn, StepRefused
from returns.models import Basis, Return, ReturnLine, Transition
from returns.selectors import QuarterRatings, quarter_lines, quarter_ratings
from targets.models import TargetSet

from .parameters import (
    Param,
    StrictQueryMixin,
    UnknownName,
    openapi_parameters,
    path_id,
)
from .permissions import HasRequiredPermission
from .return_lines import LineReader, invalid_body, lines_invalid
from .return_serializers import (
    ConflictSerializer,
    LinesInvalidSerializer,
    LinesPatchSerializer,
    LinesUpdatedSerializer,
    RatingsSerializer,
    ReturnDetailSerializer,
    ReturnLineSerializer,
    ReturnOpenSerializer,
    ReturnSerializer,
    SubmitSerializer,
    line_scope,
)
from .schema import error

API_CHANNEL = "api"
VIEW_PERMISSION = "returns.view_return"
EDIT_PERMISSION = "returns.change_returnline"


def ratings_payload(ratings: QuarterRatings) -> dict[str, Any]:
    """The ratings document of one quarter (see RatingsSerializer for its shape): the stored
    overall ratings and the stored lines, nothing rated here."""
    lines = quarter_lines(refs=ratings.sub_regions, targets=ratings.targets, basis=ratings.basis)

    def code(value) -> str | None:
        return None if value is None else str(value)

    targets = []
    for target in ratings.targets:
        sub_regions = []
        for ref in ratings.sub_regions:
            overall = ratings.sub_region(target.pk, ref)
            sub_regions.append(
                {
                    "sub_region": ref.name,
                    "return_status": ref.return_status,
                    "rating": code(overall.rating),
                    "explanation": overall.explanation,
                    "reported": code(overall.reported),
                    "reported_reason": overall.reported_reason,
                    "differs": overall.differs,
                    "authorities": [
                        {
                            "authority": row.authority_name,
                            "actual": row.actual,
                            "target_value": row.target_value,
                            "state": row.state,
                            "status": code(row.status),
                            "computed": code(row.computed),
                            "manual": code(row.manual),
                            "effective": code(row.effective),
                            "counted": row.counted,
                            "scope": line_scope(row.state, row.scope),
                        }
                        for row in lines[target.pk][ref.slug]
                    ],
                }
            )
        region = (
            ratings.region(target.pk, ratings.regions[0]) if len(ratings.regions) == 1 else None
        )
        targets.append(
            {
                "number": target.number,
                "code": target.code,
                "indicator": target.indicator or None,
                "region": {
                    "rating": code(region.rating) if region else None,
                    "explanation": region.explanation if region else "No region to rate.",
                    "relevant": region.relevant if region else 0,
                    "known": region.known if region else 0,
                },
                "sub_regions": sub_regions,
            }
        )
    return {
        "target_set": ratings.target_set.slug,
        "period": ratings.quarter.label,
        "basis": ratings.basis,
        "targets": targets,
    }


# ---------------------------------------------------------------------------------------------
# Permissions and answers
# ---------------------------------------------------------------------------------------------


class ReturnsPermission(HasRequiredPermission):
    """Reading needs returns.view_return; writing also the programme manager's permission.

    Whether the programme manager keeps the return's sub-region is the services' to check.
    """

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS:
            return True
        return request.user.has_perm(EDIT_PERMISSION)


def _bad_request(errors: Mapping[str, list[str]]) -> Response:
    """400 ``{"detail": every message, "errors": {parameter or field: [messages]}}``."""
    detail = " ".join(f"{message}" for messages in errors.values() for message in messages)
    return Response({"detail": detail, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)


def _known(model, field: str = "slug") -> str:
    return ", ".join(model.objects.order_by(field).values_list(field, flat=True))


def _visible_returns(user):
    return Return.objects.for_user(user).select_related("sub_region", "target_set")


def _detail_queryset(user):
    lines = ReturnLine.objects.select_related("authority", "target", "updated_by").order_by(
        "authority__name", "target__priority", "target__number"
    )
    return _visible_returns(user).prefetch_related(
        Prefetch("lines", queryset=lines),
        Prefetch("transitions", queryset=Transition.objects.select_related("actor")),
    )


def _refused(error: ReturnLocked | StaleReturn | StepRefused, return_id: int) -> Response:
    """409 from a service's structured refusal: its code, its message, and for a stale write
    the lines changed meanwhile and the version to send next."""
    current = Return.objects.get(pk=return_id)
    body: dict[str, Any] = {
        "code": error.code,
        "detail": " ".join(error.messages),
        "status": current.status,
    }
    if isinstance(error, StaleReturn):
        body["version"] = error.current_version
        body["changed"] = ReturnLineSerializer(error.changed, many=True).data
    return Response(body, status=status.HTTP_409_CONFLICT)


_RETURN_PARAMETERS = (
    Param("target_set", "slug", "Target set slug, e.g. stretch-targets."),
    Param("period", "quarter", 'Financial-year quarter, e.g. "2009/10 Q3".'),
    Param("sub_region", "slug", "Sub-region slug, e.g. derbyshire."),
)
_RATINGS_PARAMETERS = (
    Param("target_set", "slug", "Target set slug, e.g. stretch-targets.", required=True),
    Param("period", "quarter", 'Financial-year quarter, e.g. "2009/10 Q3".', required=True),
    Param(
        "basis",
        "choice",
        "approved (approved returns only) or all; by default the Board sees approved returns, "
        "the Director and programme managers all of them.",
        choices=tuple(Basis.values),
    ),
)


def _named(model, slug: str, parameter: str, what: str):
    """The ``model`` of that slug, or 404 naming those that exist."""
    found = model.objects.filter(slug=slug).first()
    if found is None:
        raise UnknownName({parameter: [f'No {what} "{slug}"; the {what}s are: {_known(model)}.']})
    return found


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


class ReturnListCreate(StrictQueryMixin, generics.ListCreateAPIView):
    """The returns the caller may see; a programme manager opens their sub-region's return."""

    permission_classes = [ReturnsPermission]
    required_permission = VIEW_PERMISSION
    serializer_class = ReturnSerializer
    query_parameters = _RETURN_PARAMETERS
    not_found = "No target set or sub-region of that slug."

    def get_queryset(self):
        queryset = _visible_returns(self.request.user).order_by(
            "-year", "-quarter", "target_set__order", "sub_region__order"
        )
        query = getattr(self, "query", {})
        if "target_set" in query:
            queryset = queryset.filter(target_set__slug=query["target_set"])
        if "sub_region" in query:
            queryset = queryset.filter(sub_region__slug=query["sub_region"])
        if "period" in query:
            queryset = queryset.for_quarter(query["period"])
        return queryset

    @extend_schema(
        parameters=openapi_parameters(_RETURN_PARAMETERS),
        responses={200: ReturnSerializer(many=True)},
        summary="List the returns you may see",
    )
    def get(self, request, *args, **kwargs):
        if "target_set" in self.query:
            _named(TargetSet, self.query["target_set"], "target_set", "target set")
        if "sub_region" in self.query:
            _named(SubRegion, self.query["sub_region"], "sub_region", "sub-region")
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        # Each return's deadline and whether it is overdue, for the whole page in one query.
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {
            **self.get_serializer_context(),
            "due_facts": due_facts(page, today=timezone.localdate()),
        }
        data = self.get_serializer_class()(page, many=True, context=context).data
        return self.get_paginated_response(data)

    @extend_schema(
        request=ReturnOpenSerializer,
        responses={
            201: ReturnDetailSerializer,
            200: OpenApiResponse(ReturnDetailSerializer, description="It already existed."),
            403: error("Not the programme manager of this sub-region."),
            404: error("No sub-region or target set of that slug."),
        },
        summary="Open a sub-region's return for a quarter (programme managers)",
    )
    def post(self, request, *args, **kwargs):
        data = ReturnOpenSerializer(data=request.data)
        if not data.is_valid():
            return _bad_request(data.errors)
        values = data.validated_data
        sub_region = _named(SubRegion, values["sub_region"], "sub_region", "sub-region")
        target_set = _named(TargetSet, values["target_set"], "target_set", "target set")
        try:
            return_obj, created = services.open_return(
                sub_region=sub_region,
                target_set=target_set,
                quarter=values["period"],
                actor=request.user,
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        detail = _detail_queryset(request.user).get(pk=return_obj.pk)
        return Response(
            ReturnDetailSerializer(detail).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class ReturnDetail(generics.RetrieveAPIView):
    """One return with its lines and its sign-off trail (404 if you may not see it)."""

    permission_classes = [ReturnsPermission]
    required_permission = VIEW_PERMISSION
    serializer_class = ReturnDetailSerializer
    not_found = "No such return, or you may not see it."

    @extend_schema(parameters=[path_id()])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return _detail_queryset(self.request.user)


class ReturnLinesUpdate(APIView):
    """Change lines of a return, all or nothing, as its sub-region's programme manager."""

    permission_classes = [ReturnsPermission]
    required_permission = VIEW_PERMISSION

    @extend_schema(
        request=LinesPatchSerializer,
        parameters=[path_id()],
        responses={
            200: LinesUpdatedSerializer,
            400: LinesInvalidSerializer,
            403: error("Not the programme manager of this sub-region."),
            404: error("No such return, or you may not see it."),
            409: OpenApiResponse(
                ConflictSerializer,
                description='"stale": changed since your version (with the lines changed); '
                '"locked": submitted or approved; without a code: the database was busy, '
                "nothing was saved, try again.",
            ),
        },
        summary="Change lines of a return (programme managers)",
    )
    def patch(self, request, pk: int):
        return_obj = get_object_or_404(_visible_returns(request.user), pk=pk)
        body = LinesPatchSerializer(data=request.data)
        if not body.is_valid():
            return invalid_body(body.errors)
        version = body.validated_data["version"]
        try:
            # Refused before the lines are read: a stale or locked write hears it first.
            services.check_writable(return_obj=return_obj, actor=request.user, base_version=version)
            reader = LineReader(return_obj)
            changes, keys, line_errors = reader.read(body.validated_data["lines"])
            if line_errors:
                return lines_invalid(line_errors)
            result = services.update_lines(
                return_obj=return_obj,
                changes=changes,
                actor=request.user,
                channel=API_CHANNEL,
                base_version=version,
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        except (ReturnLocked, StaleReturn) as error:
            return _refused(error, return_obj.pk)
        except InvalidLines as error:
            return lines_invalid(reader.service_errors(error))

        lines = (
            ReturnLine.objects.filter(return_obj=return_obj)
            .select_related("authority", "target", "updated_by")
            .order_by("authority__name", "target__priority", "target__number")
        )
        wanted = set(keys)
        named = [line for line in lines if (line.authority_id, line.target_id) in wanted]
        current = Return.objects.get(pk=return_obj.pk)
        return Response(
            {
                "id": current.pk,
                "status": current.status,
                "version": current.version,
                "changed": len(result.changed),
                "unchanged": result.unchanged,
                "lines": ReturnLineSerializer(named, many=True).data,
            }
        )


class ReturnSubmit(APIView):
    """The programme manager submits a draft (or returned) return to the Director."""

    permission_classes = [ReturnsPermission]
    required_permission = VIEW_PERMISSION

    @extend_schema(
        request=SubmitSerializer,
        parameters=[path_id()],
        responses={
            200: ReturnDetailSerializer,
            403: error("Not the programme manager of this sub-region."),
            404: error("No such return, or you may not see it."),
            409: OpenApiResponse(
                ConflictSerializer,
                description="Not a draft or returned; without a code: the database was busy.",
            ),
        },
        summary="Submit a return for sign-off (programme managers)",
    )
    def post(self, request, pk: int):
        return_obj = get_object_or_404(_visible_returns(request.user), pk=pk)
        body = SubmitSerializer(data=request.data)
        if not body.is_valid():
            return _bad_request(body.errors)
        try:
            services.submit_return(
                return_obj=return_obj, actor=request.user, comment=body.validated_data["comment"]
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from error
        except StepRefused as error:
            return _refused(error, return_obj.pk)
        detail = _detail_queryset(request.user).get(pk=return_obj.pk)
        return Response(ReturnDetailSerializer(detail).data)


class RatingsView(StrictQueryMixin, APIView):
    """The overall rating of every target of a set for a quarter, for what you may see."""

    permission_classes = [HasRequiredPermission]
    required_permission = VIEW_PERMISSION
    query_parameters = _RATINGS_PARAMETERS
    not_found = "No target set of that slug."

    @extend_schema(
        parameters=openapi_parameters(_RATINGS_PARAMETERS),
        responses={200: RatingsSerializer},
        summary="Overall ratings per target, for the region and each sub-region you may see",
    )
    def get(self, request):
        target_set = _named(TargetSet, self.query["target_set"], "target_set", "target set")
        basis = self.query.get("basis") or default_basis(request.user)
        ratings = quarter_ratings(
            user=request.user, target_set=target_set, quarter=self.query["period"], basis=basis
        )
        return Response(RatingsSerializer(ratings_payload(ratings)).data)
