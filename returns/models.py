"""Quarterly returns: one sub-region's values and ratings for one target set and quarter."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from authorities.models import Authority, Region, SubRegion
from targets.models import RuleKind, Target, TargetSet

from .access import scope_of
from .periods import Quarter
from .workflow import COMMENT_MAX

#: The longest text a person may keep in a comment or a reason: a long paragraph, never a
#: file's worth (a 90 MB comment once made a line page 270 MB and a Board paper 6 minutes).
MAX_TEXT = COMMENT_MAX  # the one bound of every text a return keeps (issue 12)


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned for changes"


EDITABLE_STATUSES = frozenset({ReturnStatus.DRAFT, ReturnStatus.RETURNED})


class ReturnQuerySet(models.QuerySet):
    def for_user(self, user) -> ReturnQuerySet:
        """The returns a user may see (returns.access.scope_of: the one visibility rule)."""
        return scope_of(user).filter(self, "sub_region_id")

    def for_quarter(self, quarter: Quarter) -> ReturnQuerySet:
        return self.filter(year=quarter.year, quarter=quarter.quarter)


class Return(models.Model):
    """One sub-region's return for one target set and one quarter."""

    sub_region = models.ForeignKey(SubRegion, on_delete=models.PROTECT, related_name="returns")
    target_set = models.ForeignKey(TargetSet, on_delete=models.PROTECT, related_name="returns")
    year = models.PositiveSmallIntegerField(help_text="Calendar year the financial year starts.")
    quarter = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=ReturnStatus.choices, default=ReturnStatus.DRAFT
    )
    # Bumped by every write to the return or its lines: a save based on an older version is
    # refused instead of overwriting what someone else changed meanwhile.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Timeliness (as DHIS2 records it): set by the first submission, against the deadline in
    # force then; later submissions (after a send-back or a reopening) leave it as it is.
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="First submitted.")
    submitted_due = models.DateField(
        null=True, blank=True, help_text="The deadline in force when it was first submitted."
    )
    submitted_on_time = models.BooleanField(
        null=True, blank=True, help_text="Empty: no deadline was set when it was submitted."
    )

    objects = ReturnQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "-quarter", "sub_region__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["sub_region", "target_set", "year", "quarter"],
                name="one_return_per_quarter",
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="quarter_1_to_4"
            ),
        ]
        permissions = [
            ("view_all_returns", "Can view the returns of every sub-region"),
            ("submit_return", "Can submit a return for sign-off"),
            ("approve_return", "Can approve, return or reopen a return"),
            (
                "record_plan_progress",
                "Can record an improvement plan's progress ratings (any council's plan)",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sub_region} · {self.target_set.title} · {self.period}"

    @property
    def period(self) -> Quarter:
        return Quarter(self.year, self.quarter)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class LineState(models.TextChoices):
    VALUE = "value", "Value given"
    MET = "met", "Stated met (no figure)"
    NOT_MET = "not_met", "Stated not met (no figure)"
    AWAITING = "awaiting", "Awaiting data"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    NO_RETURN = "no_return", "No return"
    PROGRESS = "progress", "Progress rated by hand (no figure)"
    NOT_YET_DUE = "not_yet_due", "Not yet due (data in a later quarter)"


class Rating(models.TextChoices):
    RED = "R", "Red"
    AMBER = "A", "Amber"
    GREEN = "G", "Green"
    ACHIEVED = "ACH", "Achieved"
    NOT_YET_DUE = "NYD", "Not yet due"
    GREY = "GREY", "Grey (awaiting data)"
    NOT_APPLICABLE = "NA", "Not applicable"


#: A person rates a line by hand R, A or G (not applicable is a state, with its reason).
MANUAL_RATINGS = (Rating.RED, Rating.AMBER, Rating.GREEN)
#: An improvement plan's commitment is rated on seed 004's key: R, A, G or Achieved.
PLAN_MANUAL_RATINGS = (*MANUAL_RATINGS, Rating.ACHIEVED)
#: The states only an improvement plan's commitment takes (the trajectory rule's).
PLAN_STATES = frozenset({LineState.PROGRESS})
#: A sub-region's own overall rating: R, A, G, or Grey ("not possible to evaluate").
REPORTED_RATINGS = (Rating.RED, Rating.AMBER, Rating.GREEN, Rating.GREY)


class LineScope(models.TextChoices):
    IN = "in", "In the target's scope"
    OUTSIDE = "outside", "Reported, outside the target's scope"


class ComparisonStatus(models.TextChoices):
    WORSE = "worse", "Worse than tolerance"
    WITHIN = "within", "Within tolerance"
    BETTER = "better", "Better than tolerance"


#: The fields of a line that people write (the rest is derived by the rating engine).
EDITABLE_LINE_FIELDS = (
    "state",
    "actual",
    "target_value",
    "date_of_data",
    "manual_rating",
    "manual_reason",
    "state_reason",
    "comment",
    "source",
)
#: The fields the rating engine derives and stores, once, whenever a line or its target changes.
RATED_LINE_FIELDS = ("status", "computed_rating", "effective_rating", "counted", "explanation")


def _text_limit():
    return [MaxLengthValidator(MAX_TEXT)]


class ReturnLineQuerySet(models.QuerySet):
    def for_user(self, user) -> ReturnLineQuerySet:
        return self.filter(return_obj__in=Return.objects.for_user(user))

    def for_grid(self) -> ReturnLineQuerySet:
        return self.select_related("authority", "target", "target__measure").order_by(
            "authority__kind", "authority__name", "target__theme__order", "target__priority"
        )


class ReturnLine(models.Model):
    """One authority against one target in a return: the value, its target and its rating.

    The rated fields (the mark against tolerance, computed and effective rating, whether it
    counts, the explanation) are derived by the rating engine from the value, the target value
    and the target's rule, once, whenever the line or its target changes (returns.rating), and
    stored: every reader reads them. ``scope`` is "outside" for a line a sub-region reported
    for an authority the target's rule does not cover: kept, shown, never counted.
    """

    return_obj = models.ForeignKey(
        Return, on_delete=models.CASCADE, related_name="lines", db_column="return_id"
    )
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="lines")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="lines")
    state = models.CharField(max_length=20, choices=LineState.choices, default=LineState.AWAITING)
    actual = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    target_value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    date_of_data = models.DateField(null=True, blank=True)
    manual_rating = models.CharField(
        max_length=4,
        choices=Rating.choices,
        blank=True,
        help_text="The sub-region's own rating of the line, kept and shown beside the rule's.",
    )
    manual_reason = models.TextField(blank=True, validators=_text_limit())
    state_reason = models.TextField(
        blank=True,
        validators=_text_limit(),
        help_text=(
            "Why the line is marked not applicable, or when data not yet due will come "
            "(required then)."
        ),
    )
    comment = models.TextField(blank=True, validators=_text_limit())
    source = models.CharField(max_length=300, blank=True, help_text="Where the figure came from.")
    scope = models.CharField(max_length=10, choices=LineScope.choices, default=LineScope.IN)

    status = models.CharField(max_length=10, choices=ComparisonStatus.choices, blank=True)
    computed_rating = models.CharField(max_length=4, choices=Rating.choices, blank=True)
    effective_rating = models.CharField(max_length=4, choices=Rating.choices, blank=True)
    counted = models.BooleanField(
        default=True, help_text="Counts in overall ratings: in scope and not marked n/a."
    )
    explanation = models.TextField(blank=True)

    changed_in_version = models.PositiveIntegerField(default=1)
    # Filled by copy forward from the quarter before and not edited since: marked in the grid
    # until someone writes the line again (returns.copy_forward, services.update_lines).
    copied_forward = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ReturnLineQuerySet.as_manager()

    class Meta:
        ordering = ["return_obj", "authority__name", "target__priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["return_obj", "authority", "target"], name="one_line_per_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.authority.short_name} · {self.target.number}"

    def clean(self) -> None:
        errors = {}
        plan = bool(self.target_id) and self.target.rule == RuleKind.TRAJECTORY
        if self.manual_rating and self.manual_rating not in (
            PLAN_MANUAL_RATINGS if plan else MANUAL_RATINGS
        ):
            errors["manual_rating"] = (
                "Rate a line R, A or G by hand (an improvement plan's commitment: R, A, G or "
                "Achieved); mark it not applicable (with the reason) instead of rating it n/a, "
                "leave it awaiting data instead of Grey, and mark it not yet due instead."
            )
        elif self.manual_rating and not self.manual_reason.strip():
            errors["manual_reason"] = "A manual rating needs its reason."
        if self.state in PLAN_STATES and not plan:
            errors["state"] = (
                "Only an improvement plan's commitment is rated by hand without a figure."
            )
        if self.state == LineState.PROGRESS and not self.manual_rating:
            errors["manual_rating"] = (
                "Give the rating of the progress (Green, Amber, Red or Achieved)."
            )
        if self.state == LineState.NOT_YET_DUE:
            if not self.state_reason.strip():
                errors["state_reason"] = (
                    'Say when the data will come ("Data will be available in Qrt 2").'
                )
            if self.manual_rating:
                errors["manual_rating"] = (
                    "A line not yet due has no rating yet: give the note instead."
                )
        if self.state == LineState.VALUE and self.actual is None:
            errors["actual"] = "A line with a value given needs the value."
        if self.state != LineState.VALUE and self.actual is not None:
            errors["state"] = "A value is given: the state must be 'value given'."
        if self.state == LineState.NOT_APPLICABLE and not self.state_reason.strip():
            errors["state_reason"] = "Say why the target does not apply to this authority."
        statement = self.state in {LineState.MET, LineState.NOT_MET}
        if statement and self.target_id and self.target.measure.kind == "yes_no":
            errors["state"] = "For a yes/no target, give the value yes or no."
        if errors:
            raise ValidationError(errors)

    @property
    def overridden(self) -> bool:
        """The sub-region's own rating differs from the rule's R, A or G (both are shown)."""
        return (
            bool(self.manual_rating)
            and self.computed_rating in MANUAL_RATINGS
            and self.manual_rating != self.computed_rating
        )

    @property
    def outside_scope(self) -> bool:
        return self.scope == LineScope.OUTSIDE

    @property
    def stands_in(self) -> bool:
        """No value for the rule to rate: the sub-region's own R, A or G stands for the line."""
        return bool(self.manual_rating) and self.computed_rating not in MANUAL_RATINGS


