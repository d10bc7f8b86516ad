"""Admin for the region, its sub-regions, LAA areas, authorities, aliases and memberships.

Every admin of a kept model shows its history (``HistoryAdmin``): each change field by field,
old → new, who and when.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
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


class HistoryAdmin(SimpleHistoryAdmin):
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


class AuthorityAliasInline(admin.TabularInline):
    model = AuthorityAlias
    extra = 0
    fields = ["alias", "sub_region"]


@admin.register(Region)
class RegionAdmin(HistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]


@admin.register(SubRegion)
class SubRegionAdmin(HistoryAdmin):
    list_display = ["name", "region", "order"]
    list_filter = ["region"]
    search_fields = ["name"]


@admin.register(LAAArea)
class LAAAreaAdmin(HistoryAdmin):
    list_display = ["name", "sub_region", "lead_authority"]
    list_filter = ["sub_region"]
    search_fields = ["name"]
    autocomplete_fields = ["lead_authority"]


@admin.register(Authority)
class AuthorityAdmin(HistoryAdmin):
    list_display = ["name", "short_name", "kind", "sub_region", "laa_area", "gss_code", "active"]
    list_filter = ["sub_region", "kind", "laa_area", "active"]
    search_fields = ["name", "short_name", "gss_code", "aliases__alias"]
    list_select_related = ["sub_region", "laa_area"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AuthorityAliasInline]


@admin.register(AuthorityAlias)
class AuthorityAliasAdmin(HistoryAdmin):
    list_display = ["alias", "authority", "sub_region"]
    list_filter = ["sub_region"]
    search_fields = ["alias", "authority__name"]
    autocomplete_fields = ["authority"]


@admin.register(Membership)
class MembershipAdmin(HistoryAdmin):
    list_display = ["user", "sub_region"]
    list_filter = ["sub_region"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]


@admin.register(RegionMembership)
class RegionMembershipAdmin(HistoryAdmin):
    list_display = ["user", "region"]
    list_filter = ["region"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
