"""reports.dashboards: overall ratings, counts, headlines and drill-downs from a known matrix.

The world (``make_world``): two sub-regions, five authorities, three targets under two themes,
two quarters. Every expected letter below is worked out by hand from the rules:

North (county NC, LAA lead; districts N1, N2)      South (unitary SU, LAA lead; district S1)
2009/10 Q3, approved:                               2009/10 Q3, draft:
  T1 invoices ≥ 95%: NC 96 G, N1 90 A, N2 awaiting    T1: SU 80 R, S1 96 G
  T2 level ≥ 3 (county/unitary): NC level 2, rated    T2: SU level 3 G
     Red by hand (the rule gives Amber)               T3: awaiting
  T3 comparison with other regions: awaiting
2009/10 Q2, submitted: T1: NC 96 G, N1 96 G, N2 80 R; T2: NC level 3 G.  South: no return.

Theme "Outcomes" (order 1) holds T3 (priority 1) and T2 (priority 2); "Efficiency" (order 2)
holds T1. So the rows read T3, T2, T1.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from authorities.models import AuthorityKind
from authorities.roles import BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from reports.dashboards import (
    Counts,
    Filters,
    Mark,
    NotVisible,
    authority_for_page,
    build_authority,
    build_comparison,
    build_overview,
    build_sub_region,
    build_target,
    headline,
    lineage,
    movement,
    target_for_page,
)
from returns import services
from returns.models import LineState
from returns.periods import Quarter
from targets.models import MeasureKind, RuleKind
from tests.factories import (
    AuthorityFactory,
    LAAAreaFactory,
    MeasureFactory,
    SubRegionFactory,
    TargetFactory,
    TargetSetFactory,
    ThemeFactory,
    make_user,
    ordinal_measure,
)

Q2, Q3 = Quarter(2009, 2), Quarter(2009, 3)
HAND = "Rated Red by the sub-region: the inspection report is due."


def _authority(sub_region, kind, name, short, laa=None):
    return AuthorityFactory(
        sub_region=sub_region, kind=kind, name=name, short_name=short, laa_area=laa
    )


def make_world(*, extra_districts: int = 0, extra_quarters: int = 0) -> SimpleNamespace:
    """The world above; ``extra_*`` add data (for the query-count tests) without changing Q3."""
    system = services.system_actor()
    north = SubRegionFactory(slug="north", name="North", order=1)
    south = SubRegionFactory(slug="south", name="South", order=2)
    nc = _authority(north, AuthorityKind.COUNTY, "North County Council", "North CC")
    north_laa = LAAAreaFactory(sub_region=north, lead_authority=nc, name="North LAA")
    n1 = _authority(north, AuthorityKind.DISTRICT, "North One District Council", "North One")
    n2 = _authority(north, AuthorityKind.DISTRICT, "North Two District Council", "North Two")
    su = _authority(south, AuthorityKind.UNITARY, "South Unitary Council", "South U")
    LAAAreaFactory(sub_region=south, lead_authority=su, name="South LAA")
    s1 = _authority(south, AuthorityKind.DISTRICT, "South One District Council", "South One")
    for n in range(extra_districts):
        _authority(north, AuthorityKind.DISTRICT, f"Extra {n} District Council", f"Extra {n}")

    target_set = TargetSetFactory(slug="set-a", title="Set A", order=2)
    outcomes = ThemeFactory(target_set=target_set, name="Outcomes", order=1)
    efficiency = ThemeFactory(target_set=target_set, name="Efficiency", order=2)
    t1 = TargetFactory(
        target_set=target_set,
        theme=efficiency,
        number="1",
        priority=1,
        code="t1-invoices",
        title="Invoices paid in 30 days",
        measure=MeasureFactory(kind=MeasureKind.PERCENTAGE, unit="%"),
        threshold=Decimal(95),
    )
    t2 = TargetFactory(
        target_set=target_set,
        theme=outcomes,
        number="2",
        priority=2,
        code="t2-care",
        title="Social care performing well",
        measure=ordinal_measure(slug="care-rating"),
        threshold=Decimal(3),
        applies_to=["county", "unitary"],
    )
    t3 = TargetFactory(
        target_set=target_set,
        theme=outcomes,
        number="3",
        priority=1,
        code="t3-compare",
        title="Better than other regions",
        measure=MeasureFactory(kind=MeasureKind.PERCENTAGE, unit="%"),
        rule=RuleKind.COMPARISON,
        threshold=None,
        rule_notes="Needs the other regions' figures.",
    )

    def write(sub_region, quarter, changes):
        return_obj, _ = services.open_return(
            sub_region=sub_region, target_set=target_set, quarter=quarter, actor=system
        )
        services.update_lines(
            return_obj=return_obj,
            changes={(a.pk, t.pk): values for (a, t), values in changes.items()},
            actor=system,
            channel="test",
        )
        return return_obj

    def value(number, **extra):
        return {"state": LineState.VALUE, "actual": Decimal(number), **extra}

    north_q3 = write(
        north,
        Q3,
        {
            (nc, t1): value(96, comment="From the finance team.", date_of_data=date(2009, 12, 9)),
            (n1, t1): value(90),
            (nc, t2): value(2, manual_rating="R", manual_reason=HAND),
        },
    )
    services.submit_return(return_obj=north_q3, actor=system)
    services.approve_return(return_obj=north_q3, actor=system)
    south_q3 = write(south, Q3, {(su, t1): value(80), (s1, t1): value(96), (su, t2): value(3)})
    north_q2 = write(north, Q2, {(nc, t1): value(96), (n1, t1): value(96), (n2, t1): value(80)})
    services.update_lines(
        return_obj=north_q2, changes={(nc.pk, t2.pk): value(3)}, actor=system, channel="test"
    )
    services.submit_return(return_obj=north_q2, actor=system)
    for index in range(extra_quarters):
        write(north, Quarter.from_index(Q2.index - 1 - index), {(nc, t1): value(50)})

    # Lineage: T0 (an older set) → T1 → T9 (a later set) → T10 (later still).
    old_set = TargetSetFactory(slug="set-old", title="Old set", order=1)
    later_set = TargetSetFactory(slug="set-later", title="Later set", order=3)
    t0 = TargetFactory(target_set=old_set, number="4", code="t0-old", title="Old invoices")
    t9 = TargetFactory(target_set=later_set, number="9", code="t9-new", title="New invoices")
    t10 = TargetFactory(target_set=later_set, number="10", code="t10-newer", title="Newer")
    t1.replaces.add(t0)
    t9.replaces.add(t1)
    t10.replaces.add(t9)
    return SimpleNamespace(**locals())


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def board(db):
    return make_user(BOARD_MEMBER)


def letters(cells) -> str:
    return " ".join(cell.mark.text for cell in cells)


# ------------------------------------------------------------------------------ the overview


def test_overview_rows_by_theme_in_priority_order_with_every_overall_rating(world, board):
    overview = build_overview(user=board, target_set=world.target_set, quarter=Q3)

    assert [group.name for group in overview.themes] == ["Outcomes", "Efficiency"]
    assert [row.target.number for row in overview.rows] == ["3", "2", "1"]
    assert [column.name for column in overview.columns] == ["North", "South"]
    table = {row.target.number: (letters(row.cells), row.region.mark.text) for row in overview.rows}
    # T2 North: the county's level 2 is Amber by the rule; its own Red is shown beside it.
    assert table == {"3": ("– –", "–"), "2": ("A G", "A"), "1": ("A R", "R")}
    t1 = overview.rows[2]
    assert "the worst rating, Red, is the overall one" in t1.region.explanation
    assert t1.target.rule_text == "Met when all authorities are at least 95%."


def test_overview_counts_per_target_per_column_and_in_all(world, board):
    overview = build_overview(user=board, target_set=world.target_set, quarter=Q3)
    t3, t2, t1 = overview.rows

    # T1's lines: NC G, N1 A, N2 Grey, SU R, S1 G.
    assert t1.counts == Counts(red=1, amber=1, green=2, grey=1)
    # T2: NC Amber (the rule's; its own Red is kept beside), SU Green; T3: five awaiting data.
    assert t2.counts == Counts(amber=1, green=1)
    assert t3.counts == Counts(grey=5)
    assert overview.line_counts == Counts(red=1, amber=2, green=3, grey=6)
    assert overview.region_counts == Counts(red=1, amber=1, not_rated=1)
    assert overview.column_counts == [
        Counts(amber=2, not_rated=1),
        Counts(red=1, green=1, not_rated=1),
    ]


def test_overview_headline(world, board):
    overview = build_overview(user=board, target_set=world.target_set, quarter=Q3)

    assert overview.headline == (
        "Of 3 targets, 1 amber, 1 red and 1 not rated from the returns for the region in "
        "2009/10 Q3."
    )


def test_overview_completeness(world, board):
    overview = build_overview(user=board, target_set=world.target_set, quarter=Q3)

    north, south = overview.completeness
    assert (north.lines, north.values, north.awaiting, north.missing) == (7, 3, 4, 0)
    assert (south.lines, south.values, south.awaiting, south.missing) == (5, 3, 2, 0)
    assert overview.completeness_total.lines == 12
    assert [c.return_status for c in overview.columns] == ["approved", "draft"]
    assert (overview.returns_made, overview.returns_signed_off, overview.returns_approved) == (
        2,
        1,
        1,
    )


def test_a_quarter_without_a_return_for_a_sub_region_counts_its_authorities_as_missing(
    world, board
):
    overview = build_overview(user=board, target_set=world.target_set, quarter=Q2)

    north, south = overview.completeness
    assert south.sub_region.status_label == "No return"
    assert (south.lines, south.missing) == (5, 5)
    assert north.sub_region.status_label == "Submitted"
    assert letters(overview.rows[2].cells) == "R Grey"


def test_filter_by_theme_and_by_rating(world, board):
    by_theme = build_overview(
        user=board,
        target_set=world.target_set,
        quarter=Q3,
        filters=Filters(theme=world.efficiency.pk),
    )
    red = build_overview(
        user=board, target_set=world.target_set, quarter=Q3, filters=Filters(rating="R")
    )

    assert [row.target.number for row in by_theme.rows] == ["1"]
    assert by_theme.headline == "Of 1 target, 1 red for the region in 2009/10 Q3."
    assert [row.target.number for row in red.rows] == ["1"]


def test_filter_by_sub_region_keeps_its_column_and_speaks_of_it(world, board):
    overview = build_overview(
        user=board, target_set=world.target_set, quarter=Q3, filters=Filters(sub_region="south")
    )

    assert [column.slug for column in overview.columns] == ["south"]
    assert overview.headline == (
        "Of 3 targets, 1 green, 1 red and 1 not rated from the returns for South in 2009/10 Q3."
    )
    # The region's column is still the region's.
    assert [row.region.mark.text for row in overview.rows] == ["–", "A", "R"]


def test_filter_by_kind_recomputes_the_ratings_over_those_authorities(world, board):
    overview = build_overview(
        user=board, target_set=world.target_set, quarter=Q3, filters=Filters(kind="district")
    )
    _t3, t2, t1 = overview.rows

    # Districts only: N1 Amber, N2 awaiting, S1 Green → Amber; North A, South G.
    assert (letters(t1.cells), t1.region.mark.text) == ("A G", "A")
    assert t1.counts == Counts(amber=1, green=1, grey=1)
    # T2 is for county and unitary councils: not applicable to districts.
    assert (letters(t2.cells), t2.region.mark.text) == ("n/a n/a", "n/a")
    assert "does not apply to district councils" in t2.region.explanation
    assert overview.headline.endswith("for district councils in the region in 2009/10 Q3.")
    assert overview.region_label == "Region (district councils only)"


def test_a_programme_manager_sees_their_own_sub_region_only(world):
    pm = make_user(PROGRAMME_MANAGER, sub_region=world.north)

    overview = build_overview(user=pm, target_set=world.target_set, quarter=Q3)

    assert [column.slug for column in overview.columns] == ["north"]
    assert not overview.whole_region
    assert overview.scope_note.startswith("Over North only")
    assert overview.rows[2].region.explanation.startswith("Over North only")
    assert overview.headline.endswith("for North in 2009/10 Q3.")


# ---------------------------------------------------------------------------- a sub-region


def test_sub_region_matrix_cells_open_on_the_line(world, board):
    view = build_sub_region(
        user=board, sub_region=world.north, target_set=world.target_set, quarter=Q3
    )

    assert [row.authority.short_name for row in view.rows] == ["North CC", "North One", "North Two"]
    assert [target.number for target in view.targets] == ["3", "2", "1"]
    county = view.rows[0].cells
    invoices = county[2]
    assert (invoices.mark.code, invoices.value_text, invoices.target_text) == (
        "G",
        "96%",
        "95% (the target's threshold)",
    )
    assert invoices.status == "within"
    assert invoices.comment == "From the finance team."
    assert str(invoices.date_of_data) == "2009-12-09"
    assert invoices.line_url.startswith(f"/returns/{world.north_q3.pk}/lines/")
    assert invoices.explanation


def test_sub_region_marks_a_manual_rating_that_differs_from_the_rule(world, board):
    view = build_sub_region(
        user=board, sub_region=world.north, target_set=world.target_set, quarter=Q3
    )

    care = view.rows[0].cells[1]
    assert care.overridden
    # The rule's Amber stands (a value is rated by the rule); the sub-region's Red is kept.
    assert (care.mark.code, care.computed.code, care.manual.code) == ("A", "A", "R")
    assert care.manual_reason == HAND
    assert view.overridden == 1
    assert not view.rows[0].cells[2].overridden


def test_not_applicable_and_awaiting_data_are_told_apart(world, board):
    view = build_sub_region(
        user=board, sub_region=world.north, target_set=world.target_set, quarter=Q3
    )

    district_care = view.rows[1].cells[1]  # T2 is not for districts
    awaiting = view.rows[2].cells[2]  # North Two's invoices
    assert (district_care.state, district_care.mark.text, district_care.short_text) == (
        "does_not_apply",
        "n/a",
        "does not apply",
    )
    assert "does not apply to district councils" in district_care.explanation
    assert (awaiting.state, awaiting.mark.text, awaiting.short_text) == (
        "awaiting",
        "Grey",
        "awaiting data",
    )
    assert district_care.css != awaiting.css


def test_sub_region_overall_row_and_headline(world, board):
    view = build_sub_region(
        user=board, sub_region=world.north, target_set=world.target_set, quarter=Q3
    )

    assert letters(view.overall) == "– A A"
    assert view.headline == (
        "Of 3 targets, 2 amber and 1 not rated from the returns for North in 2009/10 Q3."
    )
    assert (view.completeness.lines, view.completeness.values) == (7, 3)
    assert view.return_url == f"/returns/{world.north_q3.pk}/"


def test_sub_region_filters_kind_and_rating(world, board):
    districts = build_sub_region(
        user=board,
        sub_region=world.north,
        target_set=world.target_set,
        quarter=Q3,
        filters=Filters(kind="district"),
    )
    amber = build_sub_region(
        user=board,
        sub_region=world.north,
        target_set=world.target_set,
        quarter=Q3,
        filters=Filters(rating="A"),
    )

    assert [row.authority.short_name for row in districts.rows] == ["North One", "North Two"]
    assert letters(districts.overall) == "– n/a A"
    assert [row.authority.short_name for row in amber.rows] == ["North CC", "North One"]


def test_another_sub_region_is_not_visible_to_a_programme_manager(world):
    pm = make_user(PROGRAMME_MANAGER, sub_region=world.north)

    with pytest.raises(NotVisible):
        build_sub_region(user=pm, sub_region=world.south, target_set=world.target_set, quarter=Q3)


# -------------------------------------------------------------------------------- a target


def test_target_lines_distribution_and_trend(world, board):
    view = build_target(user=board, target=target_for_page("t1-invoices", user=board), quarter=Q3)

    assert [line.authority.short_name for line in view.lines] == [
        "North CC",
        "North One",
        "North Two",
        "South U",
        "South One",
    ]
    assert [line.sub_region for line in view.lines] == ["North"] * 3 + ["South"] * 2
    assert view.distribution == Counts(red=1, amber=1, green=2, grey=1)
    assert view.overall.mark.code == "R"
    assert [(sub_region.name, cell.mark.text) for sub_region, cell in view.sub_regions] == [
        ("North", "A"),
        ("South", "R"),
    ]
    trend = [(str(point.quarter), point.overall.mark.text, point.counts) for point in view.trend]
    assert trend == [
        ("2009/10 Q2", "R", Counts(red=1, green=2, grey=2)),
        ("2009/10 Q3", "R", Counts(red=1, amber=1, green=2, grey=1)),
    ]
    assert view.headline == (
        "Of 5 authorities, 2 green, 1 amber, 1 red and 1 not yet known for the region "
        "in 2009/10 Q3."
    )


def test_target_trend_fills_quarters_without_returns(world, board):
    view = build_target(
        user=board, target=target_for_page("t1-invoices", user=board), quarter=Q3.next()
    )

    assert [str(point.quarter) for point in view.trend] == [
        "2009/10 Q2",
        "2009/10 Q3",
        "2009/10 Q4",
    ]
    assert not view.trend[-1].has_returns
    assert view.trend[-1].overall.mark.code == "GREY"


def test_target_filters_sub_region_kind_and_rating(world, board):
    target = target_for_page("t1-invoices", user=board)

    south = build_target(user=board, target=target, quarter=Q3, filters=Filters(sub_region="south"))
    districts = build_target(
        user=board, target=target, quarter=Q3, filters=Filters(kind="district")
    )
    green = build_target(user=board, target=target, quarter=Q3, filters=Filters(rating="G"))

    assert [line.authority.short_name for line in south.lines] == ["South U", "South One"]
    assert south.overall.mark.code == "R"
    assert south.scope == "South"
    assert [point.overall.mark.code for point in south.trend] == ["GREY", "R"]
    assert districts.overall.mark.code == "A"
    assert districts.distribution == Counts(amber=1, green=1, grey=1)
    assert [line.authority.short_name for line in green.lines] == ["North CC", "South One"]


def test_lineage_is_followed_across_sets_both_ways(world):
    earlier, later = lineage(world.t1)

    assert [(item.code, item.target_set, item.depth) for item in earlier] == [
        ("t0-old", "Old set", 1)
    ]
    assert [(item.code, item.depth) for item in later] == [("t9-new", 1), ("t10-newer", 2)]
    assert lineage(world.t2) == ([], [])


def test_a_programme_manager_sees_only_their_authorities_on_a_target(world):
    pm = make_user(PROGRAMME_MANAGER, sub_region=world.south)

    view = build_target(user=pm, target=target_for_page("t1-invoices", user=pm), quarter=Q3)

    assert [line.authority.short_name for line in view.lines] == ["South U", "South One"]
    assert view.overall.explanation.startswith("Over South only")


# ----------------------------------------------------------------------------- an authority


def test_authority_page_quarter_by_quarter(world, board):
    view = build_authority(
        user=board, authority=authority_for_page(world.nc.slug), target_set=world.target_set
    )

    assert [str(q) for q in view.quarters] == ["2009/10 Q2", "2009/10 Q3"]
    assert [status for _, status in [(q, r.status_label) for q, r in view.columns]] == [
        "Submitted",
        "Approved",
    ]
    rows = {row.target.number: letters(row.cells) for group in view.themes for row in group.rows}
    assert rows == {"3": "Grey Grey", "2": "G A", "1": "G G"}
    assert view.laa == ""  # the factory's county has no LAA area set
    assert view.headline == (
        "Of 3 targets, 1 green, 1 amber and 1 not yet known for North County Council in 2009/10 Q3."
    )


def test_authority_page_says_why_a_cell_is_empty(world, board):
    south_one = build_authority(
        user=board, authority=authority_for_page(world.s1.slug), target_set=world.target_set
    )

    rows = {row.target.number: row.cells for group in south_one.themes for row in group.rows}
    no_return, q3 = rows["1"]
    assert (no_return.state, no_return.mark.code) == ("no_return", "GREY")
    assert "South made no return of Set A for 2009/10 Q2" in no_return.explanation
    assert q3.value_text == "96%"
    assert [cell.state for cell in rows["2"]] == ["does_not_apply", "does_not_apply"]


def test_an_authority_of_another_sub_region_is_not_visible_to_a_programme_manager(world):
    pm = make_user(PROGRAMME_MANAGER, sub_region=world.north)

    with pytest.raises(NotVisible):
        build_authority(
            user=pm, authority=authority_for_page(world.su.slug), target_set=world.target_set
        )


# ---------------------------------------------------------------------------- a comparison


def test_comparison_shows_each_movement(world, board):
    comparison = build_comparison(user=board, target_set=world.target_set, quarter=Q3, against=Q2)

    moves = {
        row.target.number: (
            [cell.movement.code for cell in row.cells],
            row.region.movement.code,
            (row.improved, row.worse, row.same),
        )
        for row in comparison.rows
    }
    assert moves == {
        "3": (["unknown", "unknown"], "unknown", (0, 0, 0)),
        "2": (["worse", "unknown"], "worse", (0, 1, 0)),
        "1": (["improved", "unknown"], "same", (0, 1, 1)),
    }
    assert comparison.movements == {"improved": 0, "same": 1, "worse": 1, "unknown": 1}
    assert comparison.headline == (
        "From 2009/10 Q2 to 2009/10 Q3, of 3 targets for the region: 1 stayed the same, "
        "1 got worse and 1 cannot be compared."
    )


def test_comparison_reads_from_the_earlier_quarter_whatever_the_order(world, board):
    comparison = build_comparison(user=board, target_set=world.target_set, quarter=Q2, against=Q3)

    assert (comparison.against, comparison.quarter) == (Q2, Q3)


# ------------------------------------------------------------------------------ the pieces


@pytest.mark.parametrize(
    ("before", "after", "expected", "symbol"),
    [
        ("R", "A", "improved", "▲"),
        ("G", "R", "worse", "▼"),
        ("A", "A", "same", "="),
        ("GREY", "G", "unknown", "–"),
        ("GREY", "GREY", "unknown", "–"),
        (None, None, "unknown", "–"),
    ],
)
def test_movement(before, after, expected, symbol):
    moved = movement(Mark.of(before), Mark.of(after))

    assert (moved.code, moved.symbol) == (expected, symbol)
    assert moved.text  # always a word, never colour alone


def test_headline_wording():
    assert headline(Counts(green=1), where="the region", quarter=Q3) == (
        "Of 1 target, 1 green for the region in 2009/10 Q3."
    )
    assert headline(Counts(), where="the region", quarter=Q3) == (
        "No targets to show for the region in 2009/10 Q3."
    )
    assert headline(Counts(green=2, amber=4, red=5, grey=1), where="the region", quarter=Q3) == (
        "Of 12 targets, 2 green, 4 amber, 5 red and 1 not yet known for the region in 2009/10 Q3."
    )


def test_marks_carry_text_and_never_colour_alone():
    for code in ("R", "A", "G", "GREY", "NA", None):
        mark = Mark.of(code)
        assert mark.text
        assert mark.label
        assert mark.css.startswith("rag rag--")
    assert Mark.of(None).rating is None
    assert Counts(red=1, grey=2).text == "1 Red, 0 Amber, 0 Green, 2 Grey"


def test_builders_do_not_depend_on_a_request(world):
    """The PDF papers call the builders from a command: a user and models are enough."""
    director = make_user(DIRECTOR)

    overview = build_overview(user=director, target_set=world.target_set, quarter=Q3)

    assert overview.whole_region


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"1": (0, 1, 1), "2": (0, 1, 0)}),
        ({"sub_region": "north"}, {"1": (0, 1, 1), "2": (0, 1, 0)}),
        ({"sub_region": "south"}, {"1": (0, 0, 0), "2": (0, 0, 0)}),
        ({"kind": "district"}, {"1": (0, 1, 0), "2": (0, 0, 0)}),
        ({"kind": "county"}, {"1": (0, 0, 1), "2": (0, 1, 0)}),
    ],
)
def test_comparison_counts_the_movements_of_the_authorities_shown(world, board, filters, expected):
    """Paired from the marks kept with the stored ratings: the region's row, the columns'
    rows when a sub-region is chosen, the quarter's lines of one kind when a kind is."""
    comparison = build_comparison(
        user=board,
        target_set=world.target_set,
        quarter=Q3,
        against=Q2,
        filters=Filters(**filters),
    )

    moves = {row.target.number: (row.improved, row.worse, row.same) for row in comparison.rows}
    assert {number: moves[number] for number in expected} == expected


def test_a_programme_managers_comparison_counts_their_own_authorities(world):
    pm = make_user(PROGRAMME_MANAGER, sub_region=world.north)

    comparison = build_comparison(user=pm, target_set=world.target_set, quarter=Q3, against=Q2)

    moves = {row.target.number: (row.improved, row.worse, row.same) for row in comparison.rows}
    assert moves["1"] == (0, 1, 1)
    assert moves["2"] == (0, 1, 0)
