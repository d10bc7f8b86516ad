"""The dashboards as JSON: the same data as the pages, from the same builders (reports.dashboards).

Endpoints (under /api/v1/, wired in riep/api/urls.py, documented in /api/v1/openapi.json)
---------------------------------------------------------------------------------------
* ``GET dashboards/overview/?target_set=&period=&theme=&sub_region=&kind=&rating=``
* ``GET dashboards/sub-regions/<slug>/?target_set=&period=&theme=&kind=&rating=``
* ``GET dashboards/targets/<code>/?period=&sub_region=&kind=&rating=``
* ``GET dashboards/authorities/<slug>/?target_set=&theme=&rating=``
* ``GET dashboards/compare/?target_set=&period=&against=&theme=&sub_region=&kind=&rating=``

Parameters are those of the pages' filters (reports.filters): ``target_set`` a slug,
``period`` and ``against`` quarters written "2009/10 Q3", ``theme`` a theme's id, ``sub_region``
a slug, ``kind`` an authority kind, ``rating`` R, A, G, GREY or NA. Left out, the target set
is the one of the newest return you may see and the quarter its newest quarter. A theme of
another target set is dropped (the pages' rule); ``against`` equal to ``period`` compares the
quarter with itself (every movement "same": the request is well formed, and the document
cannot say "two different quarters").

Access is the pages': anonymous 401, signed in without a role 403; a programme manager sees
their own sub-region only, and another sub-region (or its authority) is 404, as is a target
set, sub-region, target or authority of no such slug. Malformed parameters are 400
``{"detail": ..., "errors": {parameter: [messages]}}`` (riep.api.parameters reads them).

Ratings are "R", "A", "G", "GREY", "NA", or null where the returns alone cannot rate a target.
Decimals are strings without trailing zeros, as in the rest of the API.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from authorities.models import Authority, AuthorityKind, SubRegion
from reports.dashboards import (
    NotVisible,
    authority_for_page,
    build_authority,
    build_comparison,
    build_overview,
    build_sub_region,
    build_target,
    target_for_page,
)
from reports.filters import (
    ALL_FIELDS,
    RATING_CHOICES,
    BadSelection,
    DashboardFilter,
    load_options,
)
from targets.models import Target

from .dashboard_serializers import (
    DashboardAuthorityPageSerializer,
    DashboardComparisonSerializer,
    DashboardOverviewSerializer,
    DashboardSubRegionPageSerializer,
    DashboardTargetPageSerializer,
)
from .parameters import (
    BadRequest,
    Param,
    StrictQueryMixin,
    UnknownName,
    openapi_parameters,
    path_slug,
)
from .permissions import HasRequiredPermission

VIEW_PERMISSION = "returns.view_return"


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


PARAMETERS = {
    "target_set": Param("target_set", "slug", "Target set slug, e.g. stretch-targets."),
    "period": Param("period", "quarter", 'Quarter, e.g. "2009/10 Q3" (default: the newest).'),
    "against": Param("against", "quarter", "The quarter compared with (default: the one before)."),
    "basis": Param(
        "basis",
        "choice",
        "approved: approved returns only (the Board's default); all: draft and submitted too.",
        choices=("approved", "all"),
    ),
    "theme": Param(
        "theme", "integer", "A theme's id: its targets only (another set's: ignored).", minimum=1
    ),
    "sub_region": Param("sub_region", "slug", "Sub-region slug: its figures only."),
    "kind": Param(
        "kind",
        "choice",
        "An authority kind: ratings recomputed over those authorities only.",
        choices=tuple(AuthorityKind.values),
    ),
    "rating": Param(
        "rating", "choice", "Keep what is so rated.", choices=tuple(c for c, _ in RATING_CHOICES)
    ),
}
#: The filters' parameters whose well-formed value may name nothing the caller may see.
_NAMING = {"target_set", "sub_region"}


class DashboardAPIView(StrictQueryMixin, APIView):
    permission_classes = [HasRequiredPermission]
    required_permission = VIEW_PERMISSION
    fields: tuple[str, ...] = ()
    not_found = "No target set or sub-region of that slug (or none you may see)."

    @property
    def query_parameters(self) -> tuple[Param, ...]:
        return tuple(PARAMETERS[name] for name in self.fields)

    def selection(self, request, target_set=None, data=None):
        filterset = DashboardFilter(
            request.query_params if data is None else data,
            options=load_options(request.user),
            fields=self.fields,
            request=request,
            target_set=target_set,
        )
        return filterset.selection()

    def handle_exception(self, exc):
        if isinstance(exc, BadSelection):
            # The parameters are well formed (read before): what the filters still refuse is
            # a target set or sub-region of no such slug, or none the caller may see (and a
            # theme, when the target set is unknown: a consequence, still a 404).
            exc = UnknownName(exc.errors) if set(exc.errors) & _NAMING else BadRequest(exc.errors)
        if isinstance(exc, NotVisible | Http404):
            exc = NotFound()
        return super().handle_exception(exc)


def _schema(fields, serializer, summary: str, description: str = "", path=()):
    return extend_schema(
        parameters=[*path, *openapi_parameters(PARAMETERS[name] for name in fields)],
        responses={200: serializer},
        summary=summary,
        description=description,
    )


class OverviewAPI(DashboardAPIView):
    """The regional overview: each target's rating per sub-region and for the region."""

    fields = ("target_set", "period", "basis", "theme", "sub_region", "kind", "rating")

    @_schema(fields, DashboardOverviewSerializer, "Regional overview of a target set for a quarter")
    def get(self, request):
        selection = self.selection(request)
        overview = build_overview(
            user=request.user,
            target_set=selection.target_set,
            quarter=selection.quarter,
            filters=selection.filters,
            basis=selection.basis,
        )
        return Response(
            DashboardOverviewSerializer(overview, context={"columns": overview.columns}).data
        )


