"""Admin for the projects (targets.projects): reference data kept by administrators, with the
history of every change (django-simple-history: who, when, old and new values)."""

from django.contrib import admin
from django.db.models import Q
from simple_history.admin import SimpleHistoryAdmin

from authorities.admin import RegionScopedAdmin, RegionScopedChoices
from authorities.models import Region
from authorities.scope import regions_of

from .projects import Project, ProjectAuthority, ProjectTarget


class ProjectAuthorityInline(RegionScopedChoices, admin.TabularInline):
    model = ProjectAuthority
    extra = 0
    autocomplete_fields = ["authority"]
    fields = ["authority", "role", "source"]


class ProjectTargetInline(RegionScopedChoices, admin.TabularInline):
    model = ProjectTarget
    extra = 0
    autocomplete_fields = ["target"]
    fields = ["target", "words", "source"]


@admin.register(Project)
class ProjectAdmin(RegionScopedAdmin, SimpleHistoryAdmin):
    # A regional project (no sub-region) is its targets' region's.
    def get_queryset(self, request):
        queryset = super().get_queryset(request)  # region_field None: not narrowed there
        regions = regions_of(request.user)
        if regions.everything:
            return queryset
        return queryset.filter(
            regions.condition("sub_region__region_id")
            | Q(
                sub_region__isnull=True,
                target_links__target__target_set__region__in=Region.objects.filter(
                    regions.condition("pk")
                ),
            )
        ).distinct()

    list_display = ["title", "kind", "sub_region", "status", "amount_bid", "amount_approved"]
    list_filter = ["kind", "status", "sub_region"]
    search_fields = ["title", "slug", "description", "source"]
    list_select_related = ["sub_region"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ProjectAuthorityInline, ProjectTargetInline]
