"""The measures and the three target sets (fixtures/measures.toml, fixtures/target_sets/*.toml).

All three sets live side by side: the 2008 strategy (26 targets, 5 themes, seed 000), the 12
stretch targets (seed 002, item 8) and the 2009 revision (9 targets, 3 themes, seed 001).
"""

from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from authorities.models import AuthorityKind
from authorities.reference import FixtureError, load_authorities
from targets.models import (
    Direction,
    Measure,
    MeasureKind,
    MeasureLevel,
    RuleKind,
    Scope,
    Target,
    TargetSet,
    TargetSetStatus,
    Theme,
)
from targets.reference import load_measures, load_target_set, load_target_sets
from tests.factories import RegionFactory

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
SETS = [
    FIXTURES / "target_sets" / name
    for name in ("strategy-2008.toml", "stretch-targets.toml", "revision-2009.toml")
]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def east_midlands(db):
    """The sets are the East Midlands partnership's: its region exists first (issue 13)."""
    return RegionFactory()


@pytest.fixture
def loaded():
    return [load_measures(path=FIXTURES / "measures.toml"), *load_target_sets(paths=SETS)]


def targets_of(slug: str):
    return Target.objects.filter(target_set__slug=slug)


def target(slug: str, number: str) -> Target:
    return Target.objects.select_related("measure").get(target_set__slug=slug, number=number)


# ---------------------------------------------------------------------------------------------
# The sets, their themes and targets
# ---------------------------------------------------------------------------------------------


def test_three_sets_side_by_side_with_their_status(loaded):
    assert dict(TargetSet.objects.values_list("slug", "status")) == {
        "strategy-2008": TargetSetStatus.SUPERSEDED,
        "stretch-targets": TargetSetStatus.ADOPTED,
        "revision-2009": TargetSetStatus.PROPOSED,
    }
    assert all(target_set.source_paper for target_set in TargetSet.objects.all())


@pytest.mark.parametrize(
    ("slug", "targets", "themes"),
    [
        (
            "strategy-2008",
            26,
            [
                "Better outcomes for people and places",
                "Capacity Building",
                "Efficiency",
                "Driving self improvement of authorities and partnership",
                "Innovation and transformation",
            ],
        ),
        ("stretch-targets", 12, ["Stretch targets"]),
        ("revision-2009", 9, ["Capacity Building", "Service Improvement", "Efficiency"]),
    ],
)
def test_target_and_theme_counts(loaded, slug, targets, themes):
    assert targets_of(slug).count() == targets
    assert (
        list(
            Theme.objects.filter(target_set__slug=slug)
            .order_by("order")
            .values_list("name", flat=True)
        )
        == themes
    )
    numbers = [int(n) for n in targets_of(slug).values_list("number", flat=True)]
    assert sorted(numbers) == list(range(1, targets + 1))


@pytest.mark.parametrize(
    ("slug", "per_theme"),
    [
        ("strategy-2008", [range(1, 8), range(8, 12), range(12, 16), range(16, 24), range(24, 27)]),
        ("stretch-targets", [range(1, 13)]),
        ("revision-2009", [range(1, 4), range(4, 9), range(9, 10)]),
    ],
)
def test_targets_are_numbered_and_ranked_as_printed_within_their_theme(loaded, slug, per_theme):
    for theme, numbers in zip(
        Theme.objects.filter(target_set__slug=slug).order_by("order"), per_theme, strict=True
    ):
        ranked = theme.targets.order_by("priority").values_list("number", "priority")
        assert [(int(n), p) for n, p in ranked] == [
            (n, i) for i, n in enumerate(numbers, start=1)
        ], theme


def test_every_target_has_a_measure_a_rule_and_a_source(loaded):
    assert Target.objects.count() == 26 + 12 + 9
    for t in Target.objects.select_related("measure"):
        assert t.measure_id is not None, t
        assert t.rule in RuleKind.values, t
        assert t.source, t
        assert t.text, t
        assert t.title, t
        t.full_clean()  # the model's own rule checks hold for the data as loaded


