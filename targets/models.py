"""Target sets, their themes and targets, and the measures targets are expressed in."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from authorities.models import AuthorityKind

#: The fields of a target that decide its lines' ratings: changed only through the rule page
#: (returns.rerating), which re-rates the lines in one recorded step.
TARGET_RULE_FIELDS = (
    "measure",
    "rule",
    "scope",
    "applies_to",
    "threshold",
    "threshold_strict",
    "required_share",
    "aggregate_amount",
    "baseline",
    "tolerance_kind",
    "tolerance",
    "amber_margin",
    "also_required",
)
#: The fields of a measure that decide its targets' lines' ratings.
MEASURE_RULE_FIELDS = ("kind", "direction", "tolerance_kind", "tolerance", "amber_margin")


class TargetSetStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ADOPTED = "adopted", "Adopted"
    SUPERSEDED = "superseded", "Superseded"


class TargetSetKind(models.TextChoices):
    REGIONAL = "regional", "The partnership's regional targets"
    IMPROVEMENT_PLAN = "improvement_plan", "A council's improvement plan"


class TargetSet(models.Model):
    """A set of targets the partnership adopted or proposed at one time (they live side by side).

    An improvement plan (``kind``, seed 004) is a council's own: its commitments apply to that
    council alone (``council``), each rated on the plan's key (the trajectory rule)."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=TargetSetStatus.choices)
    in_force_from = models.DateField(null=True, blank=True)
    in_force_to = models.DateField(null=True, blank=True)
    source_paper = models.CharField(max_length=300, help_text="Paper and section cited.")
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    ranked_by_paper = models.BooleanField(
        default=False,
        help_text=(
            "A paper ranks the targets by priority within each theme. Only then are priorities "
            "shown; otherwise targets are listed in the order printed."
        ),
    )
    kind = models.CharField(
        max_length=20, choices=TargetSetKind.choices, default=TargetSetKind.REGIONAL
    )
    council = models.ForeignKey(
        "authorities.Authority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="improvement_plans",
        help_text="An improvement plan's council: its commitments apply to it alone.",
    )
    # Whose set it is: each of the nine partnerships adopts its own targets, and only that
    # region's users (and national users) see the set, its papers and its projects
    # (returns.access). An improvement plan's region is its council's.
    region = models.ForeignKey(
        "authorities.Region",
        on_delete=models.PROTECT,
        related_name="target_sets",
        help_text="The partnership (region) whose targets these are.",
    )
    # Every change kept with its old and new values, who and when (issue 12).
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.in_force_from and self.in_force_to and self.in_force_to < self.in_force_from:
            raise ValidationError({"in_force_to": "The end of the period is before its start."})
        if self.kind == TargetSetKind.IMPROVEMENT_PLAN and self.council_id is None:
            raise ValidationError({"council": "An improvement plan is a council's: name it."})
        if self.kind != TargetSetKind.IMPROVEMENT_PLAN and self.council_id is not None:
            raise ValidationError({"council": "Only an improvement plan belongs to a council."})
        if (
            self.council_id
            and self.region_id
            and self.council.sub_region.region_id != self.region_id
        ):
            raise ValidationError({"region": "The plan's council is in another region."})

    @property
    def is_plan(self) -> bool:
        return self.kind == TargetSetKind.IMPROVEMENT_PLAN


class Theme(models.Model):
    """A heading under which a target set groups its targets."""

    target_set = models.ForeignKey(TargetSet, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=150)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["target_set", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["target_set", "name"], name="unique_theme_in_set"),
        ]

    def __str__(self) -> str:
        return self.name


class MeasureKind(models.TextChoices):
    ORDINAL = "ordinal", "Ordinal scale"
    PERCENTAGE = "percentage", "Percentage"
    MONEY = "money", "Money (£ thousands)"
    DAYS = "days", "Days"
    COUNT = "count", "Count"
    YES_NO = "yes_no", "Yes / no"
    MILESTONE = "milestone", "Milestone"


class Direction(models.TextChoices):
    HIGHER = "higher", "Higher is better"
    LOWER = "lower", "Lower is better"


class ToleranceKind(models.TextChoices):
    RELATIVE = "relative", "Relative (% of the target)"
    ABSOLUTE = "absolute", "Absolute (units of the measure)"


