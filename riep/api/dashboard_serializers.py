"""The dashboards' JSON shapes (riep/api/dashboards.py): output-only serializers reading the
dataclasses the pages' builders make (reports.dashboards), so that the API and the pages show
the same figures. Documented in /api/v1/openapi.json."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from authorities.models import AuthorityKind

from .return_fields import (
    BasisField,
    ComparisonStatusField,
    DecimalText,
    LineStateField,
    RatingField,
    ReturnStatusField,
    enum_component,
)

# ---------------------------------------------------------------------------------------------


class AuthorityKindField(serializers.ChoiceField):
    """county, unitary, district, national_park or fire_rescue (component "AuthorityKind")."""

    def __init__(self, **kwargs):
        super().__init__(choices=AuthorityKind.values, **kwargs)


enum_component(
    AuthorityKindField, "AuthorityKind", AuthorityKind.values, "The kind of an authority."
)


class DashboardCountsSerializer(serializers.Serializer):
    red = serializers.IntegerField()
    amber = serializers.IntegerField()
    green = serializers.IntegerField()
    grey = serializers.IntegerField(help_text="Not yet known: awaiting data, or no return.")
    not_applicable = serializers.IntegerField()
    not_rated = serializers.IntegerField(help_text="Targets the returns alone cannot rate.")
    achieved = serializers.IntegerField(
        help_text="Achieved: an improvement plan's final target met (seed 004)."
    )
    not_yet_due = serializers.IntegerField(
        help_text="Not yet due: data in a later quarter (seed 004); never counted in grey."
    )
    total = serializers.IntegerField()


class DashboardOverallSerializer(serializers.Serializer):
    rating = RatingField(source="mark.rating", allow_null=True)
    label = serializers.CharField(source="mark.label")
    explanation = serializers.CharField()
    value = DecimalText(help_text="The figure the rule judged (a share, a total, a mean).")
    counts = DashboardCountsSerializer(help_text="The authorities' lines behind the rating.")
    relevant = serializers.IntegerField(help_text="Authorities counted for the target.")
    known = serializers.IntegerField(help_text="Of them, rated R, A or G.")
    thin = serializers.BooleanField(help_text="Rests on fewer than half of them.")
    reported = serializers.SerializerMethodField(
        help_text="The sub-region's own overall rating, if it gave one."
    )
    reported_note = serializers.CharField(help_text="The sub-region's own rating and reason.")
    differs = serializers.BooleanField(
        help_text="The sub-region's own rating and the computed one disagree."
    )
    unapproved = serializers.SerializerMethodField(
        help_text="The returns not yet approved the rating rests on, by status (draft, "
        "returned, submitted); empty on approved returns only."
    )

    @extend_schema_field(RatingField(allow_null=True))
    def get_reported(self, cell) -> str | None:
        return cell.reported.rating if cell.reported is not None else None

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_unapproved(self, cell) -> dict[str, int]:
        return dict(cell.data.unapproved)


class DashboardSetSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()


class DashboardSubRegionSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    return_id = serializers.IntegerField(allow_null=True)
    return_status = ReturnStatusField(allow_null=True)
    page = serializers.CharField(source="url", help_text="The sub-region's dashboard page.")


class DashboardTargetSerializer(serializers.Serializer):
    code = serializers.CharField()
    number = serializers.CharField()
    title = serializers.CharField()
    indicator = serializers.CharField()
    theme = serializers.CharField()
    priority = serializers.IntegerField()
    measure = serializers.CharField()
    rule = serializers.CharField(source="rule_text", help_text="The rule in plain English.")
    page = serializers.CharField(source="url", help_text="The target's dashboard page.")


class DashboardAuthoritySerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = AuthorityKindField()


class DashboardLineSerializer(serializers.Serializer):
    state = serializers.ChoiceField(
        choices=[*LineStateField().choices, "no_line", "does_not_apply"],
        help_text="The line's state; no_line: a return without a line for the authority; "
        "does_not_apply: the target does not apply to the authority.",
    )
    rating = RatingField(source="mark.rating", help_text="The rating that stands.")
    computed = RatingField(source="computed.rating", help_text="The rule's rating.")
    manual = serializers.SerializerMethodField()
    overridden = serializers.BooleanField(
        help_text="The sub-region's own rating differs from the rule's (which counts)."
    )
    manual_reason = serializers.CharField()
    outside_scope = serializers.BooleanField(
        help_text="Reported for an authority the target's rule does not cover: never counted."
    )
    state_reason = serializers.CharField(help_text="Why it is marked not applicable.")
    actual = DecimalText()
    value = serializers.CharField(
        source="value_text", help_text="The value as the papers write it."
    )
    target_value = DecimalText(help_text="The line's own target; null: the target's threshold.")
    target_text = serializers.CharField(help_text="The target value as the papers write it.")
    status = ComparisonStatusField(allow_null=True)
    date_of_data = serializers.DateField(allow_null=True)
    comment = serializers.CharField()
    explanation = serializers.CharField()
    source = serializers.CharField()
    line_page = serializers.CharField(source="line_url", help_text="The line's page, or empty.")

    @extend_schema_field(RatingField(allow_null=True))
    def get_manual(self, cell) -> str | None:
        return cell.manual.rating if cell.manual is not None else None


class DashboardCompletenessSerializer(serializers.Serializer):
    lines = serializers.IntegerField()
    values = serializers.IntegerField()
    awaiting = serializers.IntegerField()
    not_applicable = serializers.IntegerField()
    missing = serializers.IntegerField(help_text="Without a return, or without a line in it.")
    not_yet_due = serializers.IntegerField(
        help_text="Data due in a later quarter (seed 004): not awaiting, not missing."
    )


class DashboardSubRegionCompletenessSerializer(DashboardCompletenessSerializer):
    sub_region = serializers.CharField(source="sub_region.slug")
    return_status = ReturnStatusField(source="sub_region.return_status", allow_null=True)


class DashboardSubRegionOverallSerializer(DashboardOverallSerializer):
    sub_region = serializers.CharField()


def _sub_region_cells(columns, cells) -> list[dict]:
    return [
        {"sub_region": column.slug, **DashboardOverallSerializer(cell).data}
        for column, cell in zip(columns, cells, strict=True)
    ]


class DashboardOverviewTargetSerializer(serializers.Serializer):
    target = DashboardTargetSerializer()
    region = DashboardOverallSerializer()
    sub_regions = serializers.SerializerMethodField()

    @extend_schema_field(DashboardSubRegionOverallSerializer(many=True))
    def get_sub_regions(self, row) -> list[dict]:
        return _sub_region_cells(self.context["columns"], row.cells)


class DashboardOverviewThemeSerializer(serializers.Serializer):
    name = serializers.CharField()
    targets = DashboardOverviewTargetSerializer(source="rows", many=True)


class DashboardOverviewCountsSerializer(serializers.Serializer):
    targets = DashboardCountsSerializer(source="target_counts")
    lines = DashboardCountsSerializer(source="line_counts")


class DashboardOverviewSerializer(serializers.Serializer):
    target_set = DashboardSetSerializer()
    period = serializers.CharField(source="quarter.label")
    basis = BasisField()
    headline = serializers.CharField()
    whole_region = serializers.BooleanField()
    scope_note = serializers.CharField()
    sub_regions = DashboardSubRegionSerializer(source="columns", many=True)
    themes = DashboardOverviewThemeSerializer(many=True)
    counts = DashboardOverviewCountsSerializer(source="*")
    completeness = DashboardSubRegionCompletenessSerializer(many=True)
    completeness_total = DashboardCompletenessSerializer()


class DashboardSubRegionLineSerializer(DashboardLineSerializer):
    target = serializers.CharField(help_text="The target's code.")


class DashboardSubRegionAuthoritySerializer(serializers.Serializer):
    authority = DashboardAuthoritySerializer()
    lines = serializers.SerializerMethodField()

    @extend_schema_field(DashboardSubRegionLineSerializer(many=True))
    def get_lines(self, row) -> list[dict]:
        targets = self.context["targets"]
        return [
            {"target": target.code, **DashboardLineSerializer(cell).data}
            for target, cell in zip(targets, row.cells, strict=True)
        ]


class DashboardTargetOverallSerializer(DashboardOverallSerializer):
    target = serializers.CharField(help_text="The target's code.")


class DashboardSubRegionPageSerializer(serializers.Serializer):
    target_set = DashboardSetSerializer()
    period = serializers.CharField(source="quarter.label")
    sub_region = DashboardSubRegionSerializer()
    headline = serializers.CharField()
    targets = DashboardTargetSerializer(many=True)
    authorities = DashboardSubRegionAuthoritySerializer(source="rows", many=True)
    overall = serializers.SerializerMethodField()
    counts = DashboardCountsSerializer(source="line_counts")
    completeness = DashboardCompletenessSerializer()

    @extend_schema_field(DashboardTargetOverallSerializer(many=True))
    def get_overall(self, view) -> list[dict]:
        return [
            {"target": target.code, **DashboardOverallSerializer(cell).data}
            for target, cell in zip(view.targets, view.overall, strict=True)
        ]


class DashboardLinkedTargetSerializer(serializers.Serializer):
    code = serializers.CharField()
    number = serializers.CharField()
    title = serializers.CharField()
    target_set = serializers.CharField(help_text="The target set's title.")
    depth = serializers.IntegerField(help_text="1: directly; 2: through one other target...")
    stated = serializers.BooleanField(help_text="A paper states the link (else it is inferred).")
    basis = serializers.CharField(help_text="The paper's words, or why it is inferred.")
    page = serializers.CharField(source="url")


class DashboardTrendPointSerializer(serializers.Serializer):
    period = serializers.CharField(source="quarter.label")
    has_returns = serializers.BooleanField()
    overall = DashboardOverallSerializer()
    counts = DashboardCountsSerializer()


class DashboardTargetAuthorityLineSerializer(DashboardLineSerializer):
    authority = DashboardAuthoritySerializer()
    sub_region = serializers.CharField(help_text="The sub-region's name.")


class DashboardTargetDetailSerializer(DashboardTargetSerializer):
    text = serializers.CharField()
    target_set = DashboardSetSerializer()
    deadline = serializers.DateField(allow_null=True)
    is_placeholder = serializers.BooleanField()


class DashboardLineageSerializer(serializers.Serializer):
    earlier = DashboardLinkedTargetSerializer(many=True)
    later = DashboardLinkedTargetSerializer(many=True)


class DashboardTargetPageSerializer(serializers.Serializer):
    target = DashboardTargetDetailSerializer()
    period = serializers.CharField(source="quarter.label")
    scope = serializers.CharField(help_text='Whose figures: "the region", "Derbyshire"...')
    headline = serializers.CharField()
    overall = DashboardOverallSerializer()
    sub_regions = serializers.SerializerMethodField()
    distribution = DashboardCountsSerializer()
    trend = DashboardTrendPointSerializer(many=True)
    lineage = DashboardLineageSerializer(source="*")
    authorities = serializers.SerializerMethodField()

    @extend_schema_field(DashboardSubRegionOverallSerializer(many=True))
    def get_sub_regions(self, view) -> list[dict]:
        return _sub_region_cells(
            [info for info, _ in view.sub_regions], [cell for _, cell in view.sub_regions]
        )

    @extend_schema_field(DashboardTargetAuthorityLineSerializer(many=True))
    def get_authorities(self, view) -> list[dict]:
        return [
            {
                "authority": DashboardAuthoritySerializer(line.authority).data,
                "sub_region": line.sub_region,
                **DashboardLineSerializer(line.cell).data,
            }
            for line in view.lines
        ]


class DashboardAuthorityQuarterLineSerializer(DashboardLineSerializer):
    period = serializers.CharField()


class DashboardAuthorityTargetSerializer(serializers.Serializer):
    target = DashboardTargetSerializer()
    lines = serializers.SerializerMethodField()

    @extend_schema_field(DashboardAuthorityQuarterLineSerializer(many=True))
    def get_lines(self, row) -> list[dict]:
        return [
            {"period": quarter.label, **DashboardLineSerializer(cell).data}
            for quarter, cell in zip(self.context["quarters"], row.cells, strict=True)
        ]


class DashboardAuthorityDetailSerializer(DashboardAuthoritySerializer):
    sub_region = serializers.CharField(help_text="The sub-region's slug.")
    laa = serializers.CharField(help_text="The Local Area Agreement, or empty.")


class DashboardQuarterReturnSerializer(serializers.Serializer):
    period = serializers.CharField()
    return_id = serializers.IntegerField(allow_null=True)
    return_status = ReturnStatusField(allow_null=True)


class DashboardAuthorityPageSerializer(serializers.Serializer):
    authority = serializers.SerializerMethodField()
    target_set = DashboardSetSerializer()
    periods = serializers.SerializerMethodField()
    headline = serializers.CharField()
    targets = serializers.SerializerMethodField()

    @extend_schema_field(DashboardAuthorityDetailSerializer)
    def get_authority(self, view) -> dict:
        return {
            **DashboardAuthoritySerializer(view.authority).data,
            "sub_region": view.sub_region.slug,
            "laa": view.laa,
        }

    @extend_schema_field(DashboardQuarterReturnSerializer(many=True))
    def get_periods(self, view) -> list[dict]:
        return [
            {
                "period": quarter.label,
                "return_id": info.return_id,
                "return_status": info.return_status,
            }
            for quarter, info in view.columns
        ]

    @extend_schema_field(DashboardAuthorityTargetSerializer(many=True))
    def get_targets(self, view) -> list[dict]:
        rows = [row for group in view.themes for row in group.rows]
        return DashboardAuthorityTargetSerializer(
            rows, many=True, context={"quarters": view.quarters}
        ).data


class DashboardMovementSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["improved", "same", "worse", "unknown"])
    text = serializers.CharField()


class DashboardCompareCellSerializer(serializers.Serializer):
    before = DashboardOverallSerializer()
    after = DashboardOverallSerializer()
    movement = DashboardMovementSerializer()


class DashboardSubRegionCompareCellSerializer(DashboardCompareCellSerializer):
    sub_region = serializers.CharField()


class DashboardAuthorityMovesSerializer(serializers.Serializer):
    improved = serializers.IntegerField()
    same = serializers.IntegerField()
    worse = serializers.IntegerField()


class DashboardCompareTargetSerializer(serializers.Serializer):
    target = DashboardTargetSerializer()
    region = DashboardCompareCellSerializer()
    sub_regions = serializers.SerializerMethodField()
    authorities = DashboardAuthorityMovesSerializer(source="*")

    @extend_schema_field(DashboardSubRegionCompareCellSerializer(many=True))
    def get_sub_regions(self, row) -> list[dict]:
        return [
            {"sub_region": column.slug, **DashboardCompareCellSerializer(cell).data}
            for column, cell in zip(self.context["columns"], row.cells, strict=True)
        ]


class DashboardMovementsSerializer(serializers.Serializer):
    improved = serializers.IntegerField()
    same = serializers.IntegerField()
    worse = serializers.IntegerField()
    unknown = serializers.IntegerField()


class DashboardComparisonSerializer(serializers.Serializer):
    target_set = DashboardSetSerializer()
    period = serializers.CharField(source="quarter.label", help_text="The later quarter.")
    against = serializers.CharField(source="against.label", help_text="The earlier quarter.")
    headline = serializers.CharField()
    whole_region = serializers.BooleanField()
    scope_note = serializers.CharField()
    sub_regions = DashboardSubRegionSerializer(source="columns", many=True)
    movements = DashboardMovementsSerializer(help_text="The region's targets by movement.")
    targets = serializers.SerializerMethodField()

    @extend_schema_field(DashboardCompareTargetSerializer(many=True))
    def get_targets(self, comparison) -> list[dict]:
        rows = [row for group in comparison.themes for row in group.rows]
        context = {"columns": comparison.columns}
        return DashboardCompareTargetSerializer(rows, many=True, context=context).data
