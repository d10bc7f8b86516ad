"""The parts of a target set fixture only an improvement plan has (targets.reference calls
these): the plan's kind and council, and each commitment's printed reference, heading,
priority, responsible officer, year targets and milestones.

Business rules, besides those of every reference loader (idempotent, validated, one
transaction, nothing deleted):

- An improvement plan names its council (an authority's slug); its commitments apply to that
  council alone and are rated by the trajectory rule (``rule = "trajectory"``), which no
  regional target may use.
- Year targets are the commitment's trajectory: each has the paper's label ("Year 2"), the
  financial year where the paper says which (by the calendar year it starts: 2007 for
  2007/08), and the value. The commitment's threshold is its final target, so where year
  targets are given the threshold must be the last one (seed 004: "the Year 3 reward target
  of 69").
- Milestones keep the paper's words for when they are due ("Summer 2008"); a date only where
  the paper names a month.
"""

from __future__ import annotations

from typing import Any

from authorities.models import Authority, Region
from authorities.reference import LoadSummary, Row, upsert

from .models import RuleKind, Target, TargetSetKind
from .plans import Milestone, YearTarget

__all__ = [
    "PLAN_SET_KEYS",
    "PLAN_TARGET_KEYS",
    "plan_set_values",
    "plan_target_values",
    "write_plan_parts",
]

#: Optional keys of a fixture's [target_set] table and of its [[targets]].
PLAN_SET_KEYS = ["kind", "council", "region"]
PLAN_TARGET_KEYS = [
    "ref",
    "heading",
    "priority_text",
    "responsible_officer",
    "year_targets",
    "milestones",
]


def plan_set_values(row: Row) -> dict[str, Any]:
    """The kind and council of a target set (a regional set has neither)."""
    kind = row.text("kind", default=TargetSetKind.REGIONAL)
    if kind not in TargetSetKind.values:
        raise row.error("kind", f"unknown kind {kind!r} (expected one of {TargetSetKind.values})")
    council_id = region_id = None
    if row.has("council"):
        slug = row.text("council")
        found = Authority.objects.filter(slug=slug).values_list("pk", "sub_region__region_id")
        if not found:
            raise row.error("council", f"no authority {slug!r} (load the authorities first)")
        council_id, region_id = found[0]
    if row.has("region"):
        slug = row.text("region")
        named = Region.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if named is None:
            raise row.error("region", f"no region {slug!r} (load the authorities first)")
        if region_id is not None and named != region_id:
            raise row.error("region", f"the council {row.text('council')!r} is not in {slug!r}")
        region_id = named
    if region_id is None:
        # A set without a council or a region: the region's, when there is only one.
        only = list(Region.objects.values_list("pk", flat=True)[:2])
        if len(only) != 1:
            raise row.error("region", "name the region (slug) whose targets these are")
        region_id = only[0]
    return {"kind": kind, "council_id": council_id, "region_id": region_id}


def plan_target_values(row: Row, *, is_plan: bool) -> dict[str, Any]:
    """A commitment's columns besides its text; a regional target may not use them."""
    values = {
        "ref": row.text("ref", default=""),
        "heading": row.text("heading", default=""),
        "priority_text": row.text("priority_text", default=""),
        "responsible_officer": row.text("responsible_officer", default=""),
    }
    trajectory = row.text("rule") == RuleKind.TRAJECTORY
    if trajectory and not is_plan:
        raise row.error("rule", "the trajectory rule is an improvement plan's")
    if is_plan and not trajectory:
        raise row.error("rule", "an improvement plan's commitment is rated by the trajectory rule")
    used = [key for key in PLAN_TARGET_KEYS if row.has(key)]
    if used and not is_plan:
        raise row.error(used[0], "only an improvement plan's commitment has this")
    return values


def write_plan_parts(row: Row, target: Target, summary: LoadSummary) -> None:
    """The commitment's year targets and milestones (matched by label, and by order)."""
    year_rows = Row.array(row.data, "year_targets", path=row.path, label="label", within=row.where)
    last = None
    for order, year_row in enumerate(year_rows, start=1):
        year_row.check_keys(required=["label", "value", "source"], optional=["year"])
        value = year_row.decimal("value")
        year = year_row.integer("year", default=0) or None
        _, outcome = upsert(
            YearTarget,
            lookup={"target_id": target.pk, "label": year_row.text("label")},
            values={
                "year": year,
                "value": value,
                "order": order,
                "source": year_row.text("source"),
            },
            row=year_row,
        )
        summary.record("year targets", (target.code, year_row.text("label")), outcome)
        last = value
    if last is not None and target.threshold != last:
        raise row.error(
            "threshold", f"the final target is the last year target ({last}): set it so"
        )
    milestone_rows = Row.array(
        row.data, "milestones", path=row.path, label="description", within=row.where
    )
    for order, milestone_row in enumerate(milestone_rows, start=1):
        milestone_row.check_keys(required=["description", "due_words", "source"], optional=["due"])
        _, outcome = upsert(
            Milestone,
            lookup={"target_id": target.pk, "order": order},
            values={
                "description": milestone_row.text("description"),
                "due": milestone_row.date("due"),
                "due_words": milestone_row.text("due_words"),
                "source": milestone_row.text("source"),
            },
            row=milestone_row,
        )
        summary.record("milestones", (target.code, order), outcome)