class Transition(models.Model):
    """A step of a return's sign-off, with who, when and why."""

    return_obj = models.ForeignKey(
        Return, on_delete=models.CASCADE, related_name="transitions", db_column="return_id"
    )
    from_status = models.CharField(max_length=10, choices=ReturnStatus.choices)
    to_status = models.CharField(max_length=10, choices=ReturnStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="return_transitions"
    )
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True, validators=_text_limit())
    #: At a submission, the lines still awaiting data: [{"line", "where", "reason"}] (the
    #: reason "" when the programme manager confirmed them all at once).
    awaiting = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["return_obj", "at", "id"]

    def __str__(self) -> str:
        return f"{self.return_obj}: {self.from_status} → {self.to_status}"


class ReportedRating(models.Model):
    """A sub-region's own overall rating of one target in its return, with its reason.

    Kept and shown beside the computed overall rating everywhere, and flagged where they differ
    (Lincolnshire's "RAG" and "Comments on RAG" columns; Derbyshire's overall row).
    """

    return_obj = models.ForeignKey(
        Return, on_delete=models.CASCADE, related_name="reported_ratings", db_column="return_id"
    )
    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="reported_ratings")
    rating = models.CharField(
        max_length=4,
        choices=[(rating.value, rating.label) for rating in REPORTED_RATINGS],
        help_text='Grey: the sub-region says it cannot be evaluated yet (the papers\' "-").',
    )
    reason = models.TextField(validators=_text_limit())
    source = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["return_obj", "target__priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["return_obj", "target"], name="one_reported_per_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.return_obj}: target {self.target.number} rated {self.rating}"

    def clean(self) -> None:
        if not self.reason.strip():
            raise ValidationError({"reason": "Give the sub-region's reason for its rating."})


