from django.contrib import admin

from .models import Measure, MeasureLevel, Target, TargetSet, Theme


class ThemeInline(admin.TabularInline):
    model = Theme
    extra = 0


class TargetInline(admin.StackedInline):
    model = Target
    extra = 0
    fk_name = "target_set"
    fields = [
        ("number", "priority", "code"),
        ("theme", "title"),
        "text",
        ("indicator", "deadline", "is_placeholder"),
        ("scope", "applies_to"),
        ("measure", "rule"),
        ("threshold", "required_share", "aggregate_amount", "baseline"),
        ("tolerance_kind", "tolerance", "amber_margin"),
        "rule_notes",
        "replaces",
        "source",
    ]
    autocomplete_fields = ["measure", "replaces"]
    show_change_link = True


@admin.register(TargetSet)
class TargetSetAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "status", "in_force_from", "in_force_to"]
    list_filter = ["status"]
    search_fields = ["title", "slug", "source_paper"]
    inlines = [ThemeInline, TargetInline]


class MeasureLevelInline(admin.TabularInline):
    model = MeasureLevel
    extra = 0


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "direction", "unit", "tolerance_kind", "tolerance"]
    list_filter = ["kind", "direction"]
    search_fields = ["name", "slug"]
    inlines = [MeasureLevelInline]


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["code", "target_set", "number", "title", "indicator", "rule", "is_placeholder"]
    list_filter = ["target_set", "rule", "is_placeholder", "scope", "measure__kind"]
    search_fields = ["code", "title", "text", "indicator"]
    list_select_related = ["target_set", "theme", "measure"]
    autocomplete_fields = ["measure", "replaces"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "target_set", "order"]
    list_filter = ["target_set"]
    search_fields = ["name"]
