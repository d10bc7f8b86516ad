"""Changing a target's rule (or its measure's) re-rates every line of the target in one
recorded step.

A line's rating is computed once, when the line or its target changes, and stored
(returns.rating). So a change of anything a rating rests on — the rule, threshold and whether
it passes, tolerance, amber margin, measure, scope, a compound rule's conditions — goes
through here, in one transaction:

1. the target (or measure) is validated (``full_clean``) and saved;
2. every line of the target, in every return of any status, is rated again by the engine
   (its scope too: a target that stops covering an authority makes its lines "outside");
3. the step is recorded (``Rerating``: who, when, why, what changed, how many lines were
   rated and changed) with each changed line's before and after (``ReratingLine``); every
   line whose stored rating differs (its explanation too, when the rating stays) is written,
   and its history gets a row whose reason names the re-rating;
4. the stored overall ratings of every quarter and region the lines belong to are refreshed.

Issued Board papers keep their frozen ratings; they list the re-rating among their
restatements (reports.papers.issuing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from authorities.models import Authority
from authorities.scope import regions_of
from targets.models import MEASURE_RULE_FIELDS, TARGET_RULE_FIELDS, Measure, Target, rating_rule
from targets.rules import target_covers

from .models import LineScope, Rerating, ReratingLine, Return, ReturnLine
from .overall import refresh
from .periods import Quarter
from .rating import rate
from .services import write_lines

__all__ = [
    "RULE_PERMISSION",
    "change_measure_rule",
    "change_target_rule",
    "may_change_measure",
    "rerate_targets",
]

#: Who may change a target's or a measure's rule (the administrators of the reference data).
RULE_PERMISSION = "targets.change_target"


def _require(actor) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.has_perm(RULE_PERMISSION)):
        raise PermissionDenied("Only an administrator of the targets changes a rule.")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) if value else ""
    return str(value)


def _apply(obj, fields: Iterable[str], values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Set the changed fields; return {field: [old, new]} as text, for the record."""
    unknown = set(values) - set(fields)
    if unknown:
        raise ValueError(f"Not rule fields: {sorted(unknown)}")
    changes = {}
    for name, new in values.items():
        old = getattr(obj, name)
        if old != new:
            changes[name] = [_text(old), _text(new)]
            setattr(obj, name, new)
    return changes


@transaction.atomic
def change_target_rule(
    *, target: Target, values: Mapping[str, Any], actor, reason: str
) -> Rerating | None:
    """Change what a target's ratings rest on, and re-rate its lines (see the module).

    Returns the recorded re-rating, or None when nothing changed."""
    _require(actor)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the rule changes: it is recorded."})
    target = Target.objects.select_for_update().select_related("target_set").get(pk=target.pk)
    if not regions_of(actor).allows(target.target_set.region_id):
        raise PermissionDenied("Another region's targets are its own administrators' to change.")
    changes = _apply(target, TARGET_RULE_FIELDS, values)
    if not changes:
        return None
    target.full_clean()
    target._change_reason = reason[:100]  # the target's history says why, besides the re-rating
    target.save()
    return rerate_targets(targets=[target], actor=actor, reason=reason, changes=changes)[0]


@transaction.atomic
def change_measure_rule(
    *, measure: Measure, values: Mapping[str, Any], actor, reason: str
) -> list[Rerating]:
    """Change a measure's rating fields, and re-rate the lines of every target that uses it.

    A measure is shared by every region's targets: a region's administrator changes one only
    while every target that uses it is their region's; one that another region's targets use
    too is a national administrator's to change, since it would re-rate that region's lines."""
    _require(actor)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the rule changes: it is recorded."})
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if not may_change_measure(measure, actor):
        raise PermissionDenied(SHARED_MEASURE)
    changes = _apply(measure, MEASURE_RULE_FIELDS, values)
    if not changes:
        return []
    measure.full_clean()
    measure._change_reason = reason[:100]
    measure.save()
    changes = {f"measure {name}": change for name, change in changes.items()}
    targets = list(measure.targets.all())
    return rerate_targets(targets=targets, actor=actor, reason=reason, changes=changes)


