"""Read-only JSON API over the reference data. Scoping and permissions as in the pages."""

from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound

from authorities.models import Authority, AuthorityKind
from authorities.scope import regions_of
from targets.models import Target, TargetSet

from .parameters import Param, StrictQueryMixin, openapi_parameters, path_slug
from .permissions import HasRequiredPermission
from .serializers import AuthoritySerializer, TargetSerializer, TargetSetSerializer

AUTHORITY_PARAMETERS = (
    Param("sub_region__slug", "slug", "Sub-region slug, e.g. derbyshire: its authorities."),
    Param("kind", "choice", "An authority kind.", choices=tuple(AuthorityKind.values)),
    Param("active", "boolean", "true: current authorities only; false: former ones only."),
)


class AuthorityList(StrictQueryMixin, generics.ListAPIView):
    """Authorities of the region; filter with ?sub_region__slug=<slug>&kind=<kind>&active=."""

    permission_classes = [HasRequiredPermission]
    required_permission = "authorities.view_authority"
    serializer_class = AuthoritySerializer
    query_parameters = AUTHORITY_PARAMETERS

    def get_queryset(self):
        queryset = (
            regions_of(self.request.user)
            .filter(Authority.objects.for_listing(), "sub_region__region_id")
            .order_by("sub_region__order", "name")
        )
        query = getattr(self, "query", {})
        if "sub_region__slug" in query:
            queryset = queryset.filter(sub_region__slug=query["sub_region__slug"])
        if "kind" in query:
            queryset = queryset.filter(kind=query["kind"])
        if "active" in query:
            queryset = queryset.filter(active=query["active"])
        return queryset

    @extend_schema(parameters=openapi_parameters(AUTHORITY_PARAMETERS))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class TargetSetList(generics.ListAPIView):
    """The three target sets, side by side."""

    permission_classes = [HasRequiredPermission]
    required_permission = "targets.view_targetset"
    serializer_class = TargetSetSerializer
    pagination_class = None

    def get_queryset(self):
        sets = regions_of(self.request.user).filter(TargetSet.objects.all())
        return sets.annotate(target_count=Count("targets"))


class TargetList(generics.ListAPIView):
    """The targets of one set, in theme then priority order."""

    permission_classes = [HasRequiredPermission]
    required_permission = "targets.view_target"
    serializer_class = TargetSerializer
    pagination_class = None
    not_found = "No target set of that slug."

    @extend_schema(parameters=[path_slug("slug", "Target set slug, e.g. stretch-targets.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        visible = regions_of(self.request.user).filter(TargetSet.objects.all())
        target_set = visible.filter(slug=self.kwargs["slug"]).first()
        if target_set is None:
            raise NotFound(f'No target set "{self.kwargs["slug"]}".')
        return Target.objects.for_set_page().filter(target_set=target_set)
