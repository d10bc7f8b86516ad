from django.contrib import admin

from .models import Authority, AuthorityAlias, LAAArea, Membership, Region, SubRegion


class AuthorityAliasInline(admin.TabularInline):
    model = AuthorityAlias
    extra = 0
    fields = ["alias", "sub_region"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]


@admin.register(SubRegion)
class SubRegionAdmin(admin.ModelAdmin):
    list_display = ["name", "region", "order"]
    list_filter = ["region"]
    search_fields = ["name"]


@admin.register(LAAArea)
class LAAAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "sub_region", "lead_authority"]
    list_filter = ["sub_region"]
    search_fields = ["name"]
    autocomplete_fields = ["lead_authority"]


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "sub_region", "laa_area", "gss_code", "active"]
    list_filter = ["sub_region", "kind", "laa_area", "active"]
    search_fields = ["name", "short_name", "gss_code", "aliases__alias"]
    list_select_related = ["sub_region", "laa_area"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AuthorityAliasInline]


@admin.register(AuthorityAlias)
class AuthorityAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "authority", "sub_region"]
    list_filter = ["sub_region"]
    search_fields = ["alias", "authority__name"]
    autocomplete_fields = ["authority"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "sub_region"]
    list_filter = ["sub_region"]
    search_fields = ["user__username", "user__email"]
    autocomplete_fields = ["user"]
