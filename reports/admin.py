"""Board papers in the admin: meetings and agendas editable by whoever may; issued papers and
builds read-only (an issued paper is frozen: nobody adds, changes or deletes one here)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from authorities.admin import REGION_OF, HistoryAdmin, RegionScopedAdmin, RegionScopedChoices

from .models import (
    Action,
    AgendaItem,
    Decision,
    IssuedPaper,
    Meeting,
    Paper,
    PaperBuild,
    Section,
    WorkerHeartbeat,
)
from .worker import is_alive

# A meeting, its agenda and its papers belong to their region's Board: a foreign key to one
# (a decision's meeting, an action's meeting due, a section's paper) offers the user's region's
# only, and a raw id of another region's is refused (authorities.admin.RegionScopedChoices).
REGION_OF[Meeting] = "region_id"
REGION_OF[AgendaItem] = "meeting__region_id"
REGION_OF[Paper] = "agenda_item__meeting__region_id"


class AgendaItemInline(RegionScopedChoices, admin.TabularInline):
    model = AgendaItem
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(HistoryAdmin):
    region_field = "region_id"
    list_display = ["date", "body", "venue"]
    list_filter = ["body"]
    date_hierarchy = "date"
    inlines = [AgendaItemInline]


class SectionInline(RegionScopedChoices, admin.StackedInline):
    model = Section
    extra = 0
    fields = ["order", "number", "heading", "body"]


@admin.register(Paper)
class PaperAdmin(HistoryAdmin):
    region_field = "agenda_item__meeting__region_id"
    list_display = ["title", "agenda_item", "target_set", "period_label", "author_name"]
    list_select_related = ["agenda_item__meeting", "target_set"]
    search_fields = ["title", "agenda_item__title"]
    raw_id_fields = ["agenda_item", "author"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [SectionInline]

    @admin.display(description="quarter")
    def period_label(self, paper: Paper) -> str:
        return paper.period.label if paper.period else "(no target set)"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IssuedPaper)
class IssuedPaperAdmin(RegionScopedAdmin, ReadOnlyAdmin):
    region_field = "paper__agenda_item__meeting__region_id"
    list_display = ["title", "number", "paper", "issued_at", "issued_by", "pages", "files"]
    list_select_related = ["paper__agenda_item__meeting", "issued_by"]
    exclude = ["pdf", "snapshot"]
    readonly_fields = [
        "paper",
        "number",
        "title",
        "issued_at",
        "issued_by",
        "pages",
        "pdf_sha256",
        "snapshot_sha256",
        "files",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf", "snapshot")

    @admin.display(description="files")
    def files(self, issued: IssuedPaper) -> str:
        return format_html(
            '<a href="{}">page</a> · <a href="{}">PDF</a>',
            reverse("papers:issued", args=[issued.pk]),
            reverse("papers:issued-pdf", args=[issued.pk]),
        )


@admin.register(PaperBuild)
class PaperBuildAdmin(RegionScopedAdmin, ReadOnlyAdmin):
    region_field = "paper__agenda_item__meeting__region_id"
    list_display = ["paper", "kind", "status", "progress", "requested_by", "requested_at", "pages"]
    list_filter = ["status", "kind"]
    exclude = ["content", "snapshot"]
    readonly_fields = [
        "paper",
        "kind",
        "status",
        "progress",
        "stage",
        "error",
        "issue_number",
        "checksum",
        "pages",
        "issued_paper",
        "source_issue",
        "requested_by",
        "requested_at",
        "started_at",
        "finished_at",
        "task_id",
        "runner",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content", "snapshot")


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    """The task workers running, as they last said (reports.worker): for the operators."""

    list_display = ["worker_id", "hostname", "pid", "started_at", "seen_at", "alive"]

    @admin.display(boolean=True)
    def alive(self, heartbeat: WorkerHeartbeat) -> bool:
        return is_alive(heartbeat)


@admin.register(Decision)
class DecisionAdmin(HistoryAdmin):
    region_field = "meeting__region_id"
    list_display = ["meeting", "number", "text", "source"]
    list_select_related = ["meeting"]
    raw_id_fields = ["meeting", "agenda_item"]


@admin.register(Action)
class ActionAdmin(HistoryAdmin):
    region_field = "raised_at__region_id"
    list_display = ["raised_at", "number", "owner", "due_meeting", "status", "status_recorded"]
    list_select_related = ["raised_at", "due_meeting"]
    list_filter = ["status"]
    raw_id_fields = ["raised_at", "agenda_item", "due_meeting"]
