"""Read-only JSON API over the reference data. Scoping and permissions as in the pages."""

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import generics

from authorities.models import Authority
from targets.models import Target, TargetSet

from .permissions import HasRequiredPermission
from .serializers import AuthoritySerializer, TargetSerializer, TargetSetSerializer


class AuthorityList(generics.ListAPIView):
    """Authorities of the region; filter with ?sub_region=<slug>&kind=<kind>."""

    permission_classes = [HasRequiredPermission]
    required_permission = "authorities.view_authority"
    serializer_class = AuthoritySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = {"sub_region__slug": ["exact"], "kind": ["exact"], "active": ["exact"]}
    queryset = Authority.objects.for_listing().order_by("sub_region__order", "name")


class TargetSetList(generics.ListAPIView):
    """The three target sets, side by side."""

    permission_classes = [HasRequiredPermission]
    required_permission = "targets.view_targetset"
    serializer_class = TargetSetSerializer
    queryset = TargetSet.objects.annotate(target_count=Count("targets"))
    pagination_class = None


class TargetList(generics.ListAPIView):
    """The targets of one set, in theme then priority order."""

    permission_classes = [HasRequiredPermission]
    required_permission = "targets.view_target"
    serializer_class = TargetSerializer
    pagination_class = None

    def get_queryset(self):
        target_set = get_object_or_404(TargetSet, slug=self.kwargs["slug"])
        return Target.objects.for_set_page().filter(target_set=target_set)
