"""The upgrade that gave every deadline its region (returns/migrations/0010_deadline_region):
a set's deadline takes its set's region, a general one its setter's region, else the East
Midlands; nothing is lost."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

REFERENCE = [("authorities", "0005_bind_existing_users"), ("targets", "0008_target_set_region")]
BEFORE = [("returns", "0009_transition_comment_bound"), *REFERENCE]
AFTER = [("returns", "0010_deadline_region"), *REFERENCE]


@pytest.fixture
def migrator(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()
    yield executor
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_every_deadline_gets_its_region(migrator):
    old = migrator.loader.project_state(BEFORE).apps
    Region = old.get_model("authorities", "Region")
    TargetSet = old.get_model("targets", "TargetSet")
    User = old.get_model("auth", "User")
    RegionMembership = old.get_model("authorities", "RegionMembership")
    Deadline = old.get_model("returns", "Deadline")
    east = Region.objects.create(slug="east-midlands", name="East Midlands")
    west = Region.objects.create(slug="west-midlands", name="West Midlands")
    west_set = TargetSet.objects.create(
        slug="west-set", title="West set", status="adopted", region=west, source_paper="test"
    )
    west_director = User.objects.create(username="director-wm")
    RegionMembership.objects.create(user=west_director, region=west)
    unbound = User.objects.create(username="director")
    due = date(2010, 1, 15)
    of_set = Deadline.objects.create(
        year=2009, quarter=3, target_set=west_set, due=due, set_by=unbound
    )
    by_west = Deadline.objects.create(year=2009, quarter=2, due=due, set_by=west_director)
    by_unbound = Deadline.objects.create(year=2009, quarter=3, due=due, set_by=unbound)

    migrator.loader.build_graph()
    migrator.migrate(AFTER)

    new = migrator.loader.project_state(AFTER).apps.get_model("returns", "Deadline")
    regions = dict(new.objects.values_list("pk", "region__slug"))
    assert regions == {
        of_set.pk: "west-midlands",
        by_west.pk: "west-midlands",
        by_unbound.pk: east.slug,
    }
