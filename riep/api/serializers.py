from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from authorities.models import Authority
from targets.models import Measure, MeasureLevel, Target, TargetSet, rule_in_words


class AuthoritySerializer(serializers.ModelSerializer):
    sub_region = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sub_region_name = serializers.CharField(source="sub_region.name", read_only=True)
    laa_area = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Authority
        fields = [
            "slug",
            "name",
            "short_name",
            "kind",
            "sub_region",
            "sub_region_name",
            "laa_area",
            "gss_code",
            "active",
        ]


class TargetSetSerializer(serializers.ModelSerializer):
    target_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = TargetSet
        fields = [
            "slug",
            "title",
            "status",
            "in_force_from",
            "in_force_to",
            "source_paper",
            "description",
            "target_count",
        ]


class MeasureLevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = MeasureLevel
        fields = ["value", "label"]


class MeasureSerializer(serializers.ModelSerializer):
    levels = MeasureLevelSerializer(many=True, read_only=True)

    class Meta:
        model = Measure
        fields = [
            "slug",
            "name",
            "kind",
            "direction",
            "unit",
            "tolerance_kind",
            "tolerance",
            "amber_margin",
            "levels",
        ]


class TargetSerializer(serializers.ModelSerializer):
    theme = serializers.CharField(source="theme.name", read_only=True)
    measure = MeasureSerializer(read_only=True)
    rule_text = serializers.SerializerMethodField()
    replaces = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    replaced_by = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    applies_to = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Target
        fields = [
            "code",
            "number",
            "priority",
            "theme",
            "title",
            "text",
            "indicator",
            "deadline",
            "is_placeholder",
            "scope",
            "applies_to",
            "measure",
            "rule",
            "rule_text",
            "threshold",
            "required_share",
            "aggregate_amount",
            "baseline",
            "tolerance_kind",
            "tolerance",
            "amber_margin",
            "rule_notes",
            "replaces",
            "replaced_by",
            "source",
        ]

    @extend_schema_field(serializers.CharField())
    def get_rule_text(self, target: Target) -> str:
        return rule_in_words(target)
