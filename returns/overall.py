"""The stored overall ratings (``Overall``): kept up to date with the lines they rest on.

For every target × quarter × region that has at least one return, and for each basis
(approved returns only, or all returns), one row per sub-region of the region and one for the
region: the engine's overall rating (targets.rating.overall_rating) over the stored line
ratings, never over re-rated lines. Every service that changes what a row rests on calls
``refresh`` in its own transaction (a line written, a return opened or signed off, a
sub-region's own rating recorded, a target re-rated), so dashboards read a bounded number of
rows. ``rebuild`` recomputes every row from scratch (``manage.py rebuild_ratings``); a
property test proves the two agree.

What a row rests on
-------------------
* The lines of the returns of the basis: all returns, or approved ones only. A sub-region whose
  return is not in the basis (none made, or not approved) counts every authority the target
  applies to as "missing" (Grey, "without a return"), and says why.
* Every active authority the target applies to has a place: one without a line counts as
  missing. Lines outside the target's scope and lines marked n/a are shown in the counts and
  never counted in the rating (the engine's rule).
* A sub-region's own rating (``ReportedRating``) of its return in the basis is stored beside
  the computed one, with ``differs`` when both exist and disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from authorities.models import Authority, LAAArea, SubRegion
from targets.models import MeasureKind, Target, rating_rule
from targets.rating import (
    LineRating,
    Rating,
    line_marks,
    overall_rating,
    reported_differs,
)
from targets.rules import target_covers

from .models import Basis, LineState, Overall, ReportedRating, Return, ReturnLine, ReturnStatus
from .periods import Quarter
from .rating import missing_rating, stored_rating
from .region_shares import refresh_comparisons

__all__ = ["STATE_KEYS", "deferred", "rebuild", "refresh", "refresh_return"]

#: What ``Overall.states`` counts, for completeness: each line's state, and the missing ones.
STATE_KEYS = ("value", "met", "not_met", "awaiting", "not_applicable", "missing", "outside")
#: Counted only where there are any: an improvement plan's states (seed 004).
PLAN_STATE_KEYS = ("progress", "not_yet_due")

_LINE_FIELDS = (
    "target_id",
    "authority_id",
    "return_obj_id",
    "state",
    "actual",
    "target_value",
    "manual_rating",
    "scope",
    "status",
    "computed_rating",
    "explanation",
)


@dataclass(frozen=True)
class _Place:
    """A sub-region's return in the quarter, if any."""

    sub_region: SubRegion
    return_id: int | None
    status: str | None

    def included(self, basis: str) -> bool:
        if self.return_id is None:
            return False
        return basis == Basis.ALL or self.status == ReturnStatus.APPROVED


#: The refreshes asked for inside ``deferred()``: (set, year, quarter, region) → target ids
#: (None: every target of the set). None outside such a block.
_PENDING: ContextVar[dict[tuple[int, int, int, int], set[int] | None] | None] = ContextVar(
    "overall_refreshes_pending", default=None
)


@contextmanager
def deferred() -> Iterator[None]:
    """Within the block, each refresh asked for is noted, and run once at the block's end.

    For a bulk write that goes through the services return by return (an import): each
    service refreshes the region's rows its return's lines rest on, and each refresh reads
    every line of the region's returns, so writing a region's returns one by one would read
    its lines once per return and service. Deferred, each region's rows are recomputed once,
    from the lines as they finally are. Use it inside the writer's transaction, so that the
    rows are still written in the same transaction as the lines; if the block raises, nothing
    is refreshed (the transaction rolls back). Nested blocks run their refreshes at the end
    of the outermost one."""
    if _PENDING.get() is not None:
        yield
        return
    pending: dict[tuple[int, int, int, int], set[int] | None] = {}
    token = _PENDING.set(pending)
    try:
        yield
    finally:
        _PENDING.reset(token)
    for (target_set_id, year, quarter, region_id), target_ids in pending.items():
        refresh(
            target_set_id=target_set_id,
            quarter=Quarter(year, quarter),
            region_id=region_id,
            target_ids=target_ids,
        )


def _defer(
    pending: dict, *, target_set_id: int, quarter: Quarter, region_id: int, target_ids
) -> None:
    key = (target_set_id, quarter.year, quarter.quarter, region_id)
    if target_ids is None or (key in pending and pending[key] is None):
        pending[key] = None
    else:
        pending.setdefault(key, set()).update(target_ids)


def refresh_return(return_obj: Return, *, target_ids: Iterable[int] | None = None) -> int:
    """Refresh the rows a return's lines rest on (its targets, or ``target_ids``)."""
    return refresh(
        target_set_id=return_obj.target_set_id,
        quarter=return_obj.period,
        region_id=return_obj.sub_region.region_id,
        target_ids=target_ids,
    )


