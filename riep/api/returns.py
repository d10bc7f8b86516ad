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
* ``GET  ratings/?target_set=<slug>&period=2009/10 Q3`` — the overall rating of every target,
  for the region and each sub-region, with the authorities' lines (``returns.overall``).

Who may do what (the same rules as the pages: every write goes through returns.services)
-------------------------------------------------------------------------------------
* Reading needs ``returns.view_return`` (every role): anonymous 401, signed in without a role
  403. A programme manager sees their own sub-region only: another sub-region's return is
  404 (for reading and for writing alike, so its existence is not disclosed), and the ratings
  cover their sub-region only (the "region" row then says it is over their sub-region).
* Writing needs the programme manager's role (``returns.change_returnline``) for the return's
  own sub-region: 403 otherwise (Board members, the Director, administrators; or ``POST
  returns/`` naming another sub-region).

Status codes of the writes (chosen)
-----------------------------------
* 400 — the query or the body is not valid: ``{"detail": all the messages, "errors":
  {parameter or field: [messages]}}``. ``PATCH lines`` answers ``{"detail": ..., "lines":
  [{"index": i, "authority": ..., "target": ..., "errors": {field: [message, ...]}}],
  "errors": {...}}``: one entry per line at fault (as sent), and nothing is saved.
* 409 ``{"code": "stale", "detail", "status", "version", "changed": [lines]}`` — the return
  changed since ``version`` (someone else saved meanwhile); ``changed`` are the lines they
  changed, ``version`` the one to send once the caller has reviewed them. Checked before the
  lines are read, so a stale client hears it first.
* 409 ``{"code": "locked", "detail", "status"}`` — the return is submitted or approved: it
  cannot change until the Director returns or reopens it. 409 rather than WebDAV's 423: the
  request conflicts with the state of the resource, which is what 409 says in plain HTTP.
* 409 ``{"code": "invalid_transition", ...}`` — e.g. submitting a return already submitted.

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
("Amber Valley BC"), and its target by number ("5") or code. Only the fields given change. A
non-null ``actual`` without ``state`` sets the state to "value"; a null ``actual`` without
``state`` on a line that had a value sets it to "awaiting"; a ``state`` other than "value"
without ``actual`` clears the value. ``null`` clears ``manual_rating``, ``manual_reason``,
``comment``, ``source`` and ``date_of_data``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.views import APIView

from authorities.models import SubRegion
from authorities.resolve import AuthorityResolver
from returns import permissions as return_permissions
from returns import services
from returns.models import (
    ComparisonStatus,
    LineState,
    Rating,
    Return,
    ReturnLine,
    ReturnStatus,
    Transition,
)
from returns.overall import SetOverview, overall_ratings
from returns.periods import Quarter
from returns.values import parse_value
from targets.models import Target, TargetSet, level_labels

from .permissions import HasRequiredPermission

API_CHANNEL = "api"
VIEW_PERMISSION = "returns.view_return"
EDIT_PERMISSION = "returns.change_returnline"

RATING_CHOICES = [rating.value for rating in Rating]
STATUS_CHOICES = [choice.value for choice in ComparisonStatus]


# ---------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as the API writes it: a plain string without trailing zeros, or None."""
    if value is None:
        return None
    normalised = value.normalize()
    return "0" if normalised == 0 else f"{normalised:f}"