#: Why a region's administrator cannot change a measure other regions' targets use.
SHARED_MEASURE = (
    "Other regions' targets use this measure too, and changing it would re-rate their lines: "
    "only a national administrator changes it."
)


def may_change_measure(measure: Measure, actor) -> bool:
    """Whether ``actor`` may change the measure's rule: every region whose targets use it is
    one they may see (a national user sees every region)."""
    scope = regions_of(actor)
    if scope.everything:
        return True
    regions = set(measure.targets.values_list("target_set__region_id", flat=True).distinct())
    return all(scope.allows(region) for region in regions)


def rerate_targets(
    *, targets: Iterable[Target], actor, reason: str, changes: Mapping[str, Any]
) -> list[Rerating]:
    """Re-rate every line of each target and record it (one ``Rerating`` per target); used by
    the rule page and by ``load_reference_data`` when the fixtures change a rule."""
    leads = set(Authority.objects.filter(led_laa__isnull=False).values_list("pk", flat=True))
    return [
        _rerate(target, actor=actor, reason=reason, changes=changes, leads=leads)
        for target in targets
    ]


def _rerate(target: Target, *, actor, reason: str, changes, leads: set[int]) -> Rerating:
    target = (
        Target.objects.select_related("measure", "target_set")
        .prefetch_related("measure__levels")
        .get(pk=target.pk)
    )
    rule = rating_rule(target)
    record = Rerating.objects.create(
        target=target, actor=actor, reason=reason, changes=dict(changes)
    )
    lines = list(
        ReturnLine.objects.filter(target=target).select_related(
            "authority", "return_obj__sub_region"
        )
    )
    changed: list[ReturnLine] = []  # a new rating, mark or scope: recorded and counted
    rewritten: list[ReturnLine] = []  # every line whose stored rated fields differ
    details: list[ReratingLine] = []
    for line in lines:
        before = (line.status, line.effective_rating, line.computed_rating, line.counted)
        before_scope, before_explanation = line.scope, line.explanation
        line.scope = (
            LineScope.IN
            if target_covers(
                target,
                kind=line.authority.kind,
                leads_laa=line.authority_id in leads,
                authority_id=line.authority_id,
            )
            else LineScope.OUTSIDE
        )
        rate(line, rule)
        after = (line.status, line.effective_rating, line.computed_rating, line.counted)
        if after == before and line.scope == before_scope:
            # The same rating, but its explanation may name the old rule ("against at least
            # 95%"): stored all the same, or it would keep saying what the rule no longer is.
            if line.explanation != before_explanation:
                rewritten.append(line)
            continue
        changed.append(line)
        rewritten.append(line)
        details.append(
            ReratingLine(
                rerating=record,
                line=line,
                before_rating=before[1],
                after_rating=line.effective_rating,
                before_status=before[0],
                after_status=line.status,
            )
        )
    now = timezone.now()
    for line in rewritten:
        line.updated_by = actor
        line.updated_at = now
    if rewritten:
        write_lines(
            rewritten, actor=actor, reason=f"Re-rated (#{record.pk}): {reason}"[:100], when=now
        )
    if details:
        ReratingLine.objects.bulk_create(details)
    record.lines_rated = len(lines)
    record.lines_changed = len(changed)
    record.save(update_fields=["lines_rated", "lines_changed"])
    _refresh_slices(target)
    return record


def _refresh_slices(target: Target) -> None:
    """Refresh the stored overall ratings of the target in every quarter and region with a
    return of its set."""
    # No ordering: the default one (by sub-region) would be selected too, and DISTINCT would
    # then give each quarter and region once per sub-region (5 refreshes of each slice).
    slices = (
        Return.objects.filter(target_set_id=target.target_set_id)
        .order_by()
        .values_list("year", "quarter", "sub_region__region_id")
        .distinct()
    )
    for year, quarter, region_id in slices:
        refresh(
            target_set_id=target.target_set_id,
            quarter=Quarter(year, quarter),
            region_id=region_id,
            target_ids=[target.pk],
        )
