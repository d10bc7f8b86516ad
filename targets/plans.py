"""An improvement plan's commitments: their year targets and milestones (seed 004).

A council's improvement plan is a target set of kind "improvement_plan" (``TargetSet.kind``)
whose targets are its commitments ("We will achieve"), each under a theme (the service's
table), with its printed reference, priority and responsible officer on the target itself.
Two small models add what a commitment may have besides:

* ``YearTarget``: the trajectory, year by year ("Year 1 Target of 112 … Year 2 target of 110 …
  Year 3 reward target of 69"). The year's value is the trajectory point a figure is rated
  against (targets.rating.trajectory); the last one is the final target, which the target's
  threshold holds.
* ``Milestone``: a dated step ("Implement new action plan to achieve level 3 of the Equality
  Standard December 2008"), with the paper's own words for when it is due.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models

__all__ = ["Milestone", "YearTarget", "year_target_values"]


class YearTarget(models.Model):
    """One year's target of a commitment: a point on its trajectory."""

    target = models.ForeignKey(
        "targets.Target", on_delete=models.CASCADE, related_name="year_targets"
    )
    label = models.CharField(max_length=60, help_text='As printed: "Year 2", "2008/09".')
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="The financial year it is for, by the calendar year it starts (2007 for "
        "2007/08); empty where the paper does not say which year.",
    )
    value = models.DecimalField(max_digits=16, decimal_places=4)
    order = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=300, help_text="Paper and line cited.")

    class Meta:
        ordering = ["target", "order", "year"]
        constraints = [
            models.UniqueConstraint(fields=["target", "label"], name="one_year_target_per_label"),
            models.UniqueConstraint(
                fields=["target", "year"],
                condition=models.Q(year__isnull=False),
                name="one_year_target_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.label}: {self.value.normalize():f}"

    @property
    def year_label(self) -> str:
        return f"{self.year}/{(self.year + 1) % 100:02d}" if self.year is not None else ""


class Milestone(models.Model):
    """A dated step of a commitment, as the plan words it."""

    target = models.ForeignKey(
        "targets.Target", on_delete=models.CASCADE, related_name="milestones"
    )
    description = models.CharField(max_length=300)
    due = models.DateField(
        null=True, blank=True, help_text="Empty where the paper names a season, not a month."
    )
    due_words = models.CharField(
        max_length=60, help_text='When it is due, in the paper\'s words: "Summer 2008".'
    )
    order = models.PositiveSmallIntegerField(default=0)
    source = models.CharField(max_length=300, help_text="Paper and line cited.")

    class Meta:
        ordering = ["target", "order", "due"]

    def __str__(self) -> str:
        return f"{self.description} ({self.due_words})"

    def clean(self) -> None:
        if not self.due_words.strip():
            raise ValidationError({"due_words": "Say when it is due, as the paper words it."})


def year_target_values(*, target_ids: list[int], year: int) -> dict[int, Decimal]:
    """The year targets of ``year`` by target id (one query): the trajectory points a new line
    of that year starts with (returns.services, when a plan's return is opened)."""
    if not target_ids:
        return {}
    return dict(
        YearTarget.objects.filter(target_id__in=target_ids, year=year).values_list(
            "target_id", "value"
        )
    )