@extend_schema_field(
    {
        "type": "string",
        "format": "decimal",
        "nullable": True,
        "description": 'A decimal as a string without trailing zeros, e.g. "503" or "92.79".',
        "example": "92.79",
    }
)
class DecimalText(serializers.Field):
    """Output only: a Decimal as a plain string ("503", "92.79"), null for None."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return decimal_text(value)


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
        "nullable": True,
        "description": (
            "A value as the papers write it, read by the target's measure: "
            '"92.79", "92.79%", "£41,661k", "Performing well (3)", 3, "yes". '
            "Strings are exact; null clears the value."
        ),
    }
)
class LooseValue(serializers.Field):
    """Input only: a string, a number or a boolean, kept as text for ``parse_value``."""

    default_error_messages = {"invalid": "Give the value as a string or a number."}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return "yes" if data else "no"
        if isinstance(data, int | float | Decimal):
            return str(data)
        if isinstance(data, str):
            return data
        self.fail("invalid")
        return None  # pragma: no cover - fail() raises


@extend_schema_field(
    {"oneOf": [{"type": "string"}, {"type": "integer"}], "description": 'e.g. "5" or a code.'}
)
class TargetRef(serializers.Field):
    """Input only: a target's number (string or integer) or its code."""

    default_error_messages = {"invalid": "Name the target by its number or its code."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str) or not str(data).strip():
            self.fail("invalid")
        return str(data).strip()


class RatingField(serializers.ChoiceField):
    """R, A, G, GREY or NA (the schema's component "Rating")."""

    def __init__(self, **kwargs):
        super().__init__(choices=RATING_CHOICES, **kwargs)


class ComparisonStatusField(serializers.ChoiceField):
    """worse, within or better (the schema's component "ComparisonStatus")."""

    def __init__(self, **kwargs):
        super().__init__(choices=STATUS_CHOICES, **kwargs)


class ReturnStatusField(serializers.ChoiceField):
    """draft, submitted, approved or returned (the schema's component "ReturnStatus")."""

    def __init__(self, **kwargs):
        super().__init__(choices=ReturnStatus.values, **kwargs)


class LineStateField(serializers.ChoiceField):
    """value, awaiting, not_applicable or no_return (the schema's component "LineState")."""

    def __init__(self, **kwargs):
        super().__init__(choices=LineState.values, **kwargs)


def _enum_component(field_class, name: str, values: list[str], description: str):
    """Document a choice field as one named enum component, referred to wherever it is used.

    The same choice sets recur under many field names (rating, computed, manual, effective...):
    as named components, drf-spectacular neither invents a name per field nor warns about it.
    """

    class Extension(OpenApiSerializerFieldExtension):
        target_class = field_class

        def get_name(self) -> str:
            return name

        def map_serializer_field(self, auto_schema, direction):
            return {"type": "string", "enum": list(values), "description": description}

    Extension.__name__ = Extension.__qualname__ = f"{name}FieldExtension"
    return Extension


_enum_component(
    RatingField,
    "Rating",
    RATING_CHOICES,
    "A RAG rating: R, A, G, GREY (awaiting data) or NA (the target does not apply).",
)
_enum_component(
    ComparisonStatusField,
    "ComparisonStatus",
    STATUS_CHOICES,
    "Where a value stands against its target and tolerance: worse, within or better.",
)
_enum_component(
    ReturnStatusField, "ReturnStatus", ReturnStatus.values, "The sign-off status of a return."
)
_enum_component(
    LineStateField,
    "LineState",
    LineState.values,
    "What a line holds: a value, awaiting data, not applicable, or no return.",
)


# ---------------------------------------------------------------------------------------------
# Serializers of returns
# ---------------------------------------------------------------------------------------------