def refresh(
    *,
    target_set_id: int,
    quarter: Quarter,
    region_id: int,
    target_ids: Iterable[int] | None = None,
) -> int:
    """Recompute the rows of ``target_ids`` (every target of the set when None) for one quarter
    and region, both bases; returns how many rows were written. A handful of queries whatever
    the number of targets: the targets, the sub-regions, the returns, the sub-regions' own
    ratings, the lines, the authorities, then one delete and one insert. Inside ``deferred()``
    it is only noted (and returns 0), and runs at the block's end."""
    pending = _PENDING.get()
    if pending is not None:
        _defer(
            pending,
            target_set_id=target_set_id,
            quarter=quarter,
            region_id=region_id,
            target_ids=target_ids,
        )
        return 0
    targets = Target.objects.filter(target_set_id=target_set_id)
    if target_ids is not None:
        targets = targets.filter(pk__in=set(target_ids))
    targets = list(
        targets.select_related("measure", "target_set").prefetch_related("measure__levels")
    )
    sub_regions = list(SubRegion.objects.filter(region_id=region_id).order_by("order", "name"))
    returns = {
        row["sub_region_id"]: row
        for row in Return.objects.filter(
            target_set_id=target_set_id,
            year=quarter.year,
            quarter=quarter.quarter,
            sub_region__region_id=region_id,
        )
        .order_by()
        .values("id", "sub_region_id", "status")
    }
    stale = Overall.objects.filter(
        target__in=[target.pk for target in targets],
        year=quarter.year,
        quarter=quarter.quarter,
        region_id=region_id,
    )
    if not returns or not targets:
        stale.delete()
        return 0
    places = [
        _Place(
            sub_region=sub_region,
            return_id=returns.get(sub_region.pk, {}).get("id"),
            status=returns.get(sub_region.pk, {}).get("status"),
        )
        for sub_region in sub_regions
    ]
    return_ids = [place.return_id for place in places if place.return_id]
    reported = {
        (row["return_obj_id"], row["target_id"]): (row["rating"], row["reason"])
        for row in ReportedRating.objects.filter(return_obj_id__in=return_ids, target__in=targets)
        .order_by()
        .values("return_obj_id", "target_id", "rating", "reason")
    }
    # No ordering (the models' default ones join other tables to sort): every aggregate below
    # is a count, a sum or a worst, the same in any order, and the engine names no authority.
    lines: dict[tuple[int, int], list[dict]] = defaultdict(list)  # (target, return) → lines
    for line in (
        ReturnLine.objects.filter(return_obj_id__in=return_ids, target__in=targets)
        .order_by()
        .values(*_LINE_FIELDS)
    ):
        # The engine's view of the stored rating, made once for both bases.
        line["rated"] = stored_rating(line)
        lines[(line["target_id"], line["return_obj_id"])].append(line)
    authorities = list(
        Authority.objects.active()
        .filter(sub_region__region_id=region_id)
        .annotate(leads_laa=Exists(LAAArea.objects.filter(lead_authority=OuterRef("pk"))))
        .order_by()
        .values("id", "kind", "sub_region_id", "leads_laa")
    )
    by_sub_region: dict[int, list[dict]] = defaultdict(list)
    for authority in authorities:
        by_sub_region[authority["sub_region_id"]].append(authority)
    kinds = {authority["id"]: authority["kind"] for authority in authorities}
    applicable: dict[tuple[int, int], list[int]] = {}  # made once for both bases
    rows = [
        row
        for target in targets
        for basis in Basis.values
        for row in _target_rows(
            target,
            basis=basis,
            quarter=quarter,
            region_id=region_id,
            places=places,
            lines=lines,
            reported=reported,
            authorities=by_sub_region,
            applicable=applicable,
            kinds=kinds,
        )
    ]
    stale.delete()
    Overall.objects.bulk_create(rows)
    ordinal = {
        target.measure_id for target in targets if target.measure.kind == MeasureKind.ORDINAL
    }
    if ordinal:
        # A comparison target of any region rests on these lines too (target 17).
        refresh_comparisons(measure_ids=ordinal, quarter=quarter)
    return len(rows)


