"""What a target's dashboard adds for an improvement plan's commitment (seed 004): its printed
reference, heading, priority, responsible officer, year targets and milestones."""

from __future__ import annotations

from dataclasses import dataclass

from targets.models import Target
from targets.plans import Milestone, YearTarget

__all__ = ["CommitmentFacts", "commitment_facts"]


@dataclass(frozen=True)
class CommitmentFacts:
    ref: str
    heading: str
    priority: str
    officer: str
    council: str
    year_targets: list[YearTarget]
    milestones: list[Milestone]


def commitment_facts(target: Target) -> CommitmentFacts | None:
    """The commitment's facts (two queries), or None for a regional target (no query)."""
    target_set = target.target_set
    if not target_set.is_plan:
        return None
    return CommitmentFacts(
        ref=target.ref,
        heading=target.heading,
        priority=target.priority_text,
        officer=target.responsible_officer,
        council=target_set.council.name if target_set.council_id else "",
        year_targets=list(YearTarget.objects.filter(target=target)),
        milestones=list(Milestone.objects.filter(target=target)),
    )