class ReturnLineSerializer(serializers.ModelSerializer):
    authority = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    authority_name = serializers.CharField(source="authority.name", read_only=True)
    target = serializers.CharField(source="target.number", read_only=True)
    target_code = serializers.CharField(source="target.code", read_only=True)
    actual = DecimalText()
    target_value = DecimalText()
    state = LineStateField(read_only=True)
    manual_rating = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    computed_rating = RatingField(read_only=True)
    effective_rating = RatingField(read_only=True)
    updated_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of who last changed the line.",
    )

    class Meta:
        model = ReturnLine
        fields = [
            "id",
            "authority",
            "authority_name",
            "target",
            "target_code",
            "state",
            "actual",
            "target_value",
            "date_of_data",
            "status",
            "computed_rating",
            "manual_rating",
            "manual_reason",
            "effective_rating",
            "explanation",
            "comment",
            "source",
            "changed_in_version",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields

    @extend_schema_field(RatingField(allow_null=True))
    def get_manual_rating(self, line: ReturnLine) -> str | None:
        return line.manual_rating or None

    @extend_schema_field(ComparisonStatusField(allow_null=True))
    def get_status(self, line: ReturnLine) -> str | None:
        return line.status or None


class TransitionSerializer(serializers.ModelSerializer):
    from_status = ReturnStatusField(read_only=True)
    to_status = ReturnStatusField(read_only=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Transition
        fields = ["from_status", "to_status", "actor", "at", "comment"]
        read_only_fields = fields


class ReturnSerializer(serializers.ModelSerializer):
    sub_region = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sub_region_name = serializers.CharField(source="sub_region.name", read_only=True)
    target_set = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    period = serializers.SerializerMethodField()
    status = ReturnStatusField(read_only=True)

    class Meta:
        model = Return
        fields = [
            "id",
            "sub_region",
            "sub_region_name",
            "target_set",
            "period",
            "status",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text='e.g. "2009/10 Q3"'))
    def get_period(self, return_obj: Return) -> str:
        return return_obj.period.label


class ReturnDetailSerializer(ReturnSerializer):
    lines = ReturnLineSerializer(many=True, read_only=True)
    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta(ReturnSerializer.Meta):
        fields = [*ReturnSerializer.Meta.fields, "lines", "transitions"]
        read_only_fields = fields


class ReturnOpenSerializer(serializers.Serializer):
    """Open (or find) a sub-region's return for a target set and quarter."""

    sub_region = serializers.SlugRelatedField(
        slug_field="slug", queryset=SubRegion.objects.all(), help_text="e.g. derbyshire"
    )
    target_set = serializers.SlugRelatedField(
        slug_field="slug", queryset=TargetSet.objects.all(), help_text="e.g. stretch-targets"
    )
    period = serializers.CharField(help_text='A financial-year quarter, e.g. "2009/10 Q3".')

    def validate_period(self, value: str) -> Quarter:
        try:
            return Quarter.parse(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error


class LineChangeSerializer(serializers.Serializer):
    """One line to change; only the fields given change (see the module's docstring)."""

    authority = serializers.CharField(help_text='Slug or name: "amber-valley", "Amber Valley BC"')
    target = TargetRef()
    actual = LooseValue()
    target_value = LooseValue()
    date_of_data = serializers.DateField(required=False, allow_null=True)
    state = LineStateField(required=False)
    manual_rating = RatingField(required=False, allow_null=True, allow_blank=True)
    manual_reason = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    comment = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    source = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=300
    )


class LinesPatchSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The return's version the changes are based on (from GET)."
    )
    lines = LineChangeSerializer(many=True, allow_empty=False)


class SubmitSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class LinesUpdatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = ReturnStatusField()
    version = serializers.IntegerField()
    changed = serializers.IntegerField(help_text="How many lines changed.")
    unchanged = serializers.IntegerField(help_text="Lines sent that already held these values.")
    lines = ReturnLineSerializer(many=True, help_text="The lines named, as they now are.")


class LineErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the line in the request.")
    authority = serializers.CharField()
    target = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class LinesInvalidSerializer(serializers.Serializer):
    detail = serializers.CharField()
    lines = LineErrorSerializer(many=True)
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Errors not tied to one line (e.g. the version).",
    )


class ConflictSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["stale", "locked", "invalid_transition"])
    detail = serializers.CharField()
    status = ReturnStatusField(required=False)
    version = serializers.IntegerField(required=False, help_text="The return's current version.")
    changed = ReturnLineSerializer(
        many=True, required=False, help_text="Stale: the lines changed since your version."
    )


