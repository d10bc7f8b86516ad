"""Issue 13 item 4: a rule change never reaches into another region. A measure is shared by
every region's targets, so a region's administrator changes one only while no other region's
target uses it; another region's target is never theirs to change (returns.rerating)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from authorities.models import Region
from authorities.roles import ADMINISTRATOR
from returns import rerating
from returns.models import Rerating
from returns.rule_views import MeasureRuleForm
from targets.models import Measure, MeasureKind
from tests.factories import (
    MeasureFactory,
    RegionFactory,
    TargetFactory,
    TargetSetFactory,
    make_user,
)


@pytest.fixture
def world(db):
    east = RegionFactory()
    west = Region.objects.create(slug="west-midlands", name="West Midlands")
    shared = MeasureFactory(kind=MeasureKind.PERCENTAGE, unit="%", amber_margin=Decimal(10))
    own = MeasureFactory(kind=MeasureKind.PERCENTAGE, unit="%", amber_margin=Decimal(10))
    east_target = TargetFactory(target_set=TargetSetFactory(region=east), measure=shared)
    west_target = TargetFactory(target_set=TargetSetFactory(region=west), measure=shared)
    TargetFactory(target_set=east_target.target_set, measure=own)
    return {
        "shared": shared,
        "own": own,
        "west_target": west_target,
        "east_admin": make_user(ADMINISTRATOR, region=east),
        "national_admin": make_user(ADMINISTRATOR, national=True),
    }


def change(measure: Measure, actor):
    return rerating.change_measure_rule(
        measure=measure, values={"amber_margin": Decimal(5)}, actor=actor, reason="Narrower."
    )


def test_a_regions_administrator_cannot_change_a_measure_another_region_uses(world):
    with pytest.raises(PermissionDenied, match="only a national administrator changes it"):
        change(world["shared"], world["east_admin"])

    world["shared"].refresh_from_db()
    assert world["shared"].amber_margin == Decimal(10)
    assert not Rerating.objects.exists()


def test_a_regions_administrator_changes_a_measure_only_their_region_uses(world):
    change(world["own"], world["east_admin"])

    world["own"].refresh_from_db()
    assert world["own"].amber_margin == Decimal(5)


def test_a_national_administrator_changes_a_shared_measure(world):
    change(world["shared"], world["national_admin"])

    world["shared"].refresh_from_db()
    assert world["shared"].amber_margin == Decimal(5)


def test_another_regions_target_is_never_theirs_to_change(world):
    with pytest.raises(PermissionDenied):
        rerating.change_target_rule(
            target=world["west_target"],
            values={"threshold": Decimal(90)},
            actor=world["east_admin"],
            reason="Not mine.",
        )

    world["west_target"].refresh_from_db()
    assert world["west_target"].threshold == Decimal(95)


def test_the_measure_page_says_why_and_refuses(client, world):
    client.force_login(world["east_admin"])
    url = reverse("rules:measure", args=[world["shared"].pk])

    page = client.get(url).content.decode()
    data = {k: v for k, v in MeasureRuleForm(instance=world["shared"]).initial.items() if v}
    posted = client.post(url, data | {"amber_margin": "5", "reason": "Narrower."})

    assert "Other regions&#x27; targets use this measure too" in page
    assert posted.status_code == 403
    assert "only a national administrator changes it" in posted.content.decode()
    world["shared"].refresh_from_db()
    assert world["shared"].amber_margin == Decimal(10)