class Basis(models.TextChoices):
    """Which returns an overall rating rests on."""

    APPROVED = "approved", "Approved returns only"
    ALL = "all", "All returns (draft and submitted too)"


class OverallQuerySet(models.QuerySet):
    def region_rows(self):
        return self.filter(sub_region__isnull=True)


class Overall(models.Model):
    """The overall rating of one target for one quarter: a sub-region's, or a region's.

    Kept up to date in the same transaction as the lines it rests on (returns.overall), for
    each basis (approved returns only, or all), so that a dashboard reads a bounded number of
    rows whatever the number of lines, quarters or regions. ``sub_region`` is null for the
    region's row. ``counts`` are the lines by what they show (R, A, G, GREY, missing, NA,
    outside); ``states`` by their state (for completeness); ``returns`` the returns the rating
    rests on by status ("none": a sub-region without a return). ``reported_*`` is the
    sub-region's own rating (sub-region rows only), and ``differs`` flags a disagreement.
    """

    target_set = models.ForeignKey(TargetSet, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="overall_ratings")
    year = models.PositiveSmallIntegerField()
    quarter = models.PositiveSmallIntegerField()
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    sub_region = models.ForeignKey(
        SubRegion, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    basis = models.CharField(max_length=10, choices=Basis.choices)
    rating = models.CharField(max_length=4, choices=Rating.choices, blank=True)
    explanation = models.TextField()
    value = models.DecimalField(max_digits=24, decimal_places=8, null=True, blank=True)
    counts = models.JSONField(default=dict)
    states = models.JSONField(default=dict)
    returns = models.JSONField(default=dict)
    relevant = models.PositiveIntegerField(default=0)
    known = models.PositiveIntegerField(default=0)
    reported_rating = models.CharField(max_length=4, choices=Rating.choices, blank=True)
    reported_reason = models.TextField(blank=True)
    differs = models.BooleanField(default=False)
    # A region's row of a target on an ordinal measure: how many authorities with a figure are
    # at each level, by kind ({"district": {"3": 4, "2": 1}}), so that the regions can be
    # compared from a few stored rows (returns.region_shares), never from every line.
    levels = models.JSONField(default=dict, blank=True)
    # The counted lines rated R, A, G or Achieved, by authority id ({"12": "G"}): what the
    # comparison of two quarters pairs to say whose rating moved (targets.rating.moves),
    # kept here so that it reads no line.
    marks = models.JSONField(default=dict, blank=True)

    objects = OverallQuerySet.as_manager()

    class Meta:
        ordering = ["target_set", "year", "quarter", "region", "sub_region", "target"]
        indexes = [
            models.Index(
                fields=["target_set", "year", "quarter", "basis"], name="overall_by_quarter"
            ),
            models.Index(fields=["target", "basis", "year", "quarter"], name="overall_by_target"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "year", "quarter", "sub_region", "basis"],
                condition=Q(sub_region__isnull=False),
                name="one_overall_per_sub_region",
            ),
            models.UniqueConstraint(
                fields=["target", "year", "quarter", "region", "basis"],
                condition=Q(sub_region__isnull=True),
                name="one_overall_per_region",
            ),
        ]

    def __str__(self) -> str:
        where = self.sub_region_id or f"region {self.region_id}"
        return f"{self.target_id} {self.year}Q{self.quarter} {where} {self.basis}: {self.rating}"

    @property
    def period(self) -> Quarter:
        return Quarter(self.year, self.quarter)