# ---------------------------------------------------------------------------------------------
# Serializers of ratings (output only; the payload is built from returns.overall)
# ---------------------------------------------------------------------------------------------


class AuthorityRatingSerializer(serializers.Serializer):
    authority = serializers.CharField(help_text="The authority's name.")
    actual = DecimalText()
    target_value = DecimalText()
    status = ComparisonStatusField(allow_null=True)
    computed = RatingField()
    manual = RatingField(allow_null=True)
    effective = RatingField()


class OverallSerializer(serializers.Serializer):
    rating = RatingField(
        allow_null=True,
        help_text="null when the returns alone cannot rate the target (comparison, undecided).",
    )
    explanation = serializers.CharField()


class SubRegionRatingSerializer(serializers.Serializer):
    sub_region = serializers.CharField(help_text="The sub-region's name.")
    rating = RatingField(allow_null=True)
    explanation = serializers.CharField()
    authorities = AuthorityRatingSerializer(many=True)


class TargetRatingSerializer(serializers.Serializer):
    number = serializers.CharField()
    code = serializers.CharField()
    indicator = serializers.CharField(allow_null=True, help_text='e.g. "NI 179"; null if none.')
    region = OverallSerializer()
    sub_regions = SubRegionRatingSerializer(many=True)


class RatingsSerializer(serializers.Serializer):
    target_set = serializers.CharField(help_text="The target set's slug.")
    period = serializers.CharField(help_text='e.g. "2009/10 Q3"')
    targets = TargetRatingSerializer(many=True)


def ratings_payload(overview: SetOverview) -> dict[str, Any]:
    """The ratings document of one overview (see RatingsSerializer for its shape)."""
    names = {ref.slug: ref.name for ref in overview.sub_regions}

    def rating(value) -> str | None:
        return None if value is None else str(value)

    targets = []
    for item in overview.targets:
        sub_regions = []
        for slug, overall in item.sub_regions.items():
            sub_regions.append(
                {
                    "sub_region": names[slug],
                    "rating": rating(overall.rating),
                    "explanation": overall.explanation,
                    "authorities": [
                        {
                            "authority": row.authority_name,
                            "actual": row.actual,
                            "target_value": row.target_value,
                            "status": rating(row.status),
                            "computed": rating(row.computed),
                            "manual": rating(row.manual),
                            "effective": rating(row.effective),
                        }
                        for row in item.lines_by_sub_region[slug]
                    ],
                }
            )
        targets.append(
            {
                "number": item.target.number,
                "code": item.target.code,
                "indicator": item.target.indicator or None,
                "region": {
                    "rating": rating(item.region.rating),
                    "explanation": item.region.explanation,
                },
                "sub_regions": sub_regions,
            }
        )
    return {
        "target_set": overview.target_set.slug,
        "period": overview.quarter.label,
        "targets": targets,
    }


# ---------------------------------------------------------------------------------------------
# Permissions and helpers
# ---------------------------------------------------------------------------------------------


class ReturnsPermission(HasRequiredPermission):
    """Reading needs returns.view_return; writing also the programme manager's permission.

    Whether the programme manager keeps the return's sub-region is checked on the return itself
    (returns.permissions.can_edit_sub_region), by the views and again by returns.services.
    """

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        if request.method in SAFE_METHODS:
            return True
        return request.user.has_perm(EDIT_PERMISSION)


def _period_param(errors: dict[str, list[str]], value: str | None) -> Quarter | None:
    if value is None:
        return None
    try:
        return Quarter.parse(value)
    except ValueError as error:
        errors.setdefault("period", []).append(str(error))
        return None


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


def _require_edit(user, return_obj: Return) -> None:
    if not return_permissions.can_edit_sub_region(user, return_obj.sub_region_id):
        raise PermissionDenied("Only the programme manager of this sub-region may change it.")


