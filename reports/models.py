"""Board papers built from the returns: meetings, agenda items and the Director's reports.

The papers look like the partnership's own (seeds 001 and 002): "Agenda item No: 8 / EAST
MIDLANDS IMPROVEMENT AND EFFICIENCY PARTNERSHIP BOARD MEETING: 20th January 2010 / Report of the
Director / title / 1. Purpose of the report / 1.1 ...", then appendices built from the returns.

* ``Meeting`` and ``AgendaItem``: when and where the Board meets, and what it discusses.
* ``Paper``: a "Report of the Director" for one agenda item, about one target set and quarter;
  its ``Section`` rows hold the text (Markdown, sanitised when shown; paragraphs are numbered
  1.1, 1.2 ... automatically, see ``reports.markdown``). A paper stays editable; it is what the
  Director works on.
* ``IssuedPaper``: one issue of a paper, frozen: the PDF bytes, and the snapshot (JSON) of the
  text and the data it was built from, with their SHA-256 checksums. It is never updated: later
  changes to the returns or to the paper never alter it (``save`` refuses an update). Excel and
  CSV of an issue are rendered from its frozen snapshot.
* ``PaperBuild``: a file made outside the request by the task worker (reports.papers.builds,
  reports.tasks): a PDF, an issue, or a large Excel or CSV export of the data, with its status
  and progress for the status page; the finished file is kept on the row.
* ``WorkerHeartbeat``: each running task worker says it is alive (reports.worker), for the
  health check and to tell a dead worker's work from a live one's.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.urls import reverse
from django.utils import dateformat
from simple_history.models import HistoricalRecords

from returns.models import Basis
from returns.periods import Quarter
from targets.models import TargetSet

#: The longest body a paper's section may have, in characters.
SECTION_MAX = 50_000

#: The partnership's name as the papers printed it before meetings belonged to a region (a
#: snapshot of then does not say; every one was the East Midlands').
PARTNERSHIP = "East Midlands Improvement and Efficiency Partnership"

#: The appendices a paper may carry, in the order they are printed (key, title).
APPENDIX_CHOICES = (
    ("region", "Regional overview: overall ratings by sub-regional partnership"),
    ("srps", "The sub-regional partnerships' returns: ratings by authority"),
    ("explanations", "Overall ratings explained"),
    ("trends", "Trends"),
    ("overrides", "Where the sub-regions' own ratings differ from the rule's"),
    ("comments", "Comments in the returns"),
    ("key", "Key to the ratings"),
)
APPENDIX_KEYS = tuple(key for key, _ in APPENDIX_CHOICES)


def all_appendices() -> list[str]:
    """A new paper carries every appendix (the Director may leave some out)."""
    return list(APPENDIX_KEYS)


DEFAULT_SECTIONS = (
    "Purpose of the report",
    "Background",
    "Steering Group comments",
    "Recommendations",
)


class Meeting(models.Model):
    """A meeting of the Board (or another body of the partnership)."""

    body = models.CharField(
        max_length=150,
        default="Board",
        help_text='Who meets: "Board", "Officer Steering Group".',
    )
    date = models.DateField()
    starts_at = models.TimeField(null=True, blank=True)
    venue = models.CharField(max_length=300, blank=True)
    # Whose Board meets: its region's users (and national users) alone see the meeting, its
    # agenda and its papers (reports.regions, the one rule's region half).
    region = models.ForeignKey(
        "authorities.Region", on_delete=models.PROTECT, related_name="meetings"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Every change kept with its old and new values, who and when (issue 12).
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        ordering = ["-date", "body"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "body", "date"], name="one_meeting_per_region_body_and_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} meeting, {dateformat.format(self.date, 'j F Y')}"

    def get_absolute_url(self) -> str:
        return reverse("papers:meeting", args=[self.pk])

    @property
    def partnership(self) -> str:
        """Whose meeting: "East Midlands Improvement and Efficiency Partnership"."""
        return self.region.partnership

    @property
    def heading(self) -> str:
        """As the papers print it: "EAST MIDLANDS ... BOARD MEETING"."""
        return f"{self.partnership} {self.body} meeting".upper()


class ItemKind(models.TextChoices):
    """The kinds of agenda item, as seed 002's agenda groups them."""

    NOT_STATED = "", "Kind not stated"
    BUSINESS = "business", "Business of the meeting"  # apologies, minutes, matters arising
    DISCUSSION = "discussion", "For discussion"  # "Items for Discussion"
    INFORMATION = "information", "For information"  # "Information Items"
    PRESENTATION = "presentation", "Presentation"


