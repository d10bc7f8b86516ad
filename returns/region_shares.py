"""Every region's share of authorities at or above an ordinal threshold, and the stored rating
of the targets that compare a region with the others (the 2008 strategy's target 17).

A comparison target's region-wide rating rests on lines of every region: its own region's and
the other eight's, on the same measure in the same quarter. It is computed here, by the pure
rule (targets.rating.regions.compare_with_regions) from each region's count of authorities
by level (``Overall.levels``, stored with its region-wide row), and stored on the region's
``Overall`` rows like any other rating. ``returns.overall.refresh`` calls
``refresh_comparisons`` whenever it has refreshed targets on an ordinal measure (after writing
their rows, levels included), so that a line written in one region re-rates the comparison
targets of every region that quarter, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from targets.models import MeasureKind, RuleKind, Target
from targets.rating.regions import Share, compare_with_regions

from .models import Overall
from .periods import Quarter

__all__ = ["compares_regions", "refresh_comparisons", "region_shares"]


def compares_regions(target: Target) -> bool:
    """Whether the target is rated against the other regions: a comparison rule on an ordinal
    measure with a threshold (target 17). A comparison on another measure (target 11's
    national quartile) has no figures of the other regions here, and stays not rated."""
    return (
        target.rule == RuleKind.COMPARISON
        and target.measure.kind == MeasureKind.ORDINAL
        and target.threshold is not None
    )


def region_shares(
    *,
    measure_id: int,
    quarter: Quarter,
    basis: str,
    threshold: Decimal,
    applies_to: Sequence[str] = (),
) -> dict[int, Share]:
    """Region id → its share of authorities (of the kinds in ``applies_to``; every kind when
    empty) at or above ``threshold`` on the measure in the quarter, on ``basis``. Regions
    without a figure are left out.

    Read from the regions' stored rows (``Overall.levels``, kept with the lines): two queries,
    the targets on the measure and their region-wide rows that quarter, whatever the number of
    lines. Where several of a region's sets ask for the measure that quarter, its newest set's
    figures count (an authority counts once)."""
    # The targets first, then their rows by the targets' own index: joining the targets to
    # filter the rows by measure would walk every stored row of the quarter.
    newest_first = {
        pk: rank
        for rank, pk in enumerate(
            Target.objects.filter(measure_id=measure_id)
            .order_by("-target_set__order", "-target_set_id", "-pk")
            .values_list("pk", flat=True)
        )
    }
    rows = sorted(
        (
            (region, target, levels)
            for region, target, sub_region, levels in _rows_of(newest_first, quarter)
            .filter(basis=basis)
            .values_list("region_id", "target_id", "sub_region_id", "levels")
            if sub_region is None
        ),
        key=lambda row: (row[0], newest_first[row[1]]),
    )
    wanted = set(applies_to)
    shares: dict[int, Share] = {}
    seen: set[int] = set()
    for region, _, levels in rows:
        if region in seen:
            continue  # an older set's row: the newest set's counts
        seen.add(region)
        at_or_above = known = 0
        for kind, by_level in (levels or {}).items():
            if wanted and kind not in wanted:
                continue
            for level, count in by_level.items():
                known += count
                if Decimal(level) >= Decimal(threshold):
                    at_or_above += count
        if known:
            shares[region] = Share(at_or_above=at_or_above, known=known)
    return shares


def _rows_of(target_ids: Iterable[int], quarter: Quarter):
    """The stored rows of these targets in the quarter, every sub-region's and region's: the
    caller keeps the region-wide ones. Asking for them by ``sub_region IS NULL`` in SQL lets
    SQLite walk every region-wide row of every quarter by that column's index (0.6 s at 10×
    the data) rather than these targets' own rows (by ``overall_by_target``: a few ms)."""
    return Overall.objects.filter(
        target_id__in=list(target_ids), year=quarter.year, quarter=quarter.quarter
    ).order_by()


def refresh_comparisons(*, measure_ids: Iterable[int], quarter: Quarter) -> int:
    """Re-rate the stored region rows of every comparison target on ``measure_ids`` in the
    quarter, in every region that has them, on both bases; returns how many rows changed.

    One query when no such target exists; otherwise the targets, two queries of shares per
    measure, scope and basis, the rows, and one update."""
    targets = list(
        Target.objects.filter(
            measure_id__in=set(measure_ids),
            rule=RuleKind.COMPARISON,
            measure__kind=MeasureKind.ORDINAL,
            threshold__isnull=False,
        )
        .select_related("target_set")
        .order_by("pk")
    )
    if not targets:
        return 0
    # Only what the rating needs and the update writes: not the rows' JSON counts, decoded
    # for nothing (the sub-regions' rows come too, and are dropped here; see ``_rows_of``).
    stored = _rows_of([t.pk for t in targets], quarter).only(
        "target_id", "sub_region_id", "region_id", "basis", "rating", "explanation", "value"
    )
    rows = [row for row in stored if row.sub_region_id is None]
    if not rows:
        return 0
    by_pk = {target.pk: target for target in targets}
    shares: dict[tuple, dict[int, Share]] = {}
    changed = []
    for row in rows:
        target = by_pk[row.target_id]
        key = (target.measure_id, tuple(target.applies_to or ()), row.basis, target.threshold)
        if key not in shares:
            shares[key] = region_shares(
                measure_id=target.measure_id,
                quarter=quarter,
                basis=row.basis,
                threshold=target.threshold,
                applies_to=target.applies_to or (),
            )
        found = dict(shares[key])
        own = found.pop(row.region_id, Share(0, 0))
        result = compare_with_regions(
            own,
            list(found.values()),
            categories=target.threshold_words or f"at or above {target.threshold}",
        )
        rating, explanation = result.rating.value, result.explanation
        # No value: the row's value is read as a figure on the target's measure (a level), and
        # a share of authorities is not one; the explanation gives it in words.
        if (row.rating, row.explanation, row.value) != (rating, explanation, None):
            row.rating, row.explanation, row.value = rating, explanation, None
            changed.append(row)
    Overall.objects.bulk_update(changed, ["rating", "explanation", "value"])
    return len(changed)