class Measure(models.Model):
    """What a target is measured in: its kind, direction and default tolerance."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=MeasureKind.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.HIGHER)
    unit = models.CharField(max_length=20, blank=True)
    tolerance_kind = models.CharField(
        max_length=10, choices=ToleranceKind.choices, default=ToleranceKind.RELATIVE
    )
    # ±2% relative is the Lincolnshire return's tolerance (seed 002, item 8).
    tolerance = models.DecimalField(max_digits=12, decimal_places=4, default=Decimal("2"))
    amber_margin = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=(
            "How far short of the target is still Amber, set by the partnership (no paper "
            "defines one); empty for the kind's default."
        ),
    )
    description = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.tolerance is not None and self.tolerance < 0:
            raise ValidationError({"tolerance": "A tolerance cannot be negative."})
        if self.amber_margin is not None and self.amber_margin < 0:
            raise ValidationError({"amber_margin": "An amber margin cannot be negative."})
        if self.kind in {MeasureKind.YES_NO} and self.direction != Direction.HIGHER:
            raise ValidationError({"direction": "For yes/no, yes is better."})


class MeasureLevel(models.Model):
    """One ordered, labelled level of an ordinal or milestone measure (e.g. 3 = performing well)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="levels")
    value = models.SmallIntegerField()
    label = models.CharField(max_length=100)
    history = HistoricalRecords()

    class Meta:
        ordering = ["measure", "value"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "value"], name="unique_level_value"),
            models.UniqueConstraint(fields=["measure", "label"], name="unique_level_label"),
        ]

    def __str__(self) -> str:
        return f"{self.value} - {self.label}"


class Scope(models.TextChoices):
    AUTHORITY = "authority", "Each relevant authority"
    LAA = "laa", "Each LAA (reported by its lead council)"
    REGION = "region", "The region as a whole"


class RuleKind(models.TextChoices):
    ALL_MEET = "all_meet", "Every relevant authority meets the threshold"
    SHARE_MEET = "share_meet", "A share of authorities meets the threshold"
    AGGREGATE = "aggregate", "An aggregate across authorities reaches an amount"
    IMPROVEMENT = "improvement", "Improvement between two periods"
    RATIO_BASELINE = "ratio_baseline", "A ratio moves below its baseline"
    COMPARISON = "comparison", "A comparison with other regions or a national quartile"
    UNDECIDED = "undecided", "Undecided (the paper leaves it open)"
    TRAJECTORY = "trajectory", "On trajectory toward the year targets (an improvement plan)"


class TargetQuerySet(models.QuerySet):
    def for_set_page(self):
        return (
            self.select_related("theme", "measure", "target_set")
            .prefetch_related(
                "measure__levels",
                "earlier_links__earlier__target_set",
                "later_links__later__target_set",
            )
            .order_by("theme__order", "priority", "id")
        )


