"""Capital and revenue projects, and the targets each one serves (seed 002, item 5).

The Board funds projects bid for by the sub-regional partnerships (SRPs) or run by the
partnership itself: "Re-Submission of SRP 2009/10 Efficiency and Transformation Capital
Projects" (seed 002, agenda item 5) asks each bid to say "how these support the delivery of the
12 stretch targets". A project records who bid (the SRP, or none for a regional project), its
lead and partner authorities, the amounts bid and approved, its status and the decision that
set it, and the targets it serves, each link with the paper's own words. Reference data, kept
by administrators and loaded from ``fixtures/projects.toml`` (targets.project_reference); every
change is recorded (django-simple-history).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

__all__ = ["Project", "ProjectAuthority", "ProjectKind", "ProjectStatus", "ProjectTarget"]


class ProjectKind(models.TextChoices):
    CAPITAL = "capital", "Capital"
    REVENUE = "revenue", "Revenue"


class ProjectStatus(models.TextChoices):
    SUBMITTED = "submitted", "Submitted for approval"
    RESUBMITTED = "resubmitted", "Re-submitted for approval"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"
    COMPLETED = "completed", "Completed"


class AuthorityRole(models.TextChoices):
    LEAD = "lead", "Lead"
    PARTNER = "partner", "Partner"


class Project(models.Model):
    """One capital or revenue project: who bid, who takes part, money, status, targets."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=ProjectKind.choices)
    sub_region = models.ForeignKey(
        "authorities.SubRegion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        help_text="The SRP that bid; empty for the partnership's own (regional) project.",
    )
    status = models.CharField(max_length=12, choices=ProjectStatus.choices)
    amount_bid = models.DecimalField(
        "amount bid (£)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    amount_approved = models.DecimalField(
        "amount approved (£)", max_digits=12, decimal_places=2, null=True, blank=True
    )
    decision = models.TextField(
        blank=True, help_text="Who decided what, and when, as the papers say."
    )
    decided_on = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    benefits = models.TextField(blank=True, help_text="The benefits the bid projects.")
    other_partners = models.TextField(
        blank=True, help_text="Partners that are not authorities of the region (police, NHS…)."
    )
    notes = models.TextField(blank=True, help_text="What the papers leave open.")
    source = models.CharField(max_length=300, help_text="Paper and paragraphs cited.")
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        for name in ("amount_bid", "amount_approved"):
            amount = getattr(self, name)
            if amount is not None and amount < 0:
                errors[name] = "An amount cannot be negative."
        if self.amount_approved is not None and self.status not in {
            ProjectStatus.APPROVED,
            ProjectStatus.COMPLETED,
            ProjectStatus.WITHDRAWN,
        }:
            errors["amount_approved"] = "Only an approved project has an amount approved."
        if self.status == ProjectStatus.APPROVED and not self.decision.strip():
            errors["decision"] = "Say who approved it, and when."
        if errors:
            raise ValidationError(errors)


class ProjectAuthority(models.Model):
    """An authority taking part in a project: as its lead, or as a partner."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="authorities")
    authority = models.ForeignKey(
        "authorities.Authority", on_delete=models.PROTECT, related_name="projects"
    )
    role = models.CharField(max_length=10, choices=AuthorityRole.choices)
    source = models.CharField(max_length=300, help_text="Paper and paragraph cited.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "role", "authority__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "authority"], name="one_role_per_project_authority"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project}: {self.authority} ({self.role})"


class ProjectTarget(models.Model):
    """A target a project serves, with the words of the paper that say so."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="target_links")
    target = models.ForeignKey(
        "targets.Target", on_delete=models.PROTECT, related_name="project_links"
    )
    words = models.TextField(help_text="The paper's words naming the target.")
    source = models.CharField(max_length=300, help_text="Paper and paragraph cited.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["project", "target__target_set__order", "target__priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "target"], name="one_link_per_project_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} serves {self.target.code}"
