"""Overall.marks: kept by the services with every stored overall rating, and filled by
returns migration 0012 for the rows stored before it, the same way."""

import importlib

import pytest
from django.apps import apps

from returns.models import Overall
from tests.reports.test_dashboards import Q2, Q3, make_world

pytestmark = pytest.mark.django_db

fill_marks = importlib.import_module("returns.migrations.0012_overall_marks").fill_marks


def _marks() -> dict[tuple, dict]:
    return {
        (row.target_id, row.year, row.quarter, row.sub_region_id, row.region_id, row.basis): (
            row.marks
        )
        for row in Overall.objects.all()
    }


def test_the_services_keep_each_rows_marks():
    world = make_world()
    north, t1 = world.north, world.t1

    def marks(quarter, basis, sub_region=None):
        row = Overall.objects.get(
            target=t1,
            year=quarter.year,
            quarter=quarter.quarter,
            basis=basis,
            sub_region=sub_region,
            region=north.region,
        )
        return row.marks

    nc, n1, su, s1 = (str(a.pk) for a in (world.nc, world.n1, world.su, world.s1))
    # Q3: the north's return is approved, the south's a draft (seen on "all" only).
    assert marks(Q3, "approved", north) == {nc: "G", n1: "A"}
    assert marks(Q3, "all") == {nc: "G", n1: "A", su: "R", s1: "G"}
    assert marks(Q3, "approved") == {nc: "G", n1: "A"}
    # Q2: submitted, not approved.
    assert marks(Q2, "approved", north) == {}
    assert marks(Q2, "all", north) == {nc: "G", n1: "G", str(world.n2.pk): "R"}


def test_the_migration_fills_the_marks_the_services_would_keep():
    make_world()
    kept = _marks()
    assert any(kept.values())
    Overall.objects.update(marks={})

    fill_marks(apps, None)

    assert _marks() == kept
