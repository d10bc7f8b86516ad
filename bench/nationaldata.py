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
    from targets.rules import target_covers

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
                    # A line where the services would make one: an improvement plan's targets
                    # for its council alone (before target_covers, for every authority: 654,000
                    # lines no return would hold).
                    if not target_covers(
                        target,
                        kind=authority.kind,
                        leads_laa=authority.pk in leads,
                        authority_id=authority.pk,
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


# ------------------------------------------------------------------ more data the pages do not show

COPY_MAP = "bench_copy_map"  # a scratch table: (kind, old id, new id) of the copy being made


def add_set_copies(copies: int) -> dict:
    """Add ``copies`` copies of every target set, each with every return, line and stored
    overall rating of the set it copies: with 9 copies of the reference data's 3 sets, the
    database holds 10× the target sets, returns, lines and overall rows, and a page about one
    set (the 2008 strategy) shows exactly what it showed before (the sets' list in the filter
    aside). Returns what was added and how long it took.

    The sets, themes, targets and returns are created through the ORM; the lines and overall
    rows are copied in SQL (INSERT … SELECT through a map of old to new ids), with their stored
    ratings: a copied target has the same rule as the one it copies, so the engine would rate
    each copied line, and rebuild each copied overall row, exactly as the original is stored.
    ``check_copies`` proves it on a sample.
    """
    from django.db import connection

    from returns.models import Overall, Return, ReturnLine
    from targets.models import Target, TargetSet, Theme

    start = time.perf_counter()
    sets = list(TargetSet.objects.order_by("pk"))
    themes = list(Theme.objects.order_by("pk"))
    targets = list(Target.objects.order_by("pk"))
    returns = list(Return.objects.order_by("pk"))
    quote = connection.ops.quote_name
    line_columns = [f.column for f in ReturnLine._meta.concrete_fields if not f.primary_key]
    overall_columns = [f.column for f in Overall._meta.concrete_fields if not f.primary_key]
    mapped = {"return_id": "r", "target_id": "t", "target_set_id": "s"}

    def select(columns: list[str], table: str) -> str:
        names = ", ".join(quote(column) for column in columns)
        values = ", ".join(
            f"{mapped[column]}.new_id" if column in mapped else f"x.{quote(column)}"
            for column in columns
        )
        joins = " ".join(
            f"JOIN {COPY_MAP} {alias} ON {alias}.kind = '{alias}' "
            f"AND {alias}.old_id = x.{quote(column)}"
            for column, alias in mapped.items()
            if column in columns
        )
        return f"INSERT INTO {quote(table)} ({names}) SELECT {values} FROM {quote(table)} x {joins}"  # noqa: S608

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {COPY_MAP} (kind varchar(1) NOT NULL, old_id bigint NOT NULL, "
            "new_id bigint NOT NULL, PRIMARY KEY (kind, old_id))"
        )
    lines = overall = 0
    for number in range(1, copies + 1):
        new_sets = TargetSet.objects.bulk_create(
            TargetSet(
                slug=f"{target_set.slug}-copy-{number}",
                title=f"{target_set.title} (copy {number})",
                status=target_set.status,
                in_force_from=target_set.in_force_from,
                in_force_to=target_set.in_force_to,
                source_paper=target_set.source_paper,
                description=target_set.description,
                order=1000 + 10 * number + target_set.order,
                ranked_by_paper=target_set.ranked_by_paper,
                region_id=target_set.region_id,
            )
            for target_set in sets
        )
        set_of = {old.pk: new.pk for old, new in zip(sets, new_sets, strict=True)}
        new_themes = Theme.objects.bulk_create(
            Theme(target_set_id=set_of[theme.target_set_id], name=theme.name, order=theme.order)
            for theme in themes
        )
        theme_of = {old.pk: new.pk for old, new in zip(themes, new_themes, strict=True)}
        new_targets = []
        for target in targets:
            copy = Target(
                **{
                    field.attname: getattr(target, field.attname)
                    for field in Target._meta.concrete_fields
                    if not field.primary_key
                }
            )
            copy.target_set_id = set_of[target.target_set_id]
            copy.theme_id = theme_of[target.theme_id]
            copy.code = f"{target.code}-copy-{number}"
            new_targets.append(copy)
        new_targets = Target.objects.bulk_create(new_targets)
        new_returns = Return.objects.bulk_create(
            Return(
                sub_region_id=old.sub_region_id,
                target_set_id=set_of[old.target_set_id],
                year=old.year,
                quarter=old.quarter,
                status=old.status,
                version=old.version,
            )
            for old in returns
        )
        pairs = [("s", old, new) for old, new in set_of.items()]
        pairs += [("t", old.pk, new.pk) for old, new in zip(targets, new_targets, strict=True)]
        pairs += [("r", old.pk, new.pk) for old, new in zip(returns, new_returns, strict=True)]
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {COPY_MAP}")  # noqa: S608 - our own table
            cursor.executemany(
                f"INSERT INTO {COPY_MAP} (kind, old_id, new_id) VALUES (%s, %s, %s)",  # noqa: S608
                pairs,
            )
            cursor.execute(select(line_columns, ReturnLine._meta.db_table))
            lines += cursor.rowcount
            cursor.execute(select(overall_columns, Overall._meta.db_table))
            overall += cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {COPY_MAP}")
    return {
        "copies": copies,
        "target_sets": TargetSet.objects.count(),
        "returns": Return.objects.count(),
        "lines": ReturnLine.objects.count(),
        "overall": Overall.objects.count(),
        "lines_added": lines,
        "overall_added": overall,
        "seconds": time.perf_counter() - start,
    }


def check_copies(*, sample: int = 2000) -> dict:
    """Prove on a sample that the copies hold what the services would have stored: ``sample``
    copied lines re-rated by the engine (returns.rating.rate) give their stored ratings, and
    a copied set's overall rows for one quarter and region, recomputed by returns.overall.refresh,
    equal the copied rows. Raises AssertionError otherwise."""
    from returns.models import RATED_LINE_FIELDS, Overall, ReturnLine
    from returns.overall import refresh
    from returns.periods import Quarter
    from returns.rating import rate
    from targets.models import TargetSet, rating_rule

    copied = TargetSet.objects.filter(slug__contains="-copy-").order_by("pk").first()
    lines = list(
        ReturnLine.objects.filter(return_obj__target_set=copied)
        .select_related("target__measure")
        .prefetch_related("target__measure__levels")
        .order_by("pk")[:sample]
    )
    rules: dict[int, object] = {}
    for line in lines:
        stored = {name: getattr(line, name) for name in RATED_LINE_FIELDS}
        if line.target_id not in rules:
            rules[line.target_id] = rating_rule(line.target)
        rate(line, rules[line.target_id])
        assert {name: getattr(line, name) for name in RATED_LINE_FIELDS} == stored, line.pk
    last = Quarter(*LAST)
    region_id = copied.returns.values_list("sub_region__region_id", flat=True).first()
    fields = [f.attname for f in Overall._meta.concrete_fields if not f.primary_key]
    where = {"target_set": copied, "year": last.year, "quarter": last.quarter, "region": region_id}

    def rows() -> list[tuple]:
        return sorted(
            tuple(str(value) for value in row)
            for row in Overall.objects.filter(**where).values_list(*fields)
        )

    before = rows()
    refresh(target_set_id=copied.pk, quarter=last, region_id=region_id)
    assert rows() == before, "a copied slice's overall rows differ from a refresh's"
    return {"lines": len(lines), "overall_rows": len(before), "target_set": copied.slug}