def test_every_undecided_or_open_rule_says_what_is_open(loaded):
    undecided = Target.objects.filter(rule=RuleKind.UNDECIDED)
    assert undecided.exists()
    assert not undecided.filter(rule_notes="").exists()
    # Comparisons and pending baselines cannot be rated from the returns alone either.
    assert not Target.objects.filter(
        rule__in=[RuleKind.COMPARISON, RuleKind.RATIO_BASELINE], rule_notes=""
    ).exists()
    # A per-authority rule without a threshold means "each one's own target": it must say so.
    for t in Target.objects.filter(
        rule__in=[RuleKind.ALL_MEET, RuleKind.SHARE_MEET], threshold__isnull=True
    ):
        assert "own" in t.rule_notes, t


def test_the_2009_placeholders(loaded):
    placeholders = targets_of("revision-2009").filter(is_placeholder=True)
    assert sorted(int(n) for n in placeholders.values_list("number", flat=True)) == [2, 5, 6, 7]
    for t in placeholders:
        assert (
            t.text == "This will need to be considered again when the CAA criteria are published."
        )
        assert t.rule == RuleKind.UNDECIDED
    assert Target.objects.filter(is_placeholder=True).count() == 4
    procurement = target("revision-2009", "8")
    assert procurement.code == "r09-08-local-procurement"
    assert procurement.text.startswith("?%")
    assert not procurement.is_placeholder
    assert procurement.rule == RuleKind.UNDECIDED
    assert "?%" in procurement.rule_notes


def test_stretch_10_is_ni_1_and_11_is_ni_117(loaded):
    cohesion, neet = target("stretch-targets", "10"), target("stretch-targets", "11")
    assert (cohesion.indicator, cohesion.measure.slug) == ("NI 1", "ni1-cohesion")
    assert (neet.indicator, neet.code, neet.measure.slug) == (
        "NI 117",
        "st-ni117-neet",
        "ni117-neet",
    )
    assert neet.measure.direction == Direction.LOWER
    assert cohesion.scope == neet.scope == Scope.LAA


@pytest.mark.parametrize(
    ("slug", "number", "indicator"),
    [
        ("stretch-targets", "7", "NI 179"),
        ("stretch-targets", "9", "DWP KPI 1"),
        ("stretch-targets", "12", "NI 185"),
        ("strategy-2008", "5", "NI 3"),
        ("strategy-2008", "12", "NI 179"),
        ("strategy-2008", "24", "NI 5"),
        ("revision-2009", "9", "NI 179"),
    ],
)
def test_national_indicators(loaded, slug, number, indicator):
    assert target(slug, number).indicator == indicator