class Target(models.Model):
    """One target of a set: what is measured, for whom, and the rule that says it is met."""

    target_set = models.ForeignKey(TargetSet, on_delete=models.CASCADE, related_name="targets")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="targets")
    number = models.CharField(max_length=10, help_text="The number as printed in the paper.")
    priority = models.PositiveSmallIntegerField(help_text="Rank within its theme; 1 comes first.")
    code = models.SlugField(max_length=60, unique=True, help_text="Stable identity across sets.")
    title = models.CharField(max_length=150)
    text = models.TextField(help_text="The target's wording in the paper.")
    indicator = models.CharField(
        "national indicator", max_length=20, blank=True, help_text='e.g. "NI 117"'
    )
    deadline = models.DateField(null=True, blank=True)
    is_placeholder = models.BooleanField(
        default=False,
        help_text='"To be considered again when the CAA criteria are published."',
    )
    scope = models.CharField(max_length=10, choices=Scope.choices, default=Scope.AUTHORITY)
    applies_to = models.JSONField(
        default=list,
        blank=True,
        help_text="Authority kinds the target is relevant to; empty means every kind.",
    )
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="targets")
    rule = models.CharField(max_length=20, choices=RuleKind.choices)
    threshold = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="The value each authority must reach (a level number for ordinal measures).",
    )
    threshold_strict = models.BooleanField(
        "threshold itself fails",
        default=False,
        help_text=(
            'The target\'s words exclude the threshold: "below 20 days" fails at 20, "over '
            'achieved" fails at exactly the target. Otherwise reaching it meets it ("at least '
            '95%" passes at 95).'
        ),
    )
    threshold_words = models.CharField(
        max_length=200,
        blank=True,
        help_text='The paper\'s own words that set the pass mark, quoted: "at least 95%".',
    )
    threshold_reading = models.TextField(
        blank=True,
        help_text=(
            "Where the words leave open whether the threshold itself passes: how it is read "
            "(shown as the partnership's reading, not the paper's)."
        ),
    )
    also_required = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "Further conditions of a compound rule, all of which must hold: a list of "
            '{"rule": "all_meet" or "share_meet", "threshold", "strict", "required_share", '
            '"amber_margin", "words"} (the paper\'s words).'
        ),
    )
    required_share = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Share of relevant authorities, in %, that must meet the threshold.",
    )
    aggregate_amount = models.DecimalField(
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Amount the region's total must reach, in the measure's unit.",
    )
    baseline = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    tolerance_kind = models.CharField(
        max_length=10, choices=ToleranceKind.choices, blank=True, help_text="Empty: the measure's."
    )
    tolerance = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)
    amber_margin = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Set by the partnership (no paper defines one); empty: the measure's.",
    )
    rule_notes = models.TextField(
        blank=True, help_text="What the paper leaves open or says about the rule."
    )
    replaces = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="replaced_by",
        blank=True,
        through="TargetLineage",
        through_fields=("later", "earlier"),
    )
    source = models.CharField(max_length=300, help_text="Paper and section cited.")
    # An improvement plan's commitment (seed 004): its row's columns besides "We will achieve"
    # (the target's text) and the rating. Blank for the partnership's regional targets.
    ref = models.CharField(
        "reference", max_length=40, blank=True, help_text='The REF column as printed: "CPA HTW 1".'
    )
    heading = models.CharField(
        max_length=150, blank=True, help_text='The table\'s sub-heading: "Road Safety".'
    )
    priority_text = models.TextField(
        "priority", blank=True, help_text="The priority the commitment serves, as printed."
    )
    responsible_officer = models.CharField(max_length=200, blank=True)

    objects = TargetQuerySet.as_manager()
    # Thresholds, tolerances and amber margins included: who changed what, when, from what.
    history = HistoricalRecords()

    class Meta:
        ordering = ["target_set", "theme__order", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["target_set", "number"], name="unique_number_in_set"),
        ]

    def __str__(self) -> str:
        return f"{self.target_set.slug} {self.number}: {self.title}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.theme_id and self.target_set_id and self.theme.target_set_id != self.target_set_id:
            errors["theme"] = "The theme belongs to another target set."
        if self.rule == RuleKind.TRAJECTORY and self.target_set_id and not self.target_set.is_plan:
            errors["rule"] = "The trajectory rule is an improvement plan's."
        unknown = set(self.applies_to or []) - set(AuthorityKind.values)
        if not isinstance(self.applies_to, list) or unknown:
            errors["applies_to"] = f"Unknown authority kinds: {sorted(unknown)}."
        if self.rule == RuleKind.SHARE_MEET and self.required_share is None:
            errors["required_share"] = "A share rule needs the share of authorities."
        if self.required_share is not None and not 0 < self.required_share <= 100:
            errors["required_share"] = "A share is more than 0% and at most 100%."
        if self.rule == RuleKind.AGGREGATE and self.aggregate_amount is None:
            errors["aggregate_amount"] = "An aggregate rule needs the amount to reach."
        if self.rule == RuleKind.RATIO_BASELINE and self.baseline is None and not self.rule_notes:
            errors["baseline"] = "A baseline rule needs a baseline, or a note saying it is pending."
        if self.rule == RuleKind.UNDECIDED and not self.rule_notes:
            errors["rule_notes"] = "Say what the paper leaves open."
        if self.tolerance is not None and self.tolerance < 0:
            errors["tolerance"] = "A tolerance cannot be negative."
        problem = also_required_problem(self.also_required)
        if problem:
            errors["also_required"] = problem
        if errors:
            raise ValidationError(errors)

    def applies_to_kind(self, kind: str) -> bool:
        return not self.applies_to or kind in self.applies_to

    @property
    def council_id(self) -> int | None:
        """The council whose improvement plan this commitment is (None: a regional target)."""
        return self.target_set.council_id


class TargetLineage(models.Model):
    """A later target continuing or replacing an earlier one, and whether a paper says so."""

    later = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="earlier_links")
    earlier = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="later_links")
    stated = models.BooleanField(
        default=False,
        help_text="A paper states the link; otherwise it is inferred (and shown as inferred).",
    )
    basis = models.TextField(
        blank=True, help_text="The paper's words that state it, or why it is inferred."
    )
    # A target's `replaces` links, as rows: added and removed links are kept.
    history = HistoricalRecords()

    class Meta:
        ordering = ["later", "earlier"]
        constraints = [
            models.UniqueConstraint(fields=["later", "earlier"], name="unique_lineage_link"),
        ]

    def __str__(self) -> str:
        how = "stated" if self.stated else "inferred"
        return f"{self.later.code} replaces {self.earlier.code} ({how})"


_CONDITION_KEYS = {"rule", "threshold", "strict", "required_share", "amber_margin", "words"}


def also_required_problem(conditions: object) -> str:
    """What is wrong with a compound rule's further conditions, or "" when they are sound."""
    from .rating import Condition

    if not isinstance(conditions, list):
        return "Give a list of conditions."
    for number, condition in enumerate(conditions, start=1):
        if not isinstance(condition, dict):
            return f"Condition {number}: give a table of its fields."
        unknown = set(condition) - _CONDITION_KEYS
        if unknown:
            return f"Condition {number}: unknown fields {sorted(unknown)}."
        try:
            _condition(condition, Condition)
        except (TypeError, ValueError, ArithmeticError) as error:
            return f"Condition {number}: {error}"
    return ""


