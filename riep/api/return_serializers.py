"""The serializers of the returns API (riep/api/returns.py has the views)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from returns.deadlines import DueFacts, due_facts
from returns.models import Return, ReturnLine, Transition
from returns.periods import Quarter
from returns.upload_limits import MAX_TEXT_CHARS

from .parameters import MAX_INT, QUARTER_PATTERN, SLUG_PATTERN, read_quarter
from .return_fields import (
    BasisField,
    ComparisonStatusField,
    DecimalText,
    LineStateField,
    LooseValue,
    RatingField,
    ReturnStatusField,
    ScopeField,
    TargetRef,
)


class ReturnLineSerializer(serializers.ModelSerializer):
    authority = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    authority_name = serializers.CharField(source="authority.name", read_only=True)
    target = serializers.CharField(source="target.number", read_only=True)
    target_code = serializers.CharField(source="target.code", read_only=True)
    actual = DecimalText()
    target_value = DecimalText()
    state = LineStateField(read_only=True)
    manual_rating = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    computed_rating = RatingField(read_only=True)
    effective_rating = RatingField(read_only=True)
    scope = serializers.SerializerMethodField()
    updated_by = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="Username of who last changed the line.",
    )

    class Meta:
        model = ReturnLine
        fields = [
            "id",
            "authority",
            "authority_name",
            "target",
            "target_code",
            "state",
            "actual",
            "target_value",
            "date_of_data",
            "status",
            "computed_rating",
            "manual_rating",
            "manual_reason",
            "state_reason",
            "effective_rating",
            "counted",
            "scope",
            "explanation",
            "comment",
            "source",
            "changed_in_version",
            "updated_at",
            "updated_by",
        ]
        read_only_fields = fields

    @extend_schema_field(RatingField(allow_null=True))
    def get_manual_rating(self, line: ReturnLine) -> str | None:
        return line.manual_rating or None

    @extend_schema_field(ComparisonStatusField(allow_null=True))
    def get_status(self, line: ReturnLine) -> str | None:
        return line.status or None

    @extend_schema_field(ScopeField())
    def get_scope(self, line: ReturnLine) -> str:
        return line_scope(line.state, line.scope)


def line_scope(state: str, scope: str) -> str:
    """The API's scope of a line: not_applicable (marked n/a), outside, or in."""
    return "not_applicable" if state == "not_applicable" else scope


class TransitionSerializer(serializers.ModelSerializer):
    from_status = ReturnStatusField(read_only=True)
    to_status = ReturnStatusField(read_only=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Transition
        fields = ["from_status", "to_status", "actor", "at", "comment"]
        read_only_fields = fields


class ReturnSerializer(serializers.ModelSerializer):
    sub_region = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sub_region_name = serializers.CharField(source="sub_region.name", read_only=True)
    target_set = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    period = serializers.SerializerMethodField()
    status = ReturnStatusField(read_only=True)
    deadline = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Return
        fields = [
            "id",
            "sub_region",
            "sub_region_name",
            "target_set",
            "period",
            "status",
            "deadline",
            "overdue",
            "submitted_on_time",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(help_text='e.g. "2009/10 Q3"'))
    def get_period(self, return_obj: Return) -> str:
        return return_obj.period.label

    def _due(self, return_obj: Return) -> DueFacts:
        # A list passes every return's facts in its context (one query for the page); a
        # single return reads its own once, kept for its other field.
        facts = self.context.setdefault("due_facts", {})
        if return_obj.pk not in facts:
            facts.update(due_facts([return_obj], today=timezone.localdate()))
        return facts[return_obj.pk]

    @extend_schema_field(
        serializers.DateField(allow_null=True, help_text="The quarter's deadline; null: none set.")
    )
    def get_deadline(self, return_obj: Return):
        return self._due(return_obj).due

    @extend_schema_field(
        serializers.BooleanField(help_text="Not submitted, and its deadline has passed.")
    )
    def get_overdue(self, return_obj: Return) -> bool:
        return self._due(return_obj).overdue


class ReturnDetailSerializer(ReturnSerializer):
    lines = ReturnLineSerializer(many=True, read_only=True)
    transitions = TransitionSerializer(many=True, read_only=True)

    class Meta(ReturnSerializer.Meta):
        fields = [*ReturnSerializer.Meta.fields, "lines", "transitions"]
        read_only_fields = fields


def _slug_field(help_text: str) -> serializers.CharField:
    # Not trimmed: " derbyshire" is not what the document's pattern allows.
    return serializers.CharField(
        trim_whitespace=False,
        help_text=help_text,
        validators=[RegexValidator(SLUG_PATTERN, 'Not a slug (letters, digits, "-" and "_").')],
    )


def _text_field(**kwargs) -> serializers.CharField:
    """A comment or a reason: at most MAX_TEXT_CHARS characters, as in an imported file."""
    return serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=MAX_TEXT_CHARS, **kwargs
    )