def test_codes_are_unique_and_carry_their_set(loaded):
    prefixes = {"strategy-2008": "s08-", "stretch-targets": "st-", "revision-2009": "r09-"}
    codes = list(Target.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    for t in Target.objects.select_related("target_set"):
        assert t.code.startswith(prefixes[t.target_set.slug]), t


@pytest.mark.parametrize(
    ("slug", "number", "rule", "parameters"),
    [
        ("strategy-2008", "12", RuleKind.AGGREGATE, {"aggregate_amount": 300000}),
        ("strategy-2008", "26", RuleKind.AGGREGATE, {"aggregate_amount": 112000}),
        ("strategy-2008", "6", RuleKind.SHARE_MEET, {"threshold": 20, "required_share": 90}),
        ("strategy-2008", "10", RuleKind.SHARE_MEET, {"threshold": 1, "required_share": 60}),
        ("strategy-2008", "14", RuleKind.SHARE_MEET, {"required_share": 80}),
        ("strategy-2008", "15", RuleKind.SHARE_MEET, {"threshold": 3, "required_share": 75}),
        ("strategy-2008", "8", RuleKind.ALL_MEET, {"threshold": 3}),
        ("strategy-2008", "19", RuleKind.ALL_MEET, {"threshold": 3}),
        ("strategy-2008", "5", RuleKind.IMPROVEMENT, {}),
        ("strategy-2008", "11", RuleKind.COMPARISON, {}),
        ("strategy-2008", "17", RuleKind.COMPARISON, {"threshold": 3}),
        ("strategy-2008", "7", RuleKind.UNDECIDED, {}),
        ("stretch-targets", "4", RuleKind.ALL_MEET, {"threshold": 3}),
        ("stretch-targets", "6", RuleKind.ALL_MEET, {"threshold": 75}),
        ("stretch-targets", "8", RuleKind.ALL_MEET, {"threshold": 95}),
        ("stretch-targets", "9", RuleKind.ALL_MEET, {"threshold": 20}),
        ("revision-2009", "1", RuleKind.RATIO_BASELINE, {"baseline": None}),
        ("revision-2009", "3", RuleKind.ALL_MEET, {"threshold": 2}),
        ("revision-2009", "4", RuleKind.ALL_MEET, {"threshold": 80}),
        ("revision-2009", "9", RuleKind.ALL_MEET, {"threshold": 3}),
    ],
)
def test_rules_and_their_parameters(loaded, slug, number, rule, parameters):
    t = target(slug, number)
    assert t.rule == rule
    for name, value in parameters.items():
        assert getattr(t, name) == value, name


@pytest.mark.parametrize(
    ("slug", "number", "kinds"),
    [
        ("stretch-targets", "1", {"county", "unitary"}),  # adult social care
        ("stretch-targets", "2", {"county", "unitary"}),  # children's services
        ("stretch-targets", "9", {"district", "unitary"}),  # "a District council measure"
        ("stretch-targets", "4", {"county", "unitary", "district", "fire_rescue"}),
        ("stretch-targets", "5", {"county", "unitary", "district", "fire_rescue"}),
        ("stretch-targets", "6", {"county", "unitary"}),
        ("strategy-2008", "10", {"county", "unitary", "district"}),  # "councils"
        ("strategy-2008", "21", set()),  # "100% of authorities": every kind
    ],
)
def test_applies_to(loaded, slug, number, kinds):
    assert set(target(slug, number).applies_to) == kinds


def test_laa_targets_are_answered_by_county_and_unitary_leads(loaded):
    laa_targets = Target.objects.filter(scope=Scope.LAA)
    assert laa_targets.count() == 8
    for t in laa_targets:
        assert set(t.applies_to) == {AuthorityKind.COUNTY, AuthorityKind.UNITARY}, t


def test_deadlines(loaded):
    assert str(target("strategy-2008", "16").deadline) == "2009-03-31"  # end of 2008/09
    assert str(target("strategy-2008", "8").deadline) == "2011-03-31"  # by 2010/11
    assert str(target("revision-2009", "1").deadline) == "2011-03-31"  # by March 2011
    assert not targets_of("stretch-targets").exclude(deadline="2011-03-31").exists()
    assert target("strategy-2008", "7").deadline is None


def test_lineage_across_sets(loaded):
    def replaced(code: str) -> set[str]:
        return set(Target.objects.get(code=code).replaces.values_list("code", flat=True))

    assert replaced("r09-03-equality-framework-achieving") == {"s08-08-equality-standard-level-3"}
    assert replaced("r09-04-laa-stretch-80") == {"s08-01-laa-stretch-80"}
    assert replaced("st-laa-75-percent") == {"s08-01-laa-stretch-80"}
    assert replaced("st-use-of-resources-level-3") == {"s08-19-use-of-resources-level-3"}
    assert replaced("st-annual-efficiency-target") == {
        "s08-13-ni179-each-authority",
        "s08-14-ni179-over-achieve-80",
    }
    assert replaced("r09-08-local-procurement") == set()
    equalities = Target.objects.get(code="s08-08-equality-standard-level-3")
    assert list(equalities.replaced_by.values_list("code", flat=True)) == [
        "r09-03-equality-framework-achieving"
    ]
    for t in Target.objects.prefetch_related("replaces"):
        assert all(earlier.target_set_id != t.target_set_id for earlier in t.replaces.all()), t


# ---------------------------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------------------------


def test_directions(loaded):
    lower = set(Measure.objects.filter(direction=Direction.LOWER).values_list("slug", flat=True))
    assert lower == {
        "ni117-neet",
        "benefit-claims-processing-days",
        "sickness-absence-days",
        "caa-red-green-flag-ratio",
        "plan-count-lower",  # an improvement plan's (seed 004): permanent exclusions
    }
    assert Measure.objects.get(slug="ni185-co2-reduction").direction == Direction.HIGHER


def test_ordinal_levels_come_from_the_papers(loaded):
    def labels(slug: str) -> list[tuple[int, str]]:
        return list(MeasureLevel.objects.filter(measure__slug=slug).values_list("value", "label"))

    assert labels("caa-organisational-assessment") == [
        (1, "Performing poorly"),
        (2, "Performing adequately"),
        (3, "Performing well"),
        (4, "Performing excellently"),
    ]
    assert [v for v, _ in labels("use-of-resources")] == [1, 2, 3, 4]
    assert [v for v, _ in labels("childrens-services-stars")] == [0, 1, 2, 3]
    assert [v for v, _ in labels("equality-standard")] == [1, 2, 3, 4, 5]
    assert labels("equality-framework") == [(1, "Developing"), (2, "Achieving"), (3, "Excellent")]
    assert [label for _, label in labels("direction-of-travel")] == [
        "Not improving adequately",
        "Improving adequately",
        "Improving well",
        "Improving strongly",
    ]
    for measure in Measure.objects.filter(kind=MeasureKind.ORDINAL):
        assert measure.levels.count() >= 2, measure
    assert not MeasureLevel.objects.exclude(
        measure__kind__in=[MeasureKind.ORDINAL, MeasureKind.MILESTONE]
    ).exists()


def test_ordinal_thresholds_are_levels_of_their_measure(loaded):
    for t in Target.objects.filter(measure__kind=MeasureKind.ORDINAL, threshold__isnull=False):
        assert t.measure.levels.filter(value=t.threshold).exists(), t


def test_yes_no_measures_and_the_default_tolerance(loaded):
    yes_no = set(Measure.objects.filter(kind=MeasureKind.YES_NO).values_list("slug", flat=True))
    assert {"iip-status", "member-development-charter", "peer-review", "bit-programme"} <= yes_no
    neet = Measure.objects.get(slug="ni117-neet")
    assert (neet.tolerance_kind, neet.tolerance) == ("relative", 2)  # the Lincolnshire ±2%
    assert Measure.objects.get(slug="ni179-cashable-savings").unit == "£k"
    assert all(m.source for m in Measure.objects.all())


def test_every_measure_is_used(loaded):
    # The improvement plan's measures are used by its set (targets/test_plan_fixture.py); the
    # plan belongs to a council, so the authorities come first.
    load_authorities(path=FIXTURES / "authorities.toml")
    load_target_set(path=FIXTURES / "target_sets" / "lcc-improvement-plan-2008-09.toml")
    unused = Measure.objects.filter(targets__isnull=True).values_list("slug", flat=True)
    assert list(unused) == []


# ---------------------------------------------------------------------------------------------
# Idempotent loading, load order and malformed fixtures
# ---------------------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Measure, MeasureLevel, TargetSet, Theme, Target, Target.replaces.through)
    }