class Rerating(models.Model):
    """One change of a target's rule (or of its measure) and the re-rating of its lines, in one
    recorded step: who, when, why, what changed, how many lines were rated and changed."""

    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="reratings")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(validators=_text_limit())
    changes = models.JSONField(default=dict, help_text="Field: [old, new], as text.")
    lines_rated = models.PositiveIntegerField(default=0)
    lines_changed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Re-rating #{self.pk} of {self.target_id}: {self.lines_changed} lines changed"


class ReratingLine(models.Model):
    """One line whose stored rating a re-rating changed, before and after."""

    rerating = models.ForeignKey(Rerating, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(ReturnLine, on_delete=models.CASCADE, related_name="reratings")
    before_rating = models.CharField(max_length=4, choices=Rating.choices, blank=True)
    after_rating = models.CharField(max_length=4, choices=Rating.choices, blank=True)
    before_status = models.CharField(max_length=10, choices=ComparisonStatus.choices, blank=True)
    after_status = models.CharField(max_length=10, choices=ComparisonStatus.choices, blank=True)

    class Meta:
        ordering = ["rerating", "line"]

    def __str__(self) -> str:
        return f"{self.line_id}: {self.before_rating} → {self.after_rating}"


# The work around returns (deadlines, notices, pending imports): see returns.work_models.
from .work_models import (  # noqa: E402
    REMINDER_KINDS,
    UPLOAD_UNFINISHED,
    Deadline,
    EmailState,
    ImportUpload,
    NoticeKind,
    NoticeSettings,
    Notification,
    UploadState,
)

__all__ = [
    "EDITABLE_LINE_FIELDS",
    "EDITABLE_STATUSES",
    "MANUAL_RATINGS",
    "MAX_TEXT",
    "RATED_LINE_FIELDS",
    "REMINDER_KINDS",
    "REPORTED_RATINGS",
    "UPLOAD_UNFINISHED",
    "Basis",
    "ComparisonStatus",
    "Deadline",
    "EmailState",
    "ImportUpload",
    "LineScope",
    "LineState",
    "NoticeKind",
    "NoticeSettings",
    "Notification",
    "Overall",
    "Rating",
    "ReportedRating",
    "Rerating",
    "ReratingLine",
    "Return",
    "ReturnLine",
    "ReturnStatus",
    "Transition",
    "UploadState",
]