class SubRegionAPI(DashboardAPIView):
    """One sub-region: each authority's line against each target, and the overall row."""

    fields = ("target_set", "period", "basis", "theme", "kind", "rating")

    @_schema(
        fields,
        DashboardSubRegionPageSerializer,
        "A sub-region's authorities × targets",
        path=[path_slug("slug", "Sub-region slug, e.g. derbyshire.")],
    )
    def get(self, request, slug: str):
        sub_region = SubRegion.objects.filter(slug=slug).first()
        if sub_region is None:
            raise NotFound(f'No sub-region "{slug}".')
        selection = self.selection(request)
        view = build_sub_region(
            user=request.user,
            sub_region=sub_region,
            target_set=selection.target_set,
            quarter=selection.quarter,
            filters=selection.filters,
            basis=selection.basis,
        )
        return Response(
            DashboardSubRegionPageSerializer(view, context={"targets": view.targets}).data
        )


class TargetAPI(DashboardAPIView):
    """One target: every authority's line, the distribution, the trend and the lineage."""

    fields = ("period", "basis", "sub_region", "kind", "rating")

    @_schema(
        fields,
        DashboardTargetPageSerializer,
        "A target across authorities and quarters",
        path=[path_slug("code", "The target's code, e.g. st-05.")],
    )
    def get(self, request, code: str):
        try:
            target = target_for_page(code, user=request.user)
        except Target.DoesNotExist as error:
            raise NotFound(f'No target "{code}".') from error
        selection = self.selection(request, target_set=target.target_set)
        view = build_target(
            user=request.user,
            target=target,
            quarter=selection.quarter,
            filters=selection.filters,
            basis=selection.basis,
        )
        return Response(DashboardTargetPageSerializer(view).data)


class AuthorityAPI(DashboardAPIView):
    """One authority: each target of a set, quarter by quarter."""

    fields = ("target_set", "period", "basis", "theme", "rating")

    @_schema(
        fields,
        DashboardAuthorityPageSerializer,
        "An authority's targets, quarter by quarter",
        path=[path_slug("slug", "Authority slug, e.g. amber-valley.")],
    )
    def get(self, request, slug: str):
        try:
            authority = authority_for_page(slug)
        except Authority.DoesNotExist as error:
            raise NotFound(f'No authority "{slug}".') from error
        selection = self.selection(request)
        view = build_authority(
            user=request.user,
            authority=authority,
            target_set=selection.target_set,
            filters=selection.filters,
            basis=selection.basis,
        )
        return Response(DashboardAuthorityPageSerializer(view).data)


class CompareAPI(DashboardAPIView):
    """Two quarters side by side, with each rating's movement (improved, same, worse)."""

    fields = ALL_FIELDS  # every filter: the comparison has them all

    @_schema(fields, DashboardComparisonSerializer, "Compare two quarters")
    def get(self, request):
        # The filters refuse two equal quarters (the page asks for two different ones); the
        # API compares the quarter with itself: read without `against`, then set it.
        data = request.query_params.copy()
        data.pop("against", None)
        selection = self.selection(request, data=data)
        if "against" in self.query:
            selection.against = self.query["against"]
        comparison = build_comparison(
            user=request.user,
            target_set=selection.target_set,
            quarter=selection.quarter,
            against=selection.against,
            filters=selection.filters,
            basis=selection.basis,
        )
        return Response(DashboardComparisonSerializer(comparison).data)
