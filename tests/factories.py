"""Factories for the test suite: small, valid objects, with names that say where they belong."""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from authorities.models import (
    Authority,
    AuthorityAlias,
    AuthorityKind,
    LAAArea,
    Membership,
    Region,
    RegionMembership,
    SubRegion,
)
from authorities.names import normalise_name
from authorities.roles import REGIONAL_ROLES, make_national
from returns import services
from returns.models import Deadline, LineState
from returns.periods import Quarter
from targets.models import (
    Direction,
    Measure,
    MeasureKind,
    MeasureLevel,
    RuleKind,
    Target,
    TargetSet,
    TargetSetStatus,
    Theme,
)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ["slug"]

    slug = "east-midlands"
    name = "East Midlands"


class SubRegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SubRegion

    region = factory.SubFactory(RegionFactory)
    slug = factory.Sequence(lambda n: f"sub-region-{n}")
    name = factory.Sequence(lambda n: f"Sub-region {n}")
    order = factory.Sequence(lambda n: n)


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority

    slug = factory.Sequence(lambda n: f"authority-{n}")
    name = factory.Sequence(lambda n: f"Authority {n} Council")
    short_name = factory.Sequence(lambda n: f"Authority {n}")
    kind = AuthorityKind.DISTRICT
    sub_region = factory.SubFactory(SubRegionFactory)


class LAAAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LAAArea

    sub_region = factory.SubFactory(SubRegionFactory)
    slug = factory.Sequence(lambda n: f"laa-{n}")
    name = factory.Sequence(lambda n: f"LAA {n}")


class AuthorityAliasFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuthorityAlias

    authority = factory.SubFactory(AuthorityFactory)
    alias = factory.Sequence(lambda n: f"Alias {n}")
    normalised = factory.LazyAttribute(lambda o: normalise_name(o.alias))


class TargetSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TargetSet

    slug = factory.Sequence(lambda n: f"set-{n}")
    title = factory.Sequence(lambda n: f"Target set {n}")
    status = TargetSetStatus.ADOPTED
    source_paper = "test"
    region = factory.SubFactory(RegionFactory)


class DeadlineFactory(factory.django.DjangoModelFactory):
    """A deadline of the (default) region's returns; a set's deadline takes its set's region."""

    class Meta:
        model = Deadline

    region = factory.LazyAttribute(
        lambda o: o.target_set.region if o.target_set else RegionFactory()
    )
    target_set = None


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme

    target_set = factory.SubFactory(TargetSetFactory)
    name = factory.Sequence(lambda n: f"Theme {n}")
    order = factory.Sequence(lambda n: n)


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    slug = factory.Sequence(lambda n: f"measure-{n}")
    name = factory.Sequence(lambda n: f"Measure {n}")
    kind = MeasureKind.PERCENTAGE
    direction = Direction.HIGHER
    unit = "%"


def ordinal_measure(*, slug: str = "caa-oa", labels: tuple[str, ...] | None = None) -> Measure:
    """A 1-4 ordinal measure, by default the CAA organisational assessment's scale."""
    labels = labels or (
        "performing poorly",
        "performing adequately",
        "performing well",
        "excellent",
    )
    measure = MeasureFactory(slug=slug, name=f"Ordinal {slug}", kind=MeasureKind.ORDINAL, unit="")
    for value, label in enumerate(labels, start=1):
        MeasureLevel.objects.create(measure=measure, value=value, label=label)
    return measure


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    target_set = factory.SubFactory(TargetSetFactory)
    theme = factory.SubFactory(ThemeFactory, target_set=factory.SelfAttribute("..target_set"))
    number = factory.Sequence(lambda n: str(n + 1))
    priority = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"target-{n}")
    title = factory.Sequence(lambda n: f"Target {n}")
    text = "All authorities paying at least 95% of non-disputed invoices within 30 days."
    measure = factory.SubFactory(MeasureFactory)
    rule = RuleKind.ALL_MEET
    threshold = Decimal("95")
    source = "test"


def make_user(
    role: str | None = None,
    *,
    sub_region: SubRegion | None = None,
    region: Region | None = None,
    national: bool = False,
    **fields,
):
    """A user in one of the four role groups (None: signed in but without any role).

    A programme manager is bound to ``sub_region``; a Board member, the Director or an
    administrator to ``region`` (default: the sub-region's, else the East Midlands, the
    default region of the factories); ``national``: sees every region."""
    User = get_user_model()
    counter = User.objects.count() + 1
    user = User.objects.create_user(
        username=fields.pop("username", f"user-{counter}"), password="pw", **fields
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    if sub_region is not None:
        Membership.objects.create(user=user, sub_region=sub_region)
    if (role in REGIONAL_ROLES and not national) or region is not None:
        if region is None:
            region = sub_region.region if sub_region is not None else RegionFactory()
        RegionMembership.objects.create(user=user, region=region)
    if national:
        make_national(user)
    return user


def region_with_levels(
    name: str, levels: list[int], measure, *, rule=RuleKind.ALL_MEET, quarter=None, approve=True
):
    """A region whose set has one ordinal target on ``measure``, and a return in Q3 giving its
    district councils ``levels`` (approved, or submitted only when not ``approve``).
    Issue 13 item 4: the regions that target 17 compares."""
    slug = name.lower().replace(" ", "-")
    region = Region.objects.create(slug=slug, name=name)
    sub_region = SubRegionFactory(region=region, slug=f"{slug}-srp", name=f"{name} SRP")
    target = TargetFactory(
        target_set=TargetSetFactory(region=region, slug=f"{slug}-set", title=f"{name} set"),
        code=f"{slug}-top-two",
        measure=measure,
        rule=rule,
        threshold=Decimal(3),
        threshold_words="in the top two categories",
        applies_to=["district"],
    )
    authorities = [
        AuthorityFactory(
            sub_region=sub_region,
            kind=AuthorityKind.DISTRICT,
            name=f"{name} District {n}",
            short_name=f"{name} {n}",
            slug=f"{slug}-d{n}",
        )
        for n in range(len(levels))
    ]
    system = services.system_actor()
    return_obj, _ = services.open_return(
        sub_region=sub_region,
        target_set=target.target_set,
        quarter=quarter or Quarter(2009, 3),
        actor=system,
    )
    services.update_lines(
        return_obj=return_obj,
        changes={
            (authority.pk, target.pk): {"state": LineState.VALUE, "actual": Decimal(level)}
            for authority, level in zip(authorities, levels, strict=True)
        },
        actor=system,
        channel="test",
    )
    services.submit_return(return_obj=return_obj, actor=system)
    if approve:
        services.approve_return(return_obj=return_obj, actor=system)
    return region, sub_region, target