def _condition(data: dict, condition_class):
    def number(key):
        raw = data.get(key)
        return None if raw is None else Decimal(str(raw))

    return condition_class(
        kind=data.get("rule", ""),
        threshold=number("threshold"),
        strict=bool(data.get("strict", False)),
        required_share=number("required_share"),
        amber_margin=number("amber_margin"),
        words=str(data.get("words", "")),
    )


def level_labels(measure: Measure) -> dict[int, str]:
    """Labels of a measure's levels, from the prefetched `levels` where present."""
    return {level.value: level.label for level in measure.levels.all()}


def rule_in_words(target: Target) -> str:
    """The plain-English rule of a target (see targets.rules.describe_rule)."""
    from .rules import describe_rule

    measure = target.measure
    return describe_rule(
        rule=target.rule,
        scope=target.scope,
        applies_to=target.applies_to,
        measure_kind=measure.kind,
        direction=measure.direction,
        unit=measure.unit,
        levels=level_labels(measure),
        threshold=target.threshold,
        required_share=target.required_share,
        aggregate_amount=target.aggregate_amount,
        baseline=target.baseline,
        notes=target.rule_notes,
        strict=target.threshold_strict,
        also=[str(condition.get("words", "")) for condition in target.also_required or ()],
    )


def rating_rule(target: Target):
    """The rating engine's view of a target (targets.rating.RatingRule), from its measure."""
    from .rating import Condition, RatingRule

    measure = target.measure
    return RatingRule(
        kind=target.rule,
        measure_kind=measure.kind,
        direction=measure.direction,
        tolerance_kind=target.tolerance_kind or measure.tolerance_kind,
        tolerance=target.tolerance if target.tolerance is not None else measure.tolerance,
        amber_margin=(
            target.amber_margin if target.amber_margin is not None else measure.amber_margin
        ),
        threshold=target.threshold,
        strict=target.threshold_strict,
        also=tuple(_condition(data, Condition) for data in target.also_required or ()),
        required_share=target.required_share,
        aggregate_amount=target.aggregate_amount,
        baseline=target.baseline,
        levels=tuple(level_labels(measure).items()),
        unit=measure.unit,
        notes=target.rule_notes,
    )


@dataclass(frozen=True)
class RuleFacts:
    """What a page or paper says of a target's rule, each fact marked by where it comes from:
    the paper's own words, or the partnership's reading and settings (no paper gives them)."""

    rule_text: str  # the rule in plain English
    pass_mark: str  # how the engine judges the threshold: "at least 95%", "below 20 days"
    threshold_words: str  # the paper's own words, quoted; "" when the papers give none
    threshold_reading: str  # the partnership's reading where the words leave it open
    amber_margin: str  # "10% of the target, set by the partnership"
    tolerance: str  # "±2%: the worse / within / better mark only"


def rule_facts(target: Target) -> RuleFacts:
    """The facts of a target's rule for display (see ``RuleFacts``)."""
    from .rating import wording

    rule = rating_rule(target)
    if target.threshold is not None and rule.measure_kind != MeasureKind.YES_NO:
        pass_mark = wording.against(target.threshold, rule)
    elif rule.measure_kind == MeasureKind.YES_NO:
        pass_mark = "yes"  # noqa: S105 - a yes/no target's pass mark, not a password
    else:
        comparing = "above" if rule.strict else "at least"
        pass_mark = f"{comparing} each authority's own target value"
    if rule.measure_kind == MeasureKind.YES_NO:
        amber, tolerance = "none: yes or no", "not applied to yes/no"
    else:
        amber = wording.amber_words(rule).removeprefix("the amber margin of ")
        if rule.measure_kind in {MeasureKind.ORDINAL, MeasureKind.MILESTONE}:
            tolerance = "not applied to levels"
        else:
            tolerance = (
                wording.tolerance_words(rule).removeprefix("the ").removesuffix(" tolerance")
                + ": the worse / within / better mark only"
            )
    return RuleFacts(
        rule_text=rule_in_words(target),
        pass_mark=pass_mark,
        threshold_words=target.threshold_words,
        threshold_reading=target.threshold_reading,
        amber_margin=amber,
        tolerance=tolerance,
    )


# The improvement plans' milestones and year targets, and the projects: models of this app kept
# in their own modules (imported here so that Django registers them).
from .plans import Milestone, YearTarget  # noqa: E402, F401
from .projects import Project, ProjectAuthority, ProjectStatus, ProjectTarget  # noqa: E402, F401
from .stamp import ReferenceStamp  # noqa: E402, F401
