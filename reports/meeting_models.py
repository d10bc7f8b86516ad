"""A meeting's minutes and its actions log.

* ``Decision``: what the meeting decided, numbered 1, 2, 3 ... within the meeting in the order
  the minutes record them (the minutes number their items, not their decisions), each under
  the agenda item it was taken at where known, and citing the paper and line it comes from.
* ``Action``: an action raised at a meeting ("Action 3 - To identify and cost ... – AF"), its
  owner as the minutes name them, the meeting it is due at, and whether it is done. An open
  action carries to every later meeting's page until it is done (``reports.meetings``).
  ``status_recorded`` says whether anyone recorded its status: the papers never say whether an
  action was done, so the actions loaded from them are open with the status "not recorded",
  and the page says so rather than claim it.

Both keep their history (django-simple-history): who changed what, when.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords


class Decision(models.Model):
    """A numbered decision in a meeting's minutes."""

    meeting = models.ForeignKey(
        "reports.Meeting", on_delete=models.CASCADE, related_name="decisions"
    )
    agenda_item = models.ForeignKey(
        "reports.AgendaItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="decisions",
        help_text="The item of the meeting it was taken at, where the minutes say.",
    )
    number = models.PositiveSmallIntegerField(help_text="1, 2, 3 ... within the meeting.")
    text = models.TextField()
    source = models.CharField(
        max_length=300, blank=True, help_text="The paper and line it comes from."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"],
                name="unique_decision_number",
                violation_error_message="The meeting already has a decision with this number.",
            ),
        ]

    def __str__(self) -> str:
        return f"Decision {self.number} of the {self.meeting}"

    def clean(self) -> None:
        if self.agenda_item_id and self.agenda_item.meeting_id != self.meeting_id:
            raise ValidationError(
                {"agenda_item": f"Item {self.agenda_item.number} is not on this meeting's agenda."}
            )


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"


class Action(models.Model):
    """An action from a meeting's minutes: what, who, due when, and whether it is done."""

    raised_at = models.ForeignKey(
        "reports.Meeting", on_delete=models.CASCADE, related_name="actions"
    )
    agenda_item = models.ForeignKey(
        "reports.AgendaItem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        help_text="The item of the meeting it was raised at, where the minutes say.",
    )
    number = models.PositiveSmallIntegerField(help_text="As the minutes number it.")
    text = models.TextField()
    owner = models.CharField(max_length=200, help_text='As the minutes name them: "AF".')
    due_meeting = models.ForeignKey(
        "reports.Meeting",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions_due",
        help_text="The meeting it is due at; none where the minutes name no meeting.",
    )
    due_text = models.CharField(
        max_length=200, blank=True, help_text='When, in the minutes\' words: "by 15th December".'
    )
    status = models.CharField(
        max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    status_recorded = models.BooleanField(
        default=True,
        help_text="False where nobody has recorded its status (the papers do not say).",
    )
    done_note = models.TextField(blank=True, help_text="What was done, when it was marked done.")
    source = models.CharField(
        max_length=300, blank=True, help_text="The paper and line it comes from."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["raised_at__date", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["raised_at", "number"],
                name="unique_action_number",
                violation_error_message="The meeting already has an action with this number.",
            ),
        ]

    def __str__(self) -> str:
        return f"Action {self.number} of the {self.raised_at}"

    @property
    def is_open(self) -> bool:
        return self.status == ActionStatus.OPEN

    def clean(self) -> None:
        errors = {}
        if self.agenda_item_id and self.agenda_item.meeting_id != self.raised_at_id:
            errors["agenda_item"] = (
                f"Item {self.agenda_item.number} is not on the agenda of the meeting the action "
                "was raised at."
            )
        if (
            self.due_meeting_id
            and self.raised_at_id
            and self.due_meeting.region_id != self.raised_at.region_id
        ):
            errors["due_meeting"] = (
                f"The {self.due_meeting} is another region's Board's: an action stays with the "
                "Board that raised it."
            )
        elif (
            self.due_meeting_id
            and self.raised_at_id
            and self.due_meeting.date <= self.raised_at.date
        ):
            errors["due_meeting"] = (
                f"The {self.due_meeting} is not after the {self.raised_at}, where the action "
                "was raised."
            )
        if self.status == ActionStatus.DONE and not self.done_note.strip():
            errors["done_note"] = "Say what was done."
        if errors:
            raise ValidationError(errors)
