"""reports.filters: what the dashboards' filters offer, their defaults and their errors."""

from __future__ import annotations

from datetime import date

import pytest

from authorities.roles import BOARD_MEMBER, PROGRAMME_MANAGER
from reports.dashboards import Filters
from reports.filters import BadSelection, DashboardFilter, load_options
from returns.periods import Quarter
from tests.factories import TargetSetFactory, make_user
from tests.reports.test_dashboards import make_world

ALL = ("target_set", "period", "against", "theme", "sub_region", "kind", "rating")


@pytest.fixture
def world(db):
    return make_world()


def select(user, data, fields=ALL, **kwargs):
    return DashboardFilter(data, options=load_options(user), fields=fields, **kwargs).selection()


def test_options_list_sets_quarters_themes_and_visible_sub_regions(
    world, django_assert_num_queries
):
    board = make_user(BOARD_MEMBER)
    board.get_all_permissions()  # cached on the user, as after the first check of a request

    # The user's region (issue 13), sets, quarters with their status, themes, sub-regions.
    with django_assert_num_queries(5):
        options = load_options(board)

    assert [ts.slug for ts in options.target_sets] == ["set-old", "set-a", "set-later"]
    assert options.quarters(world.target_set) == [Quarter(2009, 3), Quarter(2009, 2)]
    assert [name for _, name in options.themes(world.target_set)] == ["Outcomes", "Efficiency"]
    assert [sr.slug for sr in options.sub_regions] == ["north", "south"]
    assert options.default_set() == world.target_set


def test_defaults_are_the_newest_set_and_quarter_and_the_quarter_before(world):
    selection = select(make_user(BOARD_MEMBER), {})

    assert selection.target_set == world.target_set
    assert selection.quarter == Quarter(2009, 3)
    assert selection.against == Quarter(2009, 2)
    assert selection.filters == Filters()
    assert selection.has_returns


def test_a_set_without_returns_defaults_to_the_quarter_of_today(world):
    selection = select(
        make_user(BOARD_MEMBER), {"target_set": "set-later"}, today=date(2010, 1, 20)
    )

    assert selection.quarter == Quarter(2009, 4)
    assert not selection.has_returns


def test_with_no_return_at_all_the_first_adopted_set_is_the_default(db):
    TargetSetFactory(slug="proposed", status="proposed", order=1)
    adopted = TargetSetFactory(slug="adopted", order=2)

    selection = select(make_user(BOARD_MEMBER), {}, today=date(2010, 1, 20))

    assert selection.target_set == adopted


def test_every_filter_is_read(world):
    selection = select(
        make_user(BOARD_MEMBER),
        {
            "target_set": "set-a",
            "period": "2009-10 q2",
            "against": "2009/2010 Q1",
            "theme": str(world.efficiency.pk),
            "sub_region": "south",
            "kind": "district",
            "rating": "GREY",
        },
    )

    assert (selection.quarter, selection.against) == (Quarter(2009, 2), Quarter(2009, 1))
    assert selection.filters == Filters(
        theme=world.efficiency.pk, sub_region="south", kind="district", rating="GREY"
    )


def test_the_form_shows_the_quarters_with_returns_and_the_one_asked_for(world):
    board = make_user(BOARD_MEMBER)
    filterset = DashboardFilter(
        {"period": "2008/09 Q1"}, options=load_options(board), fields=("target_set", "period")
    )

    widget = filterset.form["period"].field.widget
    assert [label for _, label in widget.choices] == [
        "2009/10 Q3",
        "2009/10 Q2",
        "2008/09 Q1 (no return)",
    ]
    assert 'value="2008/09 Q1" selected' in str(filterset.form["period"])


def test_a_programme_manager_is_offered_their_own_sub_region_only(world):
    pm = make_user(PROGRAMME_MANAGER, sub_region=world.north)
    filterset = DashboardFilter({}, options=load_options(pm), fields=ALL)

    assert [value for value, _ in filterset.form["sub_region"].field.choices] == ["", "north"]
    with pytest.raises(BadSelection) as error:
        select(pm, {"sub_region": "south"})
    assert error.value.errors == {
        "sub_region": ['No sub-region "south" you may see; they are: north.']
    }


def test_errors_name_each_parameter(world):
    with pytest.raises(BadSelection) as error:
        select(make_user(BOARD_MEMBER), {"period": "Q3", "rating": "X", "theme": "abc"})

    assert set(error.value.errors) == {"period", "rating"}
    assert "write it like" in error.value.detail


def test_a_theme_of_another_set_is_dropped_with_a_note(world):
    selection = select(make_user(BOARD_MEMBER), {"theme": str(world.t0.theme_id)})

    assert selection.filters.theme is None
    assert selection.notes == ["The theme filter was cleared: that theme is not in Set A."]


def test_a_fixed_target_set_wins_over_the_query(world):
    board = make_user(BOARD_MEMBER)

    selection = select(
        board, {"target_set": "set-old"}, fields=("period",), target_set=world.target_set
    )

    assert selection.target_set == world.target_set
    assert selection.quarter == Quarter(2009, 3)


def test_a_named_set_reads_only_its_own_quarters_and_themes(world, django_assert_num_queries):
    """A page that names its set (or shows a target's own) needs no other set's quarters or
    themes: they are not read, so the options cost the same whatever the number of sets."""
    board = make_user(BOARD_MEMBER)
    board.get_all_permissions()

    with django_assert_num_queries(5):
        options = load_options(board, target_set="set-a")

    assert [ts.slug for ts in options.target_sets] == ["set-old", "set-a", "set-later"]
    assert options.quarters(world.target_set) == [Quarter(2009, 3), Quarter(2009, 2)]
    assert [name for _, name in options.themes(world.target_set)] == ["Outcomes", "Efficiency"]
    assert set(options.quarters_by_set) == {world.target_set.pk}
    assert set(options.themes_by_set) == {world.target_set.pk}
    # The set itself (a target's page) reads the same; an unknown slug reads every set's.
    assert load_options(board, target_set=world.target_set).quarters_by_set == (
        options.quarters_by_set
    )
    assert load_options(board, target_set="no-such-set").default_set() == world.target_set
    # And the selection is the one the full options give.
    named = DashboardFilter({"target_set": "set-a"}, options=options, fields=ALL).selection()
    full = DashboardFilter({"target_set": "set-a"}, options=load_options(board), fields=ALL)
    assert named == full.selection()


def test_each_filter_set_offers_its_own_choices(world):
    """The declared filters are copied per request (cheaply): one user's choices never show
    in another's form, and the declared filters keep none."""
    pm = make_user(PROGRAMME_MANAGER, sub_region=world.north)
    board = make_user(BOARD_MEMBER)

    board_form = DashboardFilter({}, options=load_options(board), fields=ALL).form
    pm_form = DashboardFilter({}, options=load_options(pm), fields=ALL).form
    board_again = DashboardFilter({}, options=load_options(board), fields=ALL).form

    def offered(form):
        return [value for value, _ in form.fields["sub_region"].choices if value]

    assert offered(board_form) == ["north", "south"]
    assert offered(pm_form) == ["north"]
    assert offered(board_again) == ["north", "south"]
    assert "choices" not in DashboardFilter.base_filters["sub_region"].extra
