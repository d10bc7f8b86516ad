"""returns.rerating refreshes each quarter and region once (bench/bench_rerating.py measures it).

The slices used to be read with the model's default ordering, which DISTINCT then kept apart by
sub-region: a region of five sub-regions was refreshed five times for each quarter.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from authorities.models import Region
from returns import rerating, services
from returns.models import Overall
from tests.factories import AuthorityFactory, SubRegionFactory, TargetFactory, TargetSetFactory
from tests.returns.test_services import Q2, Q3, make_world

pytestmark = pytest.mark.django_db


def test_a_rule_change_refreshes_each_quarter_and_region_once(monkeypatch):
    """A measure is shared by every region's targets (issue 13: each region its own sets):
    changing its rule refreshes each quarter of each region once."""
    world = make_world()
    region = world.sub_region.region
    others = [SubRegionFactory(region=region, order=10 + n) for n in range(2)]
    for sub_region in others:
        AuthorityFactory(sub_region=sub_region)
    elsewhere = SubRegionFactory(region=Region.objects.create(slug="elsewhere", name="Elsewhere"))
    AuthorityFactory(sub_region=elsewhere)
    # The other region's own set, with a target on the same measure.
    other_set = TargetSetFactory(region=elsewhere.region, slug="elsewhere-set")
    other_target = TargetFactory(
        target_set=other_set, measure=world.invoices.measure, code="elsewhere-invoices"
    )
    system = services.system_actor()
    for sub_region, target_set in [
        *((sub_region, world.target_set) for sub_region in [world.sub_region, *others]),
        (elsewhere, other_set),
    ]:
        for quarter in (Q2, Q3):
            services.open_return(
                sub_region=sub_region, target_set=target_set, quarter=quarter, actor=system
            )
    assert region.pk != elsewhere.region_id
    calls = []
    refresh = rerating.refresh

    def counted(**kwargs):
        calls.append((kwargs["quarter"], kwargs["region_id"], tuple(kwargs["target_ids"])))
        return refresh(**kwargs)

    monkeypatch.setattr(rerating, "refresh", counted)
    admin = get_user_model().objects.create_superuser("rules-admin", email="", password=None)

    records = rerating.change_measure_rule(
        measure=world.invoices.measure,
        values={"amber_margin": Decimal(5)},
        actor=admin,
        reason="Narrower amber margin.",
    )

    assert records
    # 2 quarters × 2 regions, each once, for each region's own target on the measure.
    assert sorted(calls) == sorted(
        [(quarter, region.pk, (world.invoices.pk,)) for quarter in (Q2, Q3)]
        + [(quarter, elsewhere.region_id, (other_target.pk,)) for quarter in (Q2, Q3)]
    )
    assert Overall.objects.filter(target=world.invoices, year=2009, quarter=3).exists()