def test_loading_twice_changes_nothing(loaded):
    first = counts()
    again = [load_measures(path=FIXTURES / "measures.toml"), *load_target_sets(paths=SETS)]
    assert counts() == first
    for before, after in zip(loaded, again, strict=True):
        assert before.created == before.total
        assert (after.created, after.updated, after.unchanged) == (0, 0, before.total)


def test_sets_load_in_any_order():
    load_measures(path=FIXTURES / "measures.toml")
    load_target_sets(paths=list(reversed(SETS)))
    assert Target.objects.get(code="r09-03-equality-framework-achieving").replaces.count() == 1


def test_a_single_set_needs_the_targets_its_lineage_names(tmp_path):
    load_measures(path=FIXTURES / "measures.toml")
    with pytest.raises(FixtureError) as caught:
        load_target_set(path=SETS[2])
    assert caught.value.field == "replaces"
    assert "revision-2009.toml: targets #2 (code 'r09-02-" in str(caught.value)
    assert TargetSet.objects.count() == 0
    load_target_set(path=SETS[0])
    load_target_set(path=SETS[2])
    assert targets_of("revision-2009").count() == 9


def test_a_changed_target_is_updated_by_code(loaded, tmp_path):
    path = tmp_path / "stretch-targets.toml"
    path.write_text(
        SETS[1].read_text(encoding="utf-8").replace("threshold = 95", "threshold = 96"), "utf-8"
    )
    summary = load_target_set(path=path)
    assert (summary.created, summary.updated) == (0, 1)
    assert target("stretch-targets", "8").threshold == 96