def _locked(return_obj: Return, detail: str | None = None) -> Response:
    return Response(
        {
            "code": "locked",
            "detail": detail
            or (
                f"The return is {return_obj.get_status_display().lower()}: it cannot change "
                "until the Director returns it for changes or reopens it."
            ),
            "status": return_obj.status,
        },
        status=status.HTTP_409_CONFLICT,
    )


def _stale(return_id: int, *, base_version: int, detail: str | None = None) -> Response:
    """409 naming the lines changed since ``base_version`` (as returns.services does)."""
    current = Return.objects.get(pk=return_id)
    changed = list(
        current.lines.filter(changed_in_version__gt=base_version)
        .select_related("authority", "target", "updated_by")
        .order_by("authority__name", "target__priority")
    )
    if detail is None:
        count = len(changed)
        detail = (
            f"Someone else changed this return since version {base_version} (it is now at "
            f"version {current.version}; {count} line{'s' if count != 1 else ''} changed). "
            "Nothing of yours was saved: review their changes and send yours again."
        )
    return Response(
        {
            "code": "stale",
            "detail": detail,
            "status": current.status,
            "version": current.version,
            "changed": ReturnLineSerializer(changed, many=True).data,
        },
        status=status.HTTP_409_CONFLICT,
    )


_RETURN_PARAMETERS = [
    OpenApiParameter("target_set", str, description="Target set slug, e.g. stretch-targets."),
    OpenApiParameter("period", str, description='Financial-year quarter, e.g. "2009/10 Q3".'),
    OpenApiParameter("sub_region", str, description="Sub-region slug, e.g. derbyshire."),
]
_ERRORS = inline_serializer(
    "ErrorResponse",
    fields={
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


class ReturnListCreate(generics.ListCreateAPIView):
    """The returns the caller may see; a programme manager opens their sub-region's return."""

    permission_classes = [ReturnsPermission]
    required_permission = VIEW_PERMISSION
    serializer_class = ReturnSerializer

    def get_queryset(self):
        queryset = _visible_returns(self.request.user).order_by(
            "-year", "-quarter", "target_set__order", "sub_region__order"
        )
        filters = getattr(self, "filters", {})
        if "target_set" in filters:
            queryset = queryset.filter(target_set__slug=filters["target_set"])
        if "sub_region" in filters:
            queryset = queryset.filter(sub_region__slug=filters["sub_region"])
        if "period" in filters:
            queryset = queryset.for_quarter(filters["period"])
        return queryset

    def read_filters(self, params) -> dict[str, list[str]]:
        """Check the query's filters into ``self.filters``; the errors, by parameter."""
        errors: dict[str, list[str]] = {}
        self.filters: dict[str, Any] = {}
        if (slug := params.get("target_set")) is not None:
            if not TargetSet.objects.filter(slug=slug).exists():
                errors["target_set"] = [
                    f'No target set "{slug}"; the target sets are: {_known(TargetSet)}.'
                ]
            self.filters["target_set"] = slug
        if (slug := params.get("sub_region")) is not None:
            if not SubRegion.objects.filter(slug=slug).exists():
                errors["sub_region"] = [
                    f'No sub-region "{slug}"; the sub-regions are: {_known(SubRegion)}.'
                ]
            self.filters["sub_region"] = slug
        quarter = _period_param(errors, params.get("period"))
        if quarter is not None:
            self.filters["period"] = quarter
        return errors

    @extend_schema(
        parameters=_RETURN_PARAMETERS,
        responses={200: ReturnSerializer(many=True), 400: _ERRORS},
        summary="List the returns you may see",
    )
    def get(self, request, *args, **kwargs):
        errors = self.read_filters(request.query_params)
        if errors:
            return _bad_request(errors)
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=ReturnOpenSerializer,
        responses={
            201: ReturnDetailSerializer,
            200: OpenApiResponse(ReturnDetailSerializer, description="It already existed."),
            400: _ERRORS,
            403: OpenApiResponse(description="Not the programme manager of this sub-region."),
        },
        summary="Open a sub-region's return for a quarter (programme managers)",
    )
    def post(self, request, *args, **kwargs):
        data = ReturnOpenSerializer(data=request.data)
        if not data.is_valid():
            return _bad_request(data.errors)
        sub_region = data.validated_data["sub_region"]
        if not return_permissions.can_edit_sub_region(request.user, sub_region.pk):
            raise PermissionDenied("You may only open the returns of your own sub-region.")
        return_obj, created = services.open_return(
            sub_region=sub_region,
            target_set=data.validated_data["target_set"],
            quarter=data.validated_data["period"],
            actor=request.user,
        )
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

    def get_queryset(self):
        return _detail_queryset(self.request.user)


class ReturnLinesUpdate(APIView):
    """Change lines of a return, all or nothing, as its sub-region's programme manager."""

    permission_classes = [ReturnsPermission]
    required_permission = VIEW_PERMISSION

    @extend_schema(
        request=LinesPatchSerializer,
        responses={
            200: LinesUpdatedSerializer,
            400: LinesInvalidSerializer,
            403: OpenApiResponse(description="Not the programme manager of this sub-region."),
            404: OpenApiResponse(description="No such return, or you may not see it."),
            409: OpenApiResponse(
                ConflictSerializer,
                description='"stale": changed since your version (with the lines changed); '
                '"locked": submitted or approved.',
            ),
        },
        summary="Change lines of a return (programme managers)",
    )
    def patch(self, request, pk: int):
        return_obj = get_object_or_404(_visible_returns(request.user), pk=pk)
        _require_edit(request.user, return_obj)
        body = LinesPatchSerializer(data=request.data)
        if not body.is_valid():
            return _invalid_body(body.errors)
        version = body.validated_data["version"]
        if not return_obj.is_editable:
            return _locked(return_obj)
        if return_obj.version != version:
            return _stale(return_obj.pk, base_version=version)

        reader = _LineReader(return_obj)
        changes, keys, line_errors = reader.read(body.validated_data["lines"])
        if line_errors:
            return _lines_invalid(line_errors)
        try:
            result = services.update_lines(
                return_obj=return_obj,
                changes=changes,
                actor=request.user,
                channel=API_CHANNEL,
                base_version=version,
            )
        except services.ReturnLocked as error:
            return _locked(Return.objects.get(pk=return_obj.pk), error.messages[0])
        except services.StaleReturn as error:
            return _stale(return_obj.pk, base_version=version, detail=error.messages[0])
        except DjangoValidationError as error:
            return _lines_invalid(reader.service_errors(error))

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
        responses={
            200: ReturnDetailSerializer,
            403: OpenApiResponse(description="Not the programme manager of this sub-region."),
            404: OpenApiResponse(description="No such return, or you may not see it."),
            409: OpenApiResponse(ConflictSerializer, description="Not a draft or returned."),
        },
        summary="Submit a return for sign-off (programme managers)",
    )
    def post(self, request, pk: int):
        return_obj = get_object_or_404(_visible_returns(request.user), pk=pk)
        if not return_permissions.can_submit(request.user, return_obj):
            raise PermissionDenied("Only the programme manager of this sub-region submits it.")
        body = SubmitSerializer(data=request.data)
        if not body.is_valid():
            return _bad_request(body.errors)
        try:
            services.submit_return(
                return_obj=return_obj, actor=request.user, comment=body.validated_data["comment"]
            )
        except DjangoValidationError as error:
            return Response(
                {
                    "code": "invalid_transition",
                    "detail": " ".join(error.messages),
                    "status": Return.objects.get(pk=return_obj.pk).status,
                },
                status=status.HTTP_409_CONFLICT,
            )
        detail = _detail_queryset(request.user).get(pk=return_obj.pk)
        return Response(ReturnDetailSerializer(detail).data)


