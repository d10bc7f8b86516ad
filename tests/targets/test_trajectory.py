"""The trajectory rule of an improvement plan's commitment (seed 004's key), and the states
seed 004 adds: Achieved, and not yet due. Pure: no database."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from targets.rating import (
    LineInput,
    LineState,
    Rating,
    RatingRule,
    computed_rating,
    judge_trajectory,
    overall_rating,
)
from targets.rating.overall import count_lines

ACH, G, A, R = Rating.ACHIEVED, Rating.GREEN, Rating.AMBER, Rating.RED
GREY, NYD = Rating.GREY, Rating.NOT_YET_DUE

#: Seed 004, line 33: "Reduce permanent exclusions of 11-19 year olds by 39 (34%)": Year 1
#: target 112, Year 2 110, Year 3 (the reward target) 69; lower is better.
EXCLUSIONS = RatingRule(
    kind="trajectory", measure_kind="count", direction="lower", threshold=D(69), unit="pupils"
)
#: Seed 004, line 107: "Increase recycling and composting from 32% … to 42% in 2008/2009".
RECYCLING = RatingRule(kind="trajectory", measure_kind="percentage", threshold=D(42))
#: Seed 004, line 188: "to less than 8.37 [days] in 2008/09": the threshold itself fails.
SICKNESS = RatingRule(
    kind="trajectory", measure_kind="days", direction="lower", threshold=D("8.37"), strict=True
)


@pytest.mark.parametrize(
    ("rule", "actual", "point", "expected"),
    [
        # On or better than the year's trajectory: Green.
        (EXCLUSIONS, "90", "110", G),  # seed 004: 2007/08 provisional 90, Year 2 target 110
        (EXCLUSIONS, "110", "110", G),  # level with the point is on trajectory
        (RECYCLING, "40", "38", G),
        # Behind, within the amber margin (10% of the point by default): Amber.
        (EXCLUSIONS, "112", "110", A),
        (EXCLUSIONS, "121", "110", A),  # 11 behind: exactly 10% of 110
        (RECYCLING, "34.2", "38", A),  # 3.8 points behind: 10% of 38
        (SICKNESS, "8.71", "8.37", A),  # seed 004, line 188: Qtr 1 8.71 days: Amber
        # Beyond the margin: Red.
        (EXCLUSIONS, "122", "110", R),
        (RECYCLING, "34", "38", R),
        # The final target met: Achieved, whatever the point.
        (EXCLUSIONS, "69", "110", ACH),
        (EXCLUSIONS, "60", None, ACH),
        (RECYCLING, "48.12", "42", ACH),  # seed 004, line 107: 48.12% against 42%: Achieved
        (SICKNESS, "8.36", "9", ACH),
        # A strict final target reached exactly is not met; without a point: not rated.
        (SICKNESS, "8.37", None, GREY),
        # No point for the year: the rule cannot say whether it is on trajectory.
        (EXCLUSIONS, "90", None, GREY),
        (RECYCLING, "41.9", None, GREY),
    ],
)
def test_the_trajectory_rule(rule, actual, point, expected):
    _, rating, text = judge_trajectory(D(actual), D(point) if point else None, rule)
    assert rating is expected
    assert text.endswith(".")
    if expected is ACH:
        assert "final target" in text
        assert "Achieved" in text
    if expected in {G, A, R}:
        assert "trajectory" in text
        assert "final target" in text
        assert "not yet met" in text


def test_without_a_final_target_the_point_decides_and_nothing_is_achieved():
    # Seed 004, line 38: under-18s in treatment, 118 "below the target set of 137".
    rule = RatingRule(kind="trajectory", measure_kind="count")
    assert judge_trajectory(D(118), D(137), rule)[1] is R  # 19 short: 13.9% of 137
    assert judge_trajectory(D(140), D(137), rule)[1] is G
    assert judge_trajectory(D(118), None, rule)[1] is GREY


def test_a_line_is_rated_by_the_rule_and_the_councils_own_rating_is_kept():
    line = LineInput("Leicestershire", actual=D(90), target_value=D(110), manual="A")
    rated = computed_rating(EXCLUSIONS, line)
    assert (rated.computed, rated.effective, rated.overridden) == (G, G, True)
    assert "The council rated it Amber by hand; the rule's Green stands" in rated.explanation


@pytest.mark.parametrize("manual", [G, A, R, ACH])
def test_progress_rated_by_hand_stands(manual):
    line = LineInput("Leicestershire", state="progress", manual=manual)
    rated = computed_rating(RatingRule(kind="trajectory", measure_kind="milestone"), line)
    assert (rated.computed, rated.effective, rated.stands_in) == (GREY, manual, True)
    assert f"the council's own rating, {manual.label}, stands" in rated.explanation


def test_not_yet_due_is_its_own_state_never_awaiting_data():
    rule = RatingRule(kind="trajectory", measure_kind="percentage")
    line = LineInput("Leicestershire", state="not_yet_due")
    rated = computed_rating(rule, line)
    assert rated.computed is NYD
    assert rated.effective is NYD
    assert rated.counted
    counts = count_lines([rated])
    assert counts["NYD"] == 1
    assert counts["GREY"] == 0
    assert counts["missing"] == 0
    result = overall_rating(rule, [line])
    assert result.rating is NYD
    assert "awaiting" not in result.explanation


def test_not_yet_due_beside_rated_lines_is_named_not_awaited():
    rule = RatingRule(kind="all_meet", measure_kind="count", threshold=D(10))
    lines = [
        LineInput("Blaby", actual=D(12)),
        LineInput("Melton", state="not_yet_due"),
        LineInput("Charnwood", state="awaiting"),
    ]
    result = overall_rating(rule, lines)
    assert result.rating is G
    assert "1 not yet due" in result.explanation
    assert "1 awaiting data" in result.explanation
    assert result.counts["NYD"] == 1
    assert result.counts["GREY"] == 1


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([ACH], ACH),
        ([ACH, ACH], ACH),
        ([ACH, G], G),  # Achieved only when every line is
        ([ACH, R], R),
        ([G, A], A),
    ],
)
def test_achieved_is_kept_only_when_every_line_is_achieved(ratings, expected):
    lines = [
        LineInput(f"LA {index}", state="progress", manual=rating)
        for index, rating in enumerate(ratings)
    ]
    for kind in ("trajectory", "all_meet"):
        rule = RatingRule(kind=kind, measure_kind="milestone")
        assert overall_rating(rule, lines).rating is expected


def test_a_share_rule_counts_achieved_as_meeting():
    rule = RatingRule(kind="share_meet", measure_kind="milestone", required_share=D(100))
    lines = [LineInput("A", manual=ACH), LineInput("B", manual=G)]
    assert overall_rating(rule, lines).rating is G


def test_the_overall_of_one_commitment_says_why():
    line = LineInput("Leicestershire", actual=D("48.12"), target_value=D(42))
    result = overall_rating(RECYCLING, [line])
    assert result.rating is ACH
    assert result.explanation.startswith("Achieved. 48.12% against the final target")
    assert result.counts["ACH"] == 1


numbers = st.decimals(min_value=0, max_value=10_000, places=2, allow_nan=False)


@given(actual=numbers, point=st.none() | numbers, final=st.none() | numbers, lower=st.booleans())
def test_property_achieved_exactly_when_the_final_target_is_met(actual, point, final, lower):
    rule = RatingRule(
        kind="trajectory",
        measure_kind="count",
        direction="lower" if lower else "higher",
        threshold=final,
    )
    _, rating, _ = judge_trajectory(actual, point, rule)
    met = final is not None and (actual <= final if lower else actual >= final)
    assert (rating is ACH) is met
    if not met:
        on_point = point is not None and (actual <= point if lower else actual >= point)
        assert (rating is G) is on_point
        assert (rating is GREY) is (point is None)


def test_line_states_match_the_models():
    from returns.models import LineState as ModelLineState
    from returns.models import Rating as ModelRating
    from targets.models import RuleKind as ModelRuleKind

    assert {state.value for state in LineState} == set(ModelLineState.values)
    assert {rating.value for rating in Rating} == set(ModelRating.values)
    assert "trajectory" in ModelRuleKind.values
