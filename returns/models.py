"""Quarterly returns: one sub-region's values and ratings for one target set and quarter."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from authorities.models import Authority, SubRegion
from authorities.roles import sub_region_of
from targets.models import Target, TargetSet

from .periods import Quarter


class ReturnStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned for changes"


EDITABLE_STATUSES = frozenset({ReturnStatus.DRAFT, ReturnStatus.RETURNED})


class ReturnQuerySet(models.QuerySet):
    def for_user(self, user) -> ReturnQuerySet:
        """The returns a user may see: a programme manager their own sub-region's; readers all."""
        if not user.is_authenticated or not user.has_perm("returns.view_return"):
            return self.none()
        sub_region = sub_region_of(user)
        if sub_region is not None and not user.has_perm("returns.view_all_returns"):
            return self.filter(sub_region=sub_region)
        return self

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
    AWAITING = "awaiting", "Awaiting data"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    NO_RETURN = "no_return", "No return"


class Rating(models.TextChoices):
    RED = "R", "Red"
    AMBER = "A", "Amber"
    GREEN = "G", "Green"
    GREY = "GREY", "Grey (awaiting data)"
    NOT_APPLICABLE = "NA", "Not applicable"


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
    "comment",
    "source",
)


class ReturnLineQuerySet(models.QuerySet):
    def for_user(self, user) -> ReturnLineQuerySet:
        return self.filter(return_obj__in=Return.objects.for_user(user))

    def for_grid(self) -> ReturnLineQuerySet:
        return self.select_related("authority", "target", "target__measure").order_by(
            "authority__kind", "authority__name", "target__theme__order", "target__priority"
        )


class ReturnLine(models.Model):
    """One authority against one target in a return: the value, its target and its rating.

    The computed fields (status, computed and effective rating, explanation) are derived by
    targets.rating from the value, the target value and the target's rule whenever the line
    is written through returns.services; they are stored so dashboards aggregate in SQL.
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
    manual_rating = models.CharField(max_length=4, choices=Rating.choices, blank=True)
    manual_reason = models.TextField(blank=True)
    comment = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True, help_text="Where the figure came from.")

    status = models.CharField(max_length=10, choices=ComparisonStatus.choices, blank=True)
    computed_rating = models.CharField(max_length=4, choices=Rating.choices, blank=True)
    effective_rating = models.CharField(max_length=4, choices=Rating.choices, blank=True)
    explanation = models.TextField(blank=True)

    changed_in_version = models.PositiveIntegerField(default=1)
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
        if self.manual_rating and not self.manual_reason.strip():
            errors["manual_reason"] = "A manual rating needs its reason."
        if self.state == LineState.VALUE and self.actual is None:
            errors["actual"] = "A line with a value given needs the value."
        if self.state != LineState.VALUE and self.actual is not None:
            errors["state"] = "A value is given: the state must be 'value given'."
        if errors:
            raise ValidationError(errors)

    @property
    def overridden(self) -> bool:
        return bool(self.manual_rating) and self.manual_rating != self.computed_rating


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
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["return_obj", "at", "id"]

    def __str__(self) -> str:
        return f"{self.return_obj}: {self.from_status} → {self.to_status}"