class AgendaItem(models.Model):
    """One item of a meeting's agenda ("8. EM IEP Stretch Targets Review"), of any kind: a
    report on a target set, a report without one, a presentation, the minutes..."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=ItemKind.choices, default="", blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="unique_item_number"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting}, item {self.number}: {self.title}"


class Paper(models.Model):
    """A "Report of the Director" for one agenda item, with appendices from the returns.

    A paper on a target set is about one quarter of its returns and carries appendices built
    from them. A paper with no target set (``is_narrative``: seed 002's items 5 to 12, the
    capital projects, procurement, the conference...) is text alone: no quarter, no basis that
    matters, no appendices, no data to export.
    """

    agenda_item = models.OneToOneField(AgendaItem, on_delete=models.PROTECT, related_name="paper")
    title = models.CharField(max_length=300)
    target_set = models.ForeignKey(
        TargetSet,
        on_delete=models.PROTECT,
        related_name="papers",
        null=True,
        blank=True,
        help_text="None for a report without a target set (text alone, no appendices).",
    )
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Calendar year the financial year starts."
    )
    quarter = models.PositiveSmallIntegerField(null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="papers"
    )
    author_name = models.CharField(max_length=150, help_text="As signed: Chris Allison.")
    author_title = models.CharField(max_length=150, default="Director EM IEP")
    basis = models.CharField(
        "Returns the paper rests on",
        max_length=10,
        choices=Basis.choices,
        default=Basis.APPROVED,
        help_text="Approved returns only (the default), or submitted and draft ones too: the "
        "paper then says so on its first page and marks every figure they touch.",
    )
    appendices = models.JSONField(
        default=all_appendices,
        blank=True,
        help_text="The appendices the paper carries, by key (reports.models.APPENDIX_CHOICES).",
    )
    # Bumped by every save of the text, so that a save based on an older version is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The paper's details; its text is in its sections' history. The version is bumped by a
    # compare-and-set update (no save), so it is not kept here.
    history = HistoricalRecords(excluded_fields=["version", "created_at", "updated_at"])

    class Meta:
        ordering = ["-agenda_item__meeting__date", "agenda_item__number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="paper_quarter_1_to_4"
            ),
            # A paper on a target set has its quarter; a report without one has none.
            models.CheckConstraint(
                condition=models.Q(target_set__isnull=True, year__isnull=True, quarter__isnull=True)
                | models.Q(target_set__isnull=False, year__isnull=False, quarter__isnull=False),
                name="paper_quarter_with_target_set",
                violation_error_message="A paper on a target set needs its quarter; a report "
                "without a target set has none.",
            ),
        ]
        permissions = [("issue_paper", "Can issue a Board paper (freeze its PDF and data)")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("papers:paper", args=[self.pk])

    @property
    def is_narrative(self) -> bool:
        """A report without a target set: text alone."""
        return self.target_set_id is None

    def clean(self) -> None:
        if self.is_narrative:
            # Text alone: nothing from the returns to append, no quarter of theirs.
            if self.year is not None or self.quarter is not None:
                raise ValidationError("A report without a target set is about no quarter.")
            self.appendices = []
            return
        chosen = self.appendices
        if not isinstance(chosen, list) or not chosen:
            raise ValidationError({"appendices": "Choose at least one appendix."})
        unknown = [key for key in chosen if key not in APPENDIX_KEYS]
        if unknown:
            known = ", ".join(APPENDIX_KEYS)
            raise ValidationError(
                {"appendices": f"No appendix {', '.join(map(str, unknown))}; they are: {known}."}
            )
        # Always in the printed order, each once.
        self.appendices = [key for key in APPENDIX_KEYS if key in chosen]
        if self.year is None or self.quarter is None:
            return  # the form says what is missing; the constraint below, to anyone else
        try:
            Quarter(self.year, self.quarter)
        except (TypeError, ValueError) as error:
            raise ValidationError({"quarter": str(error)}) from error

    @property
    def period(self) -> Quarter | None:
        return None if self.is_narrative else Quarter(self.year, self.quarter)

    @property
    def meeting(self) -> Meeting:
        return self.agenda_item.meeting

    def latest_issue(self) -> IssuedPaper | None:
        return self.issues.order_by("-number").defer("pdf", "snapshot").first()


class Section(models.Model):
    """A numbered section of a paper: "2. Background", its body in Markdown.

    ``number`` is what is printed; it follows ``order`` (``reports.papers.services.renumber``,
    after every save of the text), so the sections read 1, 2, 3 ... whatever was inserted or
    deleted. The body's paragraphs are numbered 2.1, 2.2 ...
    when rendered (``reports.markdown.numbered_paragraphs``).
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="sections")
    number = models.PositiveSmallIntegerField(default=1)
    heading = models.CharField(max_length=200)
    body = models.TextField(
        blank=True,
        help_text="Plain text or Markdown.",
        # About 20 printed pages: a section is a paper's text, never a file's worth (issue 12:
        # an unbounded text once made a page of 270 MB and a paper build 6 minutes).
        validators=[MaxLengthValidator(SECTION_MAX)],
    )
    order = models.PositiveSmallIntegerField(default=0)
    # The text as it was before each save: who wrote what, when.
    history = HistoricalRecords()

    class Meta:
        ordering = ["paper", "order", "number", "id"]

    def __str__(self) -> str:
        return f"{self.number}. {self.heading}"


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class IssuedPaper(models.Model):
    """One issue of a paper, frozen: its PDF and the snapshot of the text and data behind it.

    Rows are written once and never updated. ``snapshot`` is the JSON structure built by
    ``reports.papers.snapshot`` (see there); ``snapshot_sha256`` is the checksum of its
    canonical form (sorted keys), so it is the same on SQLite and on PostgreSQL's jsonb.
    """

    paper = models.ForeignKey(Paper, on_delete=models.PROTECT, related_name="issues")
    number = models.PositiveSmallIntegerField(help_text="Issue 1, 2 ... of the paper.")
    title = models.CharField(max_length=300)
    issued_at = models.DateTimeField(help_text="When the data was frozen.")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="issued_papers"
    )
    snapshot = models.JSONField()
    snapshot_sha256 = models.CharField(max_length=64)
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    pages = models.PositiveIntegerField()

    class Meta:
        ordering = ["-issued_at", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "number"], name="unique_issue_number"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (issue {self.number})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError("An issued paper is frozen: it cannot be changed.")
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("papers:issued", args=[self.pk])

    @property
    def pdf_bytes(self) -> bytes:
        """The frozen PDF (PostgreSQL hands a BinaryField back as a memoryview)."""
        return bytes(self.pdf)

    def verify(self) -> bool:
        """Whether the stored PDF is still the one that was issued."""
        return sha256(self.pdf_bytes) == self.pdf_sha256


class BuildStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Building"
    DONE = "done", "Ready"
    FAILED = "failed", "Failed"


class BuildKind(models.TextChoices):
    PDF = "pdf", "PDF of the draft"
    ISSUE = "issue", "Issue (frozen PDF)"
    XLSX = "xlsx", "Excel of the data"
    CSV = "csv", "CSV of the data"


#: The kinds that are data exports (Excel, CSV), and their files' content types.
EXPORT_CONTENT_TYPES = {
    BuildKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    BuildKind.CSV: "text/csv; charset=utf-8",
}


class PaperBuild(models.Model):
    """A file made by the task worker: status, progress, and the finished file.

    For a PDF or an issue the snapshot is taken when the build is asked for (in the request),
    so the file shows the data as it was at that moment, however long the queue. An issue
    build creates its ``IssuedPaper`` when it finishes. A data export (Excel, CSV) of a draft
    takes its snapshot in the worker (at national scale the data alone takes seconds); one of
    an issue (``source_issue``) uses the issue's frozen snapshot. ``task_id`` is the
    django-tasks result that runs it, ``runner`` the process that claimed it.
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="builds")
    kind = models.CharField(max_length=10, choices=BuildKind.choices, default=BuildKind.PDF)
    status = models.CharField(
        max_length=10, choices=BuildStatus.choices, default=BuildStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    stage = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    snapshot = models.JSONField(null=True, blank=True)
    source_issue = models.ForeignKey(
        IssuedPaper,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exports",
        help_text="For an export of an issue's frozen data: the issue.",
    )
    task_id = models.CharField(max_length=64, blank=True, help_text="The django-tasks result.")
    runner = models.CharField(
        max_length=300, blank=True, help_text='The process making it: "host:pid".'
    )
    issue_number = models.PositiveSmallIntegerField(null=True, blank=True)
    content = models.BinaryField(null=True, blank=True)
    checksum = models.CharField(max_length=64, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    issued_paper = models.OneToOneField(
        IssuedPaper, on_delete=models.SET_NULL, null=True, blank=True, related_name="build"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="paper_builds"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.paper} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("papers:build", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in {BuildStatus.DONE, BuildStatus.FAILED}

    @property
    def is_export(self) -> bool:
        return self.kind in EXPORT_CONTENT_TYPES

    @property
    def content_type(self) -> str:
        return EXPORT_CONTENT_TYPES.get(self.kind, "application/pdf")

    @property
    def filename(self) -> str:
        meeting = self.paper.agenda_item.meeting
        stem = f"board-{meeting.date:%Y-%m-%d}-item-{self.paper.agenda_item.number}"
        if self.is_export:
            source = f"issue-{self.source_issue.number}" if self.source_issue_id else "draft"
            return f"{stem}-{source}-data.{self.kind}"
        suffix = f"issue-{self.issue_number}" if self.kind == BuildKind.ISSUE else "draft"
        return f"{stem}-{suffix}.pdf"


# Minutes and actions live in their own module; imported here so that Django finds them.
from .meeting_models import Action, ActionStatus, Decision  # noqa: E402, F401


class WorkerHeartbeat(models.Model):
    """A running task worker (``manage.py db_worker``), as it last said it was alive.

    Written when the worker starts and at most every ``TASK_WORKER_HEARTBEAT_SECONDS`` while
    it runs (idle or working), deleted when it stops cleanly. A worker not heard of for
    ``TASK_WORKER_STALE_SECONDS``, or whose process is gone from this host, is dead: the
    health check says so and its unfinished work is marked failed (reports.worker).
    """

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"worker {self.worker_id} (pid {self.pid} on {self.hostname})"