class ReturnOpenSerializer(serializers.Serializer):
    """Open (or find) a sub-region's return for a target set and quarter (404: no sub-region
    or target set of that slug)."""

    sub_region = _slug_field("e.g. derbyshire")
    target_set = _slug_field("e.g. stretch-targets")
    period = serializers.CharField(
        trim_whitespace=False,
        help_text='A financial-year quarter, e.g. "2009/10 Q3".',
        validators=[RegexValidator(QUARTER_PATTERN, 'Write the quarter like "2009/10 Q3".')],
    )

    def validate_period(self, value: str) -> Quarter:
        try:
            return read_quarter(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from error


class LineChangeSerializer(serializers.Serializer):
    """One line to change; only the fields given change (see the module's docstring)."""

    authority = serializers.CharField(
        help_text='Slug or name: "amber-valley", "Amber Valley BC"',
        validators=[RegexValidator(r"\S", "Name the authority.")],
    )
    target = TargetRef()
    actual = LooseValue()
    target_value = LooseValue()
    date_of_data = serializers.DateField(required=False, allow_null=True)
    state = LineStateField(required=False)
    manual_rating = RatingField(required=False, allow_null=True)  # null clears it
    manual_reason = _text_field()
    state_reason = _text_field(help_text="Why the line is marked not_applicable (required then).")
    comment = _text_field()
    source = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=300
    )


#: Lines one PATCH may change: more than a whole return holds (51 authorities × 26 targets).
MAX_LINES = 2000


class LinesPatchSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=MAX_INT,
        help_text="The return's version the changes are based on (from GET).",
    )
    # A ListField, not many=True: its length bounds are validators the document shows.
    lines = serializers.ListField(
        child=LineChangeSerializer(),
        min_length=1,
        max_length=MAX_LINES,
        help_text=f"1 to {MAX_LINES} lines (a return has at most 51 authorities × 26 targets).",
    )


class SubmitSerializer(serializers.Serializer):
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_TEXT_CHARS
    )


class LinesUpdatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = ReturnStatusField()
    version = serializers.IntegerField()
    changed = serializers.IntegerField(help_text="How many lines changed.")
    unchanged = serializers.IntegerField(help_text="Lines sent that already held these values.")
    lines = ReturnLineSerializer(many=True, help_text="The lines named, as they now are.")


class LineErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(
        help_text="Position of the line in the request (-1: not tied to one line)."
    )
    authority = serializers.CharField()
    target = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class LinesInvalidSerializer(serializers.Serializer):
    detail = serializers.CharField()
    lines = LineErrorSerializer(
        many=True, required=False, help_text="The lines at fault (absent: the body as a whole)."
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Errors not tied to one line (e.g. the version).",
    )


class ConflictSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["stale", "locked", "step_refused"],
        required=False,
        help_text="Absent when the database was busy: nothing was saved; try again.",
    )
    detail = serializers.CharField()
    status = ReturnStatusField(required=False)
    version = serializers.IntegerField(required=False, help_text="The return's current version.")
    changed = ReturnLineSerializer(
        many=True, required=False, help_text="Stale: the lines changed since your version."
    )


class AuthorityRatingSerializer(serializers.Serializer):
    authority = serializers.CharField(help_text="The authority's name.")
    actual = DecimalText()
    target_value = DecimalText()
    state = LineStateField()
    status = ComparisonStatusField(allow_null=True, help_text="The mark against tolerance.")
    computed = RatingField(help_text="The rule's rating.")
    manual = RatingField(allow_null=True, help_text="The sub-region's own rating of the line.")
    effective = RatingField(help_text="The rating that stands: the rule's, unless it had none.")
    counted = serializers.BooleanField(help_text="Counts in the overall rating.")
    scope = ScopeField()


class OverallSerializer(serializers.Serializer):
    rating = RatingField(
        allow_null=True,
        help_text="null when the returns alone cannot rate the target (comparison, undecided).",
    )
    explanation = serializers.CharField()
    relevant = serializers.IntegerField(help_text="Authorities counted for the target.")
    known = serializers.IntegerField(help_text="Of them, rated R, A or G.")


class SubRegionRatingSerializer(serializers.Serializer):
    sub_region = serializers.CharField(help_text="The sub-region's name.")
    return_status = ReturnStatusField(allow_null=True, help_text="null: no return made.")
    rating = RatingField(allow_null=True, help_text="The computed overall rating.")
    explanation = serializers.CharField()
    reported = RatingField(
        allow_null=True, help_text="The sub-region's own overall rating (R, A, G, GREY), if any."
    )
    reported_reason = serializers.CharField(allow_blank=True)
    differs = serializers.BooleanField(
        help_text="True when the sub-region's own rating and the computed one both exist and "
        "disagree."
    )
    authorities = AuthorityRatingSerializer(many=True)


class TargetRatingSerializer(serializers.Serializer):
    number = serializers.CharField()
    code = serializers.CharField()
    indicator = serializers.CharField(allow_null=True, help_text='e.g. "NI 179"; null if none.')
    region = OverallSerializer()
    sub_regions = SubRegionRatingSerializer(many=True)


class RatingsSerializer(serializers.Serializer):
    target_set = serializers.CharField(help_text="The target set's slug.")
    period = serializers.CharField(help_text='e.g. "2009/10 Q3"')
    basis = BasisField()
    targets = TargetRatingSerializer(many=True)
