"""Admin for the region, its sub-regions, LAA areas, authorities, aliases and memberships.

Every admin of a kept model shows its history (``HistoryAdmin``): each change field by field,
old → new, who and when.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Authority,
    AuthorityAlias,
    LAAArea,
    Membership,
    Region,
    RegionMembership,
    SubRegion,
)
from .scope import regions_of

#: How each region-bound model reaches its region: the choices of a foreign key to one of them
#: are the user's region's (authorities.scope).
REGION_OF = {
    Region: "pk",
    SubRegion: "region_id",
    LAAArea: "sub_region__region_id",
    Authority: "sub_region__region_id",
}


class RegionScopedChoices:
    """A foreign key to a region-bound model (``REGION_OF``) offers the user's region's rows
    only; for admins and their inlines alike."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        lookup = REGION_OF.get(db_field.related_model)
        if lookup is not None and "queryset" not in kwargs:
            related = db_field.related_model._default_manager.all()
            kwargs["queryset"] = regions_of(request.user).filter(related, lookup)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class RegionScopedAdmin(RegionScopedChoices):
    """An admin that lists, opens and offers only the user's region's rows (the one rule's
    region half, authorities.scope): ``region_field`` is the lookup from the model to its
    region (None: shared by every region, e.g. a measure). A national user, a superuser
    among them, sees every region. Its history pages (django-simple-history) too: another
    region's object's history is a 404."""

    region_field: str | None = None

    def _visible_or_404(self, request, object_id) -> None:
        try:
            found = self.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, ValidationError):
            found = False
        if not found:
            raise Http404("No such object in your region.")

    def history_view(self, request, object_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._visible_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if self.region_field is None:
            return queryset
        return regions_of(request.user).filter(queryset, self.region_field)

    def get_list_filter(self, request):
        """A filter by a region-bound model lists the values of the rows shown only (the
        plain filter would list every region's sub-regions, regions, sets...)."""
        shown = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and "__" not in entry:
                related = getattr(self.model._meta.get_field(entry), "related_model", None)
                if related in REGION_OF:
                    entry = (entry, admin.RelatedOnlyFieldListFilter)
            shown.append(entry)
        return shown


class HistoryAdmin(RegionScopedAdmin, SimpleHistoryAdmin):
    """The object's "History" page: every change, field by field (old → new), who, when and
    why (django-simple-history). Read-only: nothing is reverted from the history. Its revert
    form would save the old record whole, the fields read-only here (a target's rule, a
    user's roles and superuser status) included, and it only asks for view permission."""

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied("The history is read-only.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class AuthorityAliasInline(RegionScopedChoices, admin.TabularInline):
    model = AuthorityAlias
    extra = 0
    fields = ["alias", "sub_region"]


@admin.register(Region)
class RegionAdmin(HistoryAdmin):
    region_field = "pk"
    list_display = ["name", "slug"]
    search_fields = ["name"]


@admin.register(SubRegion)
class SubRegionAdmin(HistoryAdmin):
    region_field = "region_id"
    list_display = ["name", "region", "order"]
    list_filter = ["region"]
    search_fields = ["name"]


@admin.register(LAAArea)
class LAAAreaAdmin(HistoryAdmin):
    region_field = "sub_region__region_id"
    list_display = ["name", "sub_region", "lead_authority"]
    list_filter = ["sub_region"]
    search_fields = ["name"]
    autocomplete_fields = ["lead_authority"]


@admin.register(Authority)
class AuthorityAdmin(HistoryAdmin):
    region_field = "sub_region__region_id"
    list_display = ["name", "short_name", "kind", "sub_region", "laa_area", "gss_code", "active"]
    list_filter = ["sub_region", "kind", "laa_area", "active"]
    search_fields = ["name", "short_name", "gss_code", "aliases__alias"]
    list_select_related = ["sub_region", "laa_area"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AuthorityAliasInline]


@admin.register(AuthorityAlias)
class AuthorityAliasAdmin(HistoryAdmin):
    region_field = "authority__sub_region__region_id"
    list_display = ["alias", "authority", "sub_region"]
    list_filter = ["sub_region"]
    search_fields = ["alias", "authority__name"]
    autocomplete_fields = ["authority"]


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    region_field = "sub_region__region_id"
    list_display = ["user", "sub_region"]
    list_filter = ["sub_region"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(RegionMembership)
class RegionMembershipAdmin(HistoryAdmin):
    region_field = "region_id"
    list_display = ["user", "region"]
    list_filter = ["region"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
