"""The models of the work around returns: deadlines, notices and reminders, pending imports.

Imported at the end of returns.models (Django finds an app's models there); kept apart so that
neither module grows past a few hundred lines.

* ``Deadline``: the day a quarter's returns are due, set by a region's Director, for every
  target set of the region in force that quarter or for one set (which then wins over the
  region's general one). Each region has its own: one region's Director never moves another's.
* ``Notification``: one notice to one person (a return submitted, sent back, approved or
  reopened; a reminder), listed in the app and emailed. A reminder carries a ``key`` unique
  to it (who, which return, which deadline, before or after), so it is never sent twice.
* ``NoticeSettings``: a person's opt-out of reminders (sign-off notices cannot be turned off).
* ``ImportUpload``: an uploaded returns file kept for a limited time between its preview and
  its application, with the preview, the outcome and the progress of background work.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from authorities.models import Region
from targets.models import TargetSet

from .periods import Quarter


class Deadline(models.Model):
    """The last day on which a quarter's returns are on time (the whole day counts)."""

    year = models.PositiveSmallIntegerField(help_text="Calendar year the financial year starts.")
    quarter = models.PositiveSmallIntegerField()
    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        related_name="deadlines",
        help_text="The region whose returns are due (a set's deadline: the set's region).",
    )
    target_set = models.ForeignKey(
        TargetSet,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadlines",
        help_text="Empty: every target set of the region in force that quarter.",
    )
    due = models.DateField("Returns due by")
    note = models.CharField(
        max_length=300, blank=True, help_text="Shown beside the deadline (where it comes from)."
    )
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-year", "-quarter", "target_set__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "quarter", "target_set"],
                condition=Q(target_set__isnull=False),
                name="one_deadline_per_set_and_quarter",
            ),
            models.UniqueConstraint(
                fields=["region", "year", "quarter"],
                condition=Q(target_set__isnull=True),
                name="one_general_deadline_per_region_and_quarter",
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="deadline_quarter_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        which = self.target_set.title if self.target_set_id else "every target set"
        return f"{self.period.label} ({which}): due {self.due:%d %b %Y}"

    def clean(self) -> None:
        # A set's deadline belongs to the set's region: it can never make another region's
        # returns due.
        if self.target_set_id and self.region_id and self.target_set.region_id != self.region_id:
            raise ValidationError({"target_set": "This target set belongs to another region."})

    @property
    def period(self) -> Quarter:
        return Quarter(self.year, self.quarter)


class NoticeKind(models.TextChoices):
    SUBMITTED = "submitted", "Return submitted"
    RETURNED = "returned", "Return sent back"
    APPROVED = "approved", "Return approved"
    REOPENED = "reopened", "Return reopened"
    REMINDER_BEFORE = "reminder_before", "Reminder: deadline approaching"
    REMINDER_AFTER = "reminder_after", "Reminder: deadline missed"


REMINDER_KINDS = frozenset({NoticeKind.REMINDER_BEFORE, NoticeKind.REMINDER_AFTER})


class EmailState(models.TextChoices):
    PENDING = "pending", "Waiting to be emailed"
    SENDING = "sending", "Being emailed"
    SENT = "sent", "Emailed"
    FAILED = "failed", "Email failed"
    NO_ADDRESS = "no_address", "Not emailed: no address"


class Notification(models.Model):
    """One notice to one person, listed in the app and emailed once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NoticeKind.choices)
    return_obj = models.ForeignKey(
        "returns.Return",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        db_column="return_id",
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=300, blank=True, help_text="A path in the app.")
    #: A reminder's identity: who, which return, which deadline, before or after ("" for
    #: sign-off notices). Unique: the same reminder is never recorded, so never sent, twice.
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email_state = models.CharField(
        max_length=12, choices=EmailState.choices, default=EmailState.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notices_of_recipient"),
            models.Index(fields=["email_state"], name="notices_by_email_state"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~Q(key=""), name="one_per_reminder"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}: {self.subject}"

    @property
    def is_reminder(self) -> bool:
        return self.kind in REMINDER_KINDS


class NoticeSettings(models.Model):
    """Which reminders a person wants (sign-off notices are always sent)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_settings"
    )
    remind_before = models.BooleanField(
        "Remind me before a deadline",
        default=True,
        help_text="An email some days before the deadline of a return not yet submitted.",
    )
    remind_after = models.BooleanField(
        "Remind me after a missed deadline",
        default=True,
        help_text="An email the day after the deadline of a return not yet submitted.",
    )

    class Meta:
        verbose_name_plural = "notice settings"

    def __str__(self) -> str:
        return f"Notice settings of {self.user}"

    def wants(self, kind: str) -> bool:
        if kind == NoticeKind.REMINDER_BEFORE:
            return self.remind_before
        if kind == NoticeKind.REMINDER_AFTER:
            return self.remind_after
        return True  # sign-off notices stay on


class UploadState(models.TextChoices):
    CHECKING = "checking", "Being checked"
    CHECKED = "checked", "Checked: ready to apply"
    REFUSED = "refused", "Refused: problems found"
    APPLYING = "applying", "Being applied"
    APPLIED = "applied", "Applied"
    FAILED = "failed", "Failed"


UPLOAD_UNFINISHED = frozenset({UploadState.CHECKING, UploadState.APPLYING})


class ImportUpload(models.Model):
    """An uploaded returns file, kept between its preview and its application (then emptied),
    and deleted whole when it expires."""

    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_uploads"
    )
    filename = models.CharField(max_length=200)
    content = models.BinaryField(editable=False)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    expires_at = models.DateTimeField()
    state = models.CharField(
        max_length=10, choices=UploadState.choices, default=UploadState.CHECKING
    )
    stage = models.CharField(max_length=200, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    background = models.BooleanField(default=False, help_text="Run by the task worker.")
    task_id = models.CharField(max_length=64, blank=True)
    #: The version of each return the file goes to, when it was checked ("sub-region id:set
    #: id:year:quarter" → version; 0 for a return that did not exist yet).
    versions = models.JSONField(default=dict)
    preview = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_state_display().lower()})"

    @property
    def finished(self) -> bool:
        return self.state not in UPLOAD_UNFINISHED


__all__ = [
    "REMINDER_KINDS",
    "UPLOAD_UNFINISHED",
    "Deadline",
    "EmailState",
    "ImportUpload",
    "NoticeKind",
    "NoticeSettings",
    "Notification",
    "UploadState",
]
