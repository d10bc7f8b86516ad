"""The benchmarks' data: more regions made like the East Midlands, 12 quarters of returns.

Shared by bench/bench_dashboards.py, bench/bench_papers.py (through it) and bench/bench_load.py,
so that every benchmark measures the same national-scale data. Run on a throwaway database that
already holds the reference data (``load_reference_data``): the functions only add to it.

Bulk inserts (a throwaway database): each line is rated by the engine before it is inserted
(returns.rating.rate, as the services do), then the stored overall ratings are built once
(returns.overall.rebuild, as `manage.py rebuild_ratings` does); no history rows are written.
"""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

QUARTERS = 12
LAST = (2009, 3)  # 2009/10 Q3, the demo's quarter


def build(regions: int) -> dict:
    """Migrate the (empty) default database, load the reference data, add ``regions - 1``
    regions and the returns; what was built, and how long it took."""
    from django.core.management import call_command

    from authorities.models import Authority, SubRegion

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    add_regions(regions)
    lines = add_returns()
    return {
        "regions": regions,
        "sub_regions": SubRegion.objects.count(),
        "authorities": Authority.objects.count(),
        "lines": lines,
        "seconds": time.perf_counter() - start,
    }


def add_regions(count: int) -> None:
    """Add ``count - 1`` regions made like the East Midlands: 5 sub-regions, 51 authorities of
    the same kinds, 9 LAAs led by the same councils."""
    from authorities.models import Authority, LAAArea, Region, SubRegion

    sub_regions = list(SubRegion.objects.order_by("order"))
    authorities = list(Authority.objects.order_by("pk"))
    laas = list(LAAArea.objects.order_by("pk"))
    for number in range(1, count):
        region = Region.objects.create(slug=f"region-{number}", name=f"Region {number}")
        copies = {
            sub_region.pk: SubRegion.objects.create(
                region=region,
                slug=f"r{number}-{sub_region.slug}",
                name=f"{sub_region.name} {number}",
                order=100 * number + sub_region.order,
            )
            for sub_region in sub_regions
        }
        created = Authority.objects.bulk_create(
            Authority(
                slug=f"r{number}-{authority.slug}",
                name=f"{authority.name} {number}",
                short_name=f"{authority.short_name} {number}",
                kind=authority.kind,
                sub_region=copies[authority.sub_region_id],
            )
            for authority in authorities
        )
        copy_of = {old.pk: new for old, new in zip(authorities, created, strict=True)}
        LAAArea.objects.bulk_create(
            LAAArea(
                sub_region=copies[laa.sub_region_id],
                slug=f"r{number}-{laa.slug}",
                name=f"{laa.name} {number}",
                lead_authority=copy_of.get(laa.lead_authority_id),
            )
            for laa in laas
        )


def line_value(kind: str, threshold: Decimal | None, seed: int) -> Decimal:
    if kind in {"ordinal", "milestone"}:
        return Decimal(1 + seed % 4)
    if kind == "yes_no":
        return Decimal(seed % 3 != 0)
    base = threshold if threshold is not None else Decimal(100)
    return (base * Decimal(80 + seed % 35) / 100).quantize(Decimal("0.01"))


def add_returns() -> int:
    """12 quarters of returns of every set for every sub-region; returns the number of lines."""
    from authorities.models import Authority, LAAArea, SubRegion
    from returns.models import LineState, Return, ReturnLine, ReturnStatus
    from returns.overall import rebuild
    from returns.periods import Quarter
    from returns.rating import rate
    from targets.models import Target, TargetSet, rating_rule
    from targets.rules import target_applies

    last = Quarter(*LAST)
    quarters = [Quarter.from_index(last.index - n) for n in reversed(range(QUARTERS))]
    leads = set(LAAArea.objects.values_list("lead_authority_id", flat=True))
    by_sub_region: dict[int, list] = {}
    for authority in Authority.objects.order_by("pk"):
        by_sub_region.setdefault(authority.sub_region_id, []).append(authority)
    targets = list(Target.objects.select_related("measure").prefetch_related("measure__levels"))
    rules = {target.pk: rating_rule(target) for target in targets}
    lines = 0
    for target_set in TargetSet.objects.all():
        set_targets = [t for t in targets if t.target_set_id == target_set.pk]
        returns = Return.objects.bulk_create(
            Return(
                sub_region_id=sub_region_id,
                target_set=target_set,
                year=quarter.year,
                quarter=quarter.quarter,
                status=ReturnStatus.APPROVED if quarter != last else ReturnStatus.SUBMITTED,
            )
            for sub_region_id in SubRegion.objects.values_list("pk", flat=True)
            for quarter in quarters
        )
        batch = []
        for return_obj in returns:
            seed_base = return_obj.year * 4 + return_obj.quarter
            for authority in by_sub_region.get(return_obj.sub_region_id, []):
                for target in set_targets:
                    if not target_applies(
                        scope=target.scope,
                        applies_to=target.applies_to,
                        kind=authority.kind,
                        leads_laa=authority.pk in leads,
                    ):
                        continue
                    seed = (authority.pk * 7919 + target.pk * 104729 + seed_base * 31) % 1000
                    state = LineState.VALUE
                    if seed % 10 == 0:
                        state = LineState.AWAITING
                    elif seed % 47 == 0:
                        state = LineState.NOT_APPLICABLE
                    kind = target.measure.kind
                    threshold = target.threshold
                    line = ReturnLine(
                        return_obj=return_obj,
                        authority=authority,
                        target=target,
                        state=state,
                        actual=line_value(kind, threshold, seed) if state == "value" else None,
                        target_value=threshold if threshold is not None else Decimal(100),
                        date_of_data=date(return_obj.year, 12, 9) if seed % 2 else None,
                        manual_rating="R" if seed % 53 == 0 else "",
                        manual_reason="Rated by hand (bench)" if seed % 53 == 0 else "",
                        state_reason="Not applicable (bench)."
                        if state == LineState.NOT_APPLICABLE
                        else "",
                        comment="Benchmark comment." if seed % 9 == 0 else "",
                    )
                    rate(line, rules[target.pk])
                    batch.append(line)
                    if len(batch) >= 5000:
                        ReturnLine.objects.bulk_create(batch)
                        lines += len(batch)
                        batch = []
        ReturnLine.objects.bulk_create(batch)
        lines += len(batch)
    rebuild()
    return lines
