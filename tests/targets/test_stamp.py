"""targets.stamp: the database changes the reference data's token on every write to the target
sets' tables, however written, and the memo keeps an answer only while the token is unchanged.
Run on SQLite and on PostgreSQL, whose triggers differ (migration 0009)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from authorities.models import Authority, Region, SubRegion
from authorities.roles import BOARD_MEMBER, region_id_of
from returns.selectors import visible_sub_regions
from targets.models import Measure, MeasureLevel, Target, TargetSet, Theme
from targets.stamp import STAMPED_TABLES, ReferenceMemo, ReferenceStamp, reference_token
from tests.factories import (
    AuthorityFactory,
    SubRegionFactory,
    TargetFactory,
    make_user,
    ordinal_measure,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def target():
    measure = ordinal_measure()
    target = TargetFactory(measure=measure)
    AuthorityFactory(sub_region=SubRegionFactory(region=target.target_set.region))
    return target


def test_every_stamped_table_is_a_models_table():
    models = (TargetSet, Theme, Measure, MeasureLevel, Target, Region, SubRegion)
    assert set(STAMPED_TABLES) == {model._meta.db_table for model in models}


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda t: t.save(), id="save"),
        pytest.param(lambda t: Target.objects.filter(pk=t.pk).update(title="New"), id="update"),
        pytest.param(lambda t: TargetFactory(target_set=t.target_set), id="insert"),
        pytest.param(lambda t: t.delete(), id="delete"),
        pytest.param(lambda t: Theme.objects.filter(pk=t.theme_id).update(name="X"), id="theme"),
        pytest.param(
            lambda t: Measure.objects.filter(pk=t.measure_id).update(name="X"), id="measure"
        ),
        pytest.param(
            lambda t: MeasureLevel.objects.filter(measure=t.measure_id, value=1).update(label="X"),
            id="level",
        ),
        pytest.param(
            lambda t: TargetSet.objects.filter(pk=t.target_set_id).update(title="X"), id="set"
        ),
        pytest.param(
            lambda t: SubRegion.objects.filter(region=t.target_set.region_id).update(name="X"),
            id="sub-region",
        ),
        pytest.param(lambda t: SubRegionFactory(region=t.target_set.region), id="new sub-region"),
        pytest.param(
            lambda t: Region.objects.filter(pk=t.target_set.region_id).update(name="X"),
            id="region",
        ),
    ],
)
def test_any_write_to_the_reference_data_changes_the_token(target, write):
    before = reference_token()

    write(target)

    assert reference_token() not in {before, None}


def test_sql_by_hand_changes_it_too(target):
    before = reference_token()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE targets_target SET title = %s WHERE id = %s", ["By hand", target.pk])
    assert reference_token() != before


def test_other_tables_leave_it_alone(target):
    before = reference_token()
    ReferenceStamp.objects.get(pk=1)  # reading
    target.theme.target_set.region.name  # noqa: B018 - reading through relations
    Authority.objects.update(name="Renamed")  # an authority is not the stamp's
    assert reference_token() == before


def test_a_rolled_back_change_rolls_the_token_back(target):
    before = reference_token()
    inside = []

    def change_then_fail():
        with transaction.atomic():
            Target.objects.filter(pk=target.pk).update(title="Never")
            inside.append(reference_token())
            raise RuntimeError

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert inside[0] != before
    assert reference_token() == before


def test_the_memo_keeps_an_answer_while_the_token_is_unchanged(target, django_assert_num_queries):
    memo = ReferenceMemo()
    made = []

    def make():
        made.append(1)
        return len(made)

    assert memo.get("key", make) == 1
    with django_assert_num_queries(1):  # the token only
        assert memo.get("key", make) == 1
    assert memo.get("other", make) == 2

    Target.objects.filter(pk=target.pk).update(title="Changed")

    assert memo.get("key", make) == 3
    assert memo.get("key", make) == 3


def test_without_its_row_nothing_is_kept(target):
    ReferenceStamp.objects.all().delete()
    memo = ReferenceMemo()
    made = []
    memo.get("key", lambda: made.append(1))
    memo.get("key", lambda: made.append(1))
    assert len(made) == 2


def test_the_memo_is_emptied_when_full(target):
    memo = ReferenceMemo(limit=2)
    for key in range(3):
        memo.get(key, lambda key=key: key)
    assert len(memo._kept) == 1


def test_fetch_reads_the_token_with_the_answer_then_alone(target, django_assert_num_queries):
    memo = ReferenceMemo()
    reads = []

    def read():
        reads.append(1)
        return reference_token(), len(reads)

    token = reference_token()
    with django_assert_num_queries(1):  # the reading alone, its token with it
        assert memo.fetch("key", read) == (1, token)
    with django_assert_num_queries(1):  # the token alone
        assert memo.fetch("key", read)[0] == 1

    Target.objects.filter(pk=target.pk).update(title="Changed")

    with django_assert_num_queries(2):  # the token, then the reading
        assert memo.fetch("key", read)[0] == 2


def test_the_visible_sub_regions_are_kept_until_a_sub_region_changes(
    target, django_assert_num_queries
):
    board = make_user(BOARD_MEMBER, region=target.target_set.region)

    def fresh():
        user = type(board).objects.get(pk=board.pk)
        user.get_all_permissions()  # a request has read these before (authorities.roles)
        region_id_of(user)
        return user

    first = visible_sub_regions(fresh())
    fresh_user = fresh()
    with django_assert_num_queries(1):  # the token alone
        again = visible_sub_regions(fresh_user)
    assert [sr.name for sr in again] == [sr.name for sr in first]
    assert again[0] is not first[0]  # each request its own copies
    assert visible_sub_regions(fresh_user)[0] is again[0]  # kept on the user for the request

    SubRegion.objects.filter(pk=first[0].pk).update(name="Renamed by hand")

    assert [sr.name for sr in visible_sub_regions(fresh())] == ["Renamed by hand"]
