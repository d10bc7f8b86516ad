"""Admin for target sets, themes, measures and targets.

A target's rule and a measure's rating fields are read-only here: changing them re-rates every
line of the target in one recorded step, which only the rule page does (returns.rerating,
linked from each change form). Wording, sources and lineage are edited here. Each object's
"History" page lists every change, field by field (authorities.admin.HistoryAdmin).
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from authorities.admin import REGION_OF, HistoryAdmin, RegionScopedChoices

from .models import (
    MEASURE_RULE_FIELDS,
    TARGET_RULE_FIELDS,
    Measure,
    MeasureLevel,
    Target,
    TargetLineage,
    TargetSet,
    Theme,
)
from .plans import Milestone, YearTarget

# A foreign key to a target set offers the user's region's sets only (the authorities app,
# below this one, cannot name the model itself).
REGION_OF[TargetSet] = "region_id"
REGION_OF[Theme] = "target_set__region_id"
REGION_OF[Target] = "target_set__region_id"


class ThemeInline(RegionScopedChoices, admin.TabularInline):
    model = Theme
    extra = 0


class TargetInline(RegionScopedChoices, admin.TabularInline):
    model = Target
    extra = 0
    fk_name = "target_set"
    fields = ["number", "code", "title", "theme", "rule", "threshold"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class YearTargetInline(RegionScopedChoices, admin.TabularInline):
    """An improvement plan's commitment: its year targets (the trajectory)."""

    model = YearTarget
    extra = 0
    fields = ["order", "label", "year", "value", "source"]


class MilestoneInline(RegionScopedChoices, admin.TabularInline):
    """An improvement plan's commitment: its dated steps."""

    model = Milestone
    extra = 0
    fields = ["order", "description", "due_words", "due", "source"]


class LineageInline(RegionScopedChoices, admin.TabularInline):
    model = TargetLineage
    fk_name = "later"
    extra = 0
    autocomplete_fields = ["earlier"]
    verbose_name = "earlier target this one replaces"
    verbose_name_plural = "earlier targets this one replaces"


@admin.register(TargetSet)
class TargetSetAdmin(HistoryAdmin):
    region_field = "region_id"
    list_display = [
        "title",
        "slug",
        "kind",
        "status",
        "in_force_from",
        "in_force_to",
        "ranked_by_paper",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["title", "slug", "source_paper"]
    inlines = [ThemeInline, TargetInline]


class MeasureLevelInline(RegionScopedChoices, admin.TabularInline):
    model = MeasureLevel
    extra = 0


class RulePageLinkMixin:
    """The read-only rule fields, and a link to the page that changes them."""

    rule_page_name = ""

    @admin.display(description="Change the rule")
    def rule_page(self, obj):
        if obj is None or obj.pk is None:
            return "Save first; the rule is then changed on its own page, which re-rates lines."
        url = reverse(self.rule_page_name, args=[obj.pk])
        return format_html(
            '<a href="{}">Change the rule and re-rate every line</a> (recorded, with a reason)',
            url,
        )


@admin.register(Measure)
class MeasureAdmin(RulePageLinkMixin, HistoryAdmin):
    list_display = ["name", "kind", "direction", "unit", "tolerance_kind", "tolerance"]
    list_filter = ["kind", "direction"]
    search_fields = ["name", "slug"]
    inlines = [MeasureLevelInline]
    rule_page_name = "rules:measure"

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["rule_page"]
        return [*MEASURE_RULE_FIELDS, "rule_page"]


@admin.register(Target)
class TargetAdmin(RulePageLinkMixin, HistoryAdmin):
    region_field = "target_set__region_id"
    list_display = ["code", "target_set", "number", "title", "indicator", "rule", "is_placeholder"]
    list_filter = ["target_set", "rule", "is_placeholder", "scope", "measure__kind"]
    search_fields = ["code", "title", "text", "indicator"]
    list_select_related = ["target_set", "theme", "measure"]
    autocomplete_fields = ["measure"]
    inlines = [LineageInline, YearTargetInline, MilestoneInline]
    rule_page_name = "rules:target"

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ["rule_page"]
        return [*TARGET_RULE_FIELDS, "rule_page"]


@admin.register(Theme)
class ThemeAdmin(HistoryAdmin):
    region_field = "target_set__region_id"
    list_display = ["name", "target_set", "order"]
    list_filter = ["target_set"]
    search_fields = ["name"]


# The projects' admin lives in its own module (registered on import).
from . import project_admin  # noqa: E402, F401