class RatingsView(APIView):
    """The overall rating of every target of a set for a quarter, for what you may see."""

    permission_classes = [HasRequiredPermission]
    required_permission = VIEW_PERMISSION

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "target_set", str, required=True, description="Target set slug (stretch-targets)."
            ),
            OpenApiParameter(
                "period", str, required=True, description='Quarter, e.g. "2009/10 Q3".'
            ),
        ],
        responses={200: RatingsSerializer, 400: _ERRORS},
        summary="Overall ratings per target, for the region and each sub-region you may see",
    )
    def get(self, request):
        params = request.query_params
        errors: dict[str, list[str]] = {}
        target_set = None
        slug = params.get("target_set")
        if not slug:
            errors["target_set"] = [
                f"Give the target set: ?target_set=<slug>, one of {_known(TargetSet)}."
            ]
        else:
            target_set = TargetSet.objects.filter(slug=slug).first()
            if target_set is None:
                errors["target_set"] = [
                    f'No target set "{slug}"; the target sets are: {_known(TargetSet)}.'
                ]
        quarter = None
        if not params.get("period"):
            errors["period"] = ['Give the quarter: ?period=2009/10 Q3 (written "2009/10 Q3").']
        else:
            quarter = _period_param(errors, params["period"])
        if errors or target_set is None or quarter is None:
            return _bad_request(errors)
        overview = overall_ratings(user=request.user, target_set=target_set, quarter=quarter)
        return Response(RatingsSerializer(ratings_payload(overview)).data)