def _target_rows(
    target: Target,
    *,
    basis: str,
    quarter: Quarter,
    region_id: int,
    places: list[_Place],
    lines: dict[tuple[int, int], list[dict]],
    reported: dict[tuple[int, int], tuple[str, str]],
    authorities: dict[int, list[dict]],
    applicable: dict[tuple[int, int], list[int]],
    kinds: dict[int, str],
) -> list[Overall]:
    """The rows of one target and basis. ``authorities``: the region's active ones by
    sub-region; ``applicable``: (target, sub-region) → the ids of those the target applies
    to, filled in here and shared by both bases."""
    rule = rating_rule(target)
    missing_line = missing_rating()  # the same (immutable) rating for every line missing
    rows: list[Overall] = []
    everything: list[LineRating] = []
    states_total: dict[str, int] = dict.fromkeys(STATE_KEYS, 0)
    statuses: dict[str, int] = defaultdict(int)
    levels: dict[str, dict[str, int]] = {}
    marks_total: dict[str, str] = {}
    ordinal = target.measure.kind == MeasureKind.ORDINAL
    for place in places:
        included = place.included(basis)
        statuses[place.status or "none"] += 1
        found = lines.get((target.pk, place.return_id), []) if included else []
        if ordinal:
            _count_levels(levels, found, kinds)
        rated = [line["rated"] for line in found]
        marks = line_marks((line["authority_id"], line["rated"]) for line in found)
        marks_total.update(marks)
        present = {line["authority_id"] for line in found}
        key = (target.pk, place.sub_region.pk)
        if key not in applicable:
            applicable[key] = [
                authority["id"]
                for authority in authorities.get(place.sub_region.pk, ())
                if target_covers(
                    target,
                    kind=authority["kind"],
                    leads_laa=authority["leads_laa"],
                    authority_id=authority["id"],
                )
            ]
        missing = [missing_line for pk in applicable[key] if pk not in present]
        rated += missing
        everything += rated
        states = _states(found, len(missing))
        for key, count in states.items():
            states_total[key] = states_total.get(key, 0) + count
        result = overall_rating(rule, rated)
        explanation = result.explanation
        if place.return_id is not None and not included:
            explanation = (
                f"{place.sub_region.name}'s return is {ReturnStatus(place.status).label.lower()}, "
                f"not approved: its figures are not counted here. {explanation}"
            )
        elif place.return_id is None:
            explanation = f"{place.sub_region.name} made no return. {explanation}"
        own_rating, own_reason = (
            reported.get((place.return_id, target.pk), ("", "")) if included else ("", "")
        )
        computed = result.rating
        rows.append(
            Overall(
                target_set_id=target.target_set_id,
                target=target,
                year=quarter.year,
                quarter=quarter.quarter,
                region_id=region_id,
                sub_region=place.sub_region,
                basis=basis,
                rating=computed.value if computed else "",
                explanation=explanation,
                value=result.value,
                counts=result.counts,
                states=states,
                returns={place.status or "none": 1},
                relevant=result.relevant,
                known=result.known,
                reported_rating=own_rating,
                reported_reason=own_reason,
                differs=reported_differs(computed, Rating(own_rating) if own_rating else None),
                marks=marks,
            )
        )
    region = overall_rating(rule, everything)
    rows.append(
        Overall(
            target_set_id=target.target_set_id,
            target=target,
            year=quarter.year,
            quarter=quarter.quarter,
            region_id=region_id,
            sub_region=None,
            basis=basis,
            rating=region.rating.value if region.rating else "",
            explanation=_region_note(basis, statuses) + region.explanation,
            value=region.value,
            counts=region.counts,
            states=states_total,
            returns=dict(statuses),
            relevant=region.relevant,
            known=region.known,
            levels=levels,
            marks=marks_total,
        )
    )
    return rows


def _count_levels(levels: dict[str, dict[str, int]], lines: list[dict], kinds: dict[int, str]):
    """Add the lines with a figure to ``levels`` (kind → level → authorities)."""
    for line in lines:
        if line["state"] != LineState.VALUE or line["actual"] is None:
            continue
        kind = kinds.get(line["authority_id"], "")
        level = format(line["actual"].normalize(), "f")
        by_level = levels.setdefault(kind, {})
        by_level[level] = by_level.get(level, 0) + 1


def _states(lines: list[dict], missing: int) -> dict[str, int]:
    states = dict.fromkeys(STATE_KEYS, 0)
    for line in lines:
        if line["scope"] == "outside":
            states["outside"] += 1
        elif line["state"] == LineState.NO_RETURN:
            states["missing"] += 1
        else:
            states[line["state"]] = states.get(line["state"], 0) + 1
    states["missing"] += missing
    return states


def _region_note(basis: str, statuses: dict[str, int]) -> str:
    """What the region's rating rests on, when it is not every sub-region's return."""
    made = sum(count for status, count in statuses.items() if status != "none")
    total = sum(statuses.values())
    if basis == Basis.APPROVED:
        approved = statuses.get(ReturnStatus.APPROVED, 0)
        if approved == total:
            return ""
        return f"Approved returns only: rests on {approved} of {total} sub-regions' returns. "
    if made == total:
        return ""
    return f"{made} of {total} sub-regions made a return. "


def rebuild() -> int:
    """Recompute every stored overall rating from the stored lines; returns the rows written.

    Rows of quarters and regions without any return are removed."""
    Overall.objects.all().delete()
    slices = (
        Return.objects.values_list("target_set_id", "year", "quarter", "sub_region__region_id")
        .distinct()
        .order_by("target_set_id", "year", "quarter", "sub_region__region_id")
    )
    written = 0
    for target_set_id, year, quarter, region_id in slices:
        written += refresh(
            target_set_id=target_set_id, quarter=Quarter(year, quarter), region_id=region_id
        )
    return written