def broken(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / source.name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "row", "field"),
    [
        ('rule = "share_meet"', 'rule = "most_meet"', "targets #6 (code 's08-06-", "rule"),
        (
            "required_share = 90",
            "required_sahre = 90",
            "targets #6 (code 's08-06-",
            "required_sahre",
        ),
        ("required_share = 90", "required_share = 190", "targets #6 (code", "required_share"),
        ("aggregate_amount = 300000\n", "", "targets #12 (code 's08-12-", "aggregate_amount"),
        ('theme = "Efficiency"', 'theme = "Efficency"', "targets #12 (code 's08-12-", "theme"),
        (
            'measure = "laa-stretch-achievement"',
            'measure = "laa-achievement"',
            "targets #1 (code 's08-01-",
            "measure",
        ),
        ("threshold = 2\n", "threshold = 2.5\n", "targets #2 (code 's08-02-", "threshold"),
        ("deadline = 2009-03-31", 'deadline = "March 2009"', "targets #16 (code", "deadline"),
        (
            'rule_notes = "The sub-set of national targets and the targets themselves were still '
            'to be agreed by the region; no measure, threshold or date is given."',
            'rule_notes = ""',
            "targets #7 (code 's08-07-",
            "rule_notes",
        ),
    ],
)
def test_a_malformed_target_names_the_row_and_field_and_writes_nothing(
    tmp_path, old, new, row, field
):
    load_measures(path=FIXTURES / "measures.toml")
    before = counts()
    path = broken(tmp_path, SETS[0], old, new)
    with pytest.raises(FixtureError) as caught:
        load_target_sets(paths=[path, SETS[1]])
    assert caught.value.field == field, str(caught.value)
    assert row in caught.value.row
    assert str(caught.value).startswith(f"strategy-2008.toml: {caught.value.row}: field '{field}'")
    assert counts() == before


def test_a_malformed_measure_writes_nothing(tmp_path):
    path = broken(tmp_path, FIXTURES / "measures.toml", 'direction = "lower"', 'direction = "down"')
    with pytest.raises(
        FixtureError, match=r"measures #\d+ \(slug 'ni117-neet'\): field 'direction'"
    ):
        load_measures(path=path)
    assert Measure.objects.count() == 0


def test_the_command_loads_everything_and_prints_a_line_per_file(capsys):
    call_command("load_reference_data")
    first = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in first] == [
        "authorities.toml",
        "measures.toml",
        "strategy-2008.toml",
        "stretch-targets.toml",
        "revision-2009.toml",
        "lcc-improvement-plan-2008-09.toml",
        "projects.toml",
    ]
    assert Counter(Target.objects.values_list("target_set__slug", flat=True)) == {
        "strategy-2008": 26,
        "stretch-targets": 12,
        "revision-2009": 9,
        "lcc-improvement-plan-2008-09": 119,
    }
    call_command("load_reference_data")
    second = capsys.readouterr().out.splitlines()
    assert all(": 0 created, 0 updated, " in line for line in second), second


def test_the_command_writes_nothing_when_a_target_set_is_malformed(tmp_path):
    fixtures = tmp_path / "fixtures"
    (fixtures / "target_sets").mkdir(parents=True)
    for name in ("authorities.toml", "measures.toml"):
        (fixtures / name).write_text((FIXTURES / name).read_text(encoding="utf-8"), "utf-8")
    broken(fixtures / "target_sets", SETS[1], 'measure = "ni117-neet"', 'measure = "neet"')
    with pytest.raises(
        CommandError, match=r"stretch-targets.toml: targets #11 \(code 'st-ni117-neet'\)"
    ):
        call_command("load_reference_data", fixtures_dir=fixtures)
    assert Measure.objects.count() == 0
    assert TargetSet.objects.count() == 0
    # Nor the authorities, loaded earlier in the same command.
    load_authorities(path=FIXTURES / "authorities.toml")  # still loads cleanly afterwards