# ---------------------------------------------------------------------------------------------
# Reading the lines of a PATCH
# ---------------------------------------------------------------------------------------------

_CLEARABLE_TEXT = ("manual_reason", "comment", "source")


def _invalid_body(errors) -> Response:
    line_errors = []
    other = {}
    for name, messages in errors.items():
        if name == "lines" and isinstance(messages, list):
            for index, item in enumerate(messages):
                if item:
                    line_errors.append(
                        {"index": index, "authority": "", "target": "", "errors": item}
                    )
            if not line_errors:
                other[name] = messages
        else:
            other[name] = messages
    return Response(
        {
            "detail": "The request is not valid; nothing was saved.",
            "lines": line_errors,
            "errors": other,
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


def _lines_invalid(line_errors: list[dict], other: dict | None = None) -> Response:
    return Response(
        {
            "detail": "Some lines are not valid; nothing was saved.",
            "lines": line_errors,
            "errors": other or {},
        },
        status=status.HTTP_400_BAD_REQUEST,
    )


class _LineReader:
    """Resolves the authorities and targets a PATCH names and reads its values by measure."""

    def __init__(self, return_obj: Return) -> None:
        self.return_obj = return_obj
        self.resolver = AuthorityResolver()
        targets = (
            Target.objects.filter(target_set=return_obj.target_set_id)
            .select_related("measure")
            .prefetch_related("measure__levels")
        )
        self.targets_by_number: dict[str, Target] = {}
        self.targets_by_code: dict[str, Target] = {}
        for target in targets:
            self.targets_by_number[target.number] = target
            self.targets_by_code[target.code.casefold()] = target
        self.lines = {
            (row["authority_id"], row["target_id"]): row
            for row in return_obj.lines.values("authority_id", "target_id", "state", "actual")
        }
        self.index_of_prefix: dict[str, tuple[int, str, str]] = {}

    def read(self, items: list[dict]):
        changes: dict[tuple[int, int], dict[str, Any]] = {}
        keys: list[tuple[int, int]] = []
        errors: list[dict] = []
        for index, item in enumerate(items):
            problems: dict[str, list[str]] = {}
            authority = self._authority(item["authority"], problems)
            target = self._target(item["target"], problems)
            key = None
            if authority is not None and target is not None:
                key = (authority.pk, target.pk)
                if key not in self.lines:
                    problems.setdefault("target", []).append(
                        f"This return has no line for {authority.name} against target "
                        f"{target.number}: the target does not apply to it."
                    )
                elif key in changes:
                    problems.setdefault("target", []).append(
                        f"{authority.name} against target {target.number} is named twice."
                    )
            values = self._values(item, target, key, problems)
            if problems:
                errors.append(
                    {
                        "index": index,
                        "authority": str(item["authority"]),
                        "target": str(item["target"]),
                        "errors": problems,
                    }
                )
                continue
            if key is None or authority is None or target is None:  # pragma: no cover
                continue  # a problem was recorded above
            changes[key] = values
            keys.append(key)
            self.index_of_prefix[f"{authority.short_name} / {target.number} / "] = (
                index,
                str(item["authority"]),
                str(item["target"]),
            )
        return changes, keys, errors

    def service_errors(self, error: DjangoValidationError) -> list[dict]:
        """Map returns.services' "<authority> / <number> / <field>" errors back to lines."""
        by_index: dict[int, dict] = {}
        for name, messages in error.message_dict.items():
            for prefix, (index, authority, target) in self.index_of_prefix.items():
                if name.startswith(prefix):
                    entry = by_index.setdefault(
                        index,
                        {"index": index, "authority": authority, "target": target, "errors": {}},
                    )
                    entry["errors"].setdefault(name[len(prefix) :], []).extend(messages)
                    break
            else:
                entry = by_index.setdefault(
                    -1, {"index": -1, "authority": "", "target": "", "errors": {}}
                )
                entry["errors"].setdefault(name, []).extend(messages)
        return [by_index[index] for index in sorted(by_index)]

    def _authority(self, name: str, problems: dict[str, list[str]]):
        sub_region = self.return_obj.sub_region
        found = self.resolver.candidates(name, sub_region=sub_region)
        if not found:
            problems.setdefault("authority", []).append(f'No authority is called "{name}".')
            return None
        if len(found) > 1:
            names = "; ".join(authority.name for authority in found)
            problems.setdefault("authority", []).append(
                f'"{name}" could mean several authorities ({names}): use the slug.'
            )
            return None
        authority = found[0]
        if authority.sub_region_id != sub_region.pk:
            problems.setdefault("authority", []).append(
                f"{authority.name} is not in {sub_region.name}: this return is {sub_region.name}'s."
            )
            return None
        return authority

    def _target(self, ref: str, problems: dict[str, list[str]]):
        target = self.targets_by_number.get(ref) or self.targets_by_code.get(ref.casefold())
        if target is None:
            problems.setdefault("target", []).append(
                f'No target "{ref}" in {self.return_obj.target_set.title}: give its number '
                f"({', '.join(self.targets_by_number)}) or its code."
            )
        return target

    def _values(self, item, target, key, problems: dict[str, list[str]]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in ("actual", "target_value"):
            if name not in item:
                continue
            if item[name] is None:
                values[name] = None
                continue
            if target is None:
                continue
            try:
                values[name] = parse_value(
                    item[name],
                    measure_kind=target.measure.kind,
                    levels=level_labels(target.measure),
                )
            except ValueError as error:
                problems.setdefault(name, []).append(str(error))
        if "date_of_data" in item:
            values["date_of_data"] = item["date_of_data"]
        if "manual_rating" in item:
            values["manual_rating"] = item["manual_rating"] or ""
        for name in _CLEARABLE_TEXT:
            if name in item:
                values[name] = item[name] or ""
        current = self.lines.get(key) if key is not None else None
        if "state" in item:
            values["state"] = item["state"]
            if item["state"] != LineState.VALUE and "actual" not in item:
                values["actual"] = None
        elif "actual" in values:
            if values["actual"] is not None:
                values["state"] = LineState.VALUE.value
            elif current is not None and current["state"] == LineState.VALUE:
                values["state"] = LineState.AWAITING.value
        return values
