"""A small improvement plan (seed 004's kind of target set) for the tests that need one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from authorities.models import Authority, AuthorityKind, SubRegion
from targets.models import (
    Direction,
    MeasureKind,
    RuleKind,
    Target,
    TargetSet,
    TargetSetKind,
)
from targets.plans import Milestone, YearTarget

from .factories import (
    AuthorityFactory,
    MeasureFactory,
    SubRegionFactory,
    TargetFactory,
    TargetSetFactory,
    ThemeFactory,
)


@dataclass
class Plan:
    target_set: TargetSet
    council: Authority
    sub_region: SubRegion
    other_sub_region: SubRegion
    district: Authority  # another council of the same sub-region: the plan is not its
    by_hand: Target  # a commitment without figures (rated by hand)
    exclusions: Target  # seed 004 line 33: 112, 110, 69; lower is better
    recycling: Target  # seed 004 line 107: 42% in 2008/09


def make_plan() -> Plan:
    """A county council's plan with three commitments (seed 004's shapes)."""
    sub_region = SubRegionFactory(slug="leics", name="Leicestershire/Rutland")
    other = SubRegionFactory(region=sub_region.region, slug="derbys", name="Derbyshire")
    council = AuthorityFactory(
        sub_region=sub_region, kind=AuthorityKind.COUNTY, name="Leicestershire County Council"
    )
    district = AuthorityFactory(sub_region=sub_region, kind=AuthorityKind.DISTRICT, name="Blaby")
    AuthorityFactory(sub_region=other, kind=AuthorityKind.COUNTY, name="Derbyshire CC")
    target_set = TargetSetFactory(
        slug="lcc-plan",
        title="Leicestershire County Council's plan",
        kind=TargetSetKind.IMPROVEMENT_PLAN,
        council=council,
    )
    theme = ThemeFactory(target_set=target_set, name="Children and Young People – MTCS", order=1)
    progress = MeasureFactory(slug="plan-progress", kind=MeasureKind.MILESTONE, unit="")
    lower = MeasureFactory(slug="plan-count-lower", kind=MeasureKind.COUNT, unit="")
    lower.direction = Direction.LOWER
    lower.save()
    percentage = MeasureFactory(slug="plan-percentage", kind=MeasureKind.PERCENTAGE)

    def commitment(number: str, measure, **fields) -> Target:
        return TargetFactory(
            target_set=target_set,
            theme=theme,
            number=number,
            code=f"plan-{number.lower()}",
            measure=measure,
            rule=RuleKind.TRAJECTORY,
            threshold=fields.pop("threshold", None),
            responsible_officer=fields.pop("officer", "Nigel Farrow"),
            ref=fields.pop("ref", ""),
            priority_text="Improve life chances and opportunities for vulnerable young people",
            **fields,
        )

    by_hand = commitment(
        "CYP-M3",
        progress,
        title="Implementation of the national Children's Trust arrangements by 2008",
        ref="3. MTCS/CYP",
    )
    exclusions = commitment(
        "CYP-M9",
        lower,
        title="Reduce permanent exclusions of 11-19 year olds by 39 (34%)",
        threshold=Decimal(69),
        ref="6. MTCS/CYP",
        officer="",
    )
    for order, (label, year, value) in enumerate(
        [("Year 1", 2006, 112), ("Year 2", 2007, 110), ("Year 3", 2008, 69)], start=1
    ):
        YearTarget.objects.create(
            target=exclusions, label=label, year=year, value=value, order=order, source="004"
        )
    recycling = commitment(
        "HTW-W3",
        percentage,
        title="Increase recycling and composting to 42% in 2008/2009",
        threshold=Decimal(42),
        officer="Holly Field",
    )
    YearTarget.objects.create(
        target=recycling, label="2008/09", year=2008, value=42, order=1, source="004"
    )
    Milestone.objects.create(
        target=by_hand,
        description="Implementation of the national Children's Trust arrangements",
        due_words="by 2008",
        source="004",
    )
    return Plan(
        target_set=target_set,
        council=council,
        sub_region=sub_region,
        other_sub_region=other,
        district=district,
        by_hand=by_hand,
        exclusions=exclusions,
        recycling=recycling,
    )
