"""Admin for the projects (targets.projects): reference data kept by administrators, with the
history of every change (django-simple-history: who, when, old and new values)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .projects import Project, ProjectAuthority, ProjectTarget


class ProjectAuthorityInline(admin.TabularInline):
    model = ProjectAuthority
    extra = 0
    autocomplete_fields = ["authority"]
    fields = ["authority", "role", "source"]


class ProjectTargetInline(admin.TabularInline):
    model = ProjectTarget
    extra = 0
    autocomplete_fields = ["target"]
    fields = ["target", "words", "source"]


@admin.register(Project)
class ProjectAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "sub_region", "status", "amount_bid", "amount_approved"]
    list_filter = ["kind", "status", "sub_region"]
    search_fields = ["title", "slug", "description", "source"]
    list_select_related = ["sub_region"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ProjectAuthorityInline, ProjectTargetInline]
