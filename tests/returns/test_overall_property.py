"""The stored overall ratings kept up to date by the services are what a rebuild from scratch
writes, whatever the sequence of writes that led there (returns.overall's promise).

A small region (three sub-regions, authorities of several kinds, an inactive one, one LAA lead
per sub-region but the last) and a set of four targets of different shapes:

1. a percentage, higher is better, at least 95%, every authority;
2. days, lower is better, at most 20, districts and unitaries only (so counties report
   "outside the scope");
3. an ordinal 1-4 scale with its levels, a share rule (60% at level 3 or better);
4. yes/no, LAA-scoped, answered by the lead councils of counties and unitaries.

Hypothesis draws a sequence of what people and commands do: open returns, write lines (values,
own targets, awaiting, n/a with or without a reason, met / not met, manual ratings with or
without a reason, cells outside a target's scope, stale versions), import small CSV files,
record the sub-region's own ratings, take sign-off steps (as the programme manager, the
Director, a Director who is also a programme manager, the system actor) and change a target's
or a measure's rule. Whatever the services refuse is refused and the sequence goes on. Then:

* every stored ``Overall`` row, field by field, equals what ``rebuild()`` writes afresh;
* every line's stored rating is what the engine gives it now, and its scope is what the
  target's rule says.

Each example runs in a savepoint that is rolled back, so every example starts from the same
world (built once per test).
"""

from __future__ import annotations

import copy
import csv
import io
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from authorities.models import Authority, AuthorityKind
from authorities.roles import DIRECTOR, PROGRAMME_MANAGER
from returns import services
from returns.importing import COLUMNS, import_file
from returns.models import RATED_LINE_FIELDS, LineScope, Overall, Rerating, Return, ReturnLine
from returns.overall import rebuild
from returns.periods import Quarter
from returns.rating import rate
from returns.rerating import change_measure_rule, change_target_rule
from targets.models import Direction, MeasureKind, RuleKind, Scope, Target, rating_rule
from targets.rules import target_applies
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

QUARTERS = (Quarter(2009, 2), Quarter(2009, 3))
TODAY = date(2010, 1, 20)

#: Every field of a stored overall rating that a reader sees.
OVERALL_FIELDS = (
    "target_set_id",
    "rating",
    "explanation",
    "value",
    "counts",
    "states",
    "returns",
    "relevant",
    "known",
    "reported_rating",
    "reported_reason",
    "differs",
    "marks",
)
OVERALL_KEY = ("target_id", "year", "quarter", "region_id", "sub_region_id", "basis")


# ------------------------------------------------------------------------------------ the world


def build_world() -> SimpleNamespace:
    north = SubRegionFactory(slug="northshire", name="Northshire", order=1)
    south = SubRegionFactory(slug="southshire", name="Southshire", order=2, region=north.region)
    west = SubRegionFactory(slug="westshire", name="Westshire", order=3, region=north.region)

    def authority(sub_region, name, kind, **fields):
        return AuthorityFactory(
            sub_region=sub_region, name=name, short_name=name, kind=kind, **fields
        )

    north_cc = authority(north, "Northshire CC", AuthorityKind.COUNTY)
    south_city = authority(south, "Southport City", AuthorityKind.UNITARY)
    LAAAreaFactory(sub_region=north, lead_authority=north_cc, name="Northshire LAA")
    LAAAreaFactory(sub_region=south, lead_authority=south_city, name="Southshire LAA")
    authorities = {
        north: [
            north_cc,
            authority(north, "North Vale", AuthorityKind.DISTRICT),
            authority(north, "Hill Dale", AuthorityKind.DISTRICT),
            authority(north, "Northshire Fire", AuthorityKind.FIRE_RESCUE),
            authority(north, "Old Town", AuthorityKind.DISTRICT, active=False),
        ],
        south: [south_city, authority(south, "South Fen", AuthorityKind.DISTRICT)],
        # A county that leads no LAA: the LAA target applies to nobody here.
        west: [
            authority(west, "Westshire CC", AuthorityKind.COUNTY),
            authority(west, "West Peaks", AuthorityKind.NATIONAL_PARK),
        ],
    }

    target_set = TargetSetFactory(slug="stretch", title="Stretch targets")
    theme = ThemeFactory(target_set=target_set, name="Improvement", order=1)

    def target(number, measure, **fields):
        return TargetFactory(
            target_set=target_set,
            theme=theme,
            number=str(number),
            priority=number,
            code=f"stretch-{number}",
            measure=measure,
            **fields,
        )

    targets = [
        target(1, MeasureFactory(slug="invoices", kind=MeasureKind.PERCENTAGE), threshold=95),
        target(
            2,
            MeasureFactory(
                slug="benefit-days", kind=MeasureKind.DAYS, unit="days", direction=Direction.LOWER
            ),
            threshold=20,
            applies_to=[AuthorityKind.DISTRICT, AuthorityKind.UNITARY],
        ),
        target(
            3,
            ordinal_measure(slug="caa"),
            threshold=3,
            rule=RuleKind.SHARE_MEET,
            required_share=60,
        ),
        target(
            4,
            MeasureFactory(slug="laa-charter", kind=MeasureKind.YES_NO, unit=""),
            threshold=None,
            scope=Scope.LAA,
            applies_to=[AuthorityKind.COUNTY, AuthorityKind.UNITARY],
        ),
    ]
    # A target of another set: the sub-regions' own ratings of it are refused.
    stranger = TargetFactory(number="99", code="elsewhere-99")

    sub_regions = [north, south, west]
    pms = [make_user(PROGRAMME_MANAGER, sub_region=sub_region) for sub_region in sub_regions]
    # A Director who is also Northshire's programme manager: four eyes stop them approving
    # what they submitted.
    dual = make_user(DIRECTOR, sub_region=north, username="director-and-pm")
    dual.groups.add(Group.objects.get(name=PROGRAMME_MANAGER))
    return SimpleNamespace(
        sub_regions=sub_regions,
        authorities=authorities,
        target_set=target_set,
        targets=targets,
        stranger=stranger,
        pms=pms,
        director=make_user(DIRECTOR, username="director"),
        dual=dual,
        admin=make_user(None, username="targets-admin", is_superuser=True, is_staff=True),
        system=services.system_actor(),
    )


@pytest.fixture
def world(db):
    return build_world()


# ------------------------------------------------------------------------------- the strategies

SUB_REGION = st.integers(0, 2)
QUARTER = st.integers(0, 1)
AUTHORITY = st.integers(0, 4)  # modulo the sub-region's authorities
TARGET = st.integers(0, 3)
SEED = st.integers(0, 1000)  # a value, made to fit the target's measure (see ``value_for``)
# Mostly what the services accept, sometimes what they refuse (each shrinks to the first).
WRITER = st.sampled_from(["pm", "pm", "pm", "system", "other-pm"])
MOSTLY = st.sampled_from([True, True, True, False])
RARELY = st.sampled_from([False, False, False, False, True])

line_change = st.one_of(
    st.tuples(st.just("value"), SEED, st.none() | SEED),
    st.tuples(st.just("awaiting")),
    st.tuples(st.just("not_applicable"), MOSTLY),  # with a reason
    st.tuples(st.sampled_from(["met", "not_met"])),  # refused for yes/no
    st.tuples(st.just("manual"), st.sampled_from(["R", "A", "G", ""]), MOSTLY),  # a reason
    st.tuples(st.just("value-without-value")) | st.tuples(st.just("value"), SEED, st.none()),
)
authority_row = st.tuples(
    AUTHORITY,
    TARGET,
    st.sampled_from(["value", "value", "", "met", "not met"]),
    SEED,
    st.sampled_from(["", "", "", "R", "A", "G", "n/a", "-"]),  # "-": refused on a line
    MOSTLY,
)
own_row = st.tuples(  # the sub-region's own overall rating ("" removes it; n/a is refused)
    st.none(),
    TARGET,
    st.just(""),
    st.just(0),
    st.sampled_from(["R", "A", "G", "-", "", "n/a"]),
    MOSTLY,
)
reported_entry = st.tuples(
    st.sampled_from([0, 1, 2, 3, 0, 1, 2, 3, -1]),  # -1: a target of another set
    st.sampled_from(["R", "A", "G", "GREY", None, "R", "A", "G", "GREY", "X"]),
    MOSTLY,
)
rule_values = st.fixed_dictionaries(
    {},
    optional={
        "tolerance": st.sampled_from([None, Decimal(0), Decimal(2), Decimal("5.5")]),
        "threshold": st.integers(0, 2),  # an index into the target's thresholds
        "amber_margin": st.sampled_from([None, Decimal(0), Decimal(5), Decimal(15)]),
        "threshold_strict": st.booleans(),
        "applies_to": st.sampled_from(
            [[], ["district", "unitary"], ["county", "unitary"], ["county", "district"]]
        ),
        "scope": st.sampled_from(["authority", "laa"]),
        "required_share": st.sampled_from([Decimal(50), Decimal(60), Decimal(100)]),
    },
)
measure_values = st.fixed_dictionaries(
    {},
    optional={
        "tolerance": st.sampled_from([Decimal(0), Decimal(2), Decimal(10)]),
        "amber_margin": st.sampled_from([None, Decimal(0), Decimal(20)]),
        "direction": st.sampled_from(["higher", "lower"]),  # refused for yes/no: yes is better
    },
)
open_op = st.tuples(st.just("open"), SUB_REGION, QUARTER, WRITER)
RETURN = st.integers(0, 5)  # one of the returns opened so far, modulo their number
lines_op = st.tuples(
    st.just("lines"),
    RETURN,
    WRITER,
    RARELY,  # based on a stale version
    st.lists(st.tuples(AUTHORITY, TARGET, line_change), min_size=1, max_size=3),
)
import_op = st.tuples(
    st.just("import"),
    SUB_REGION,
    QUARTER,
    WRITER,
    st.lists(
        authority_row | own_row, min_size=1, max_size=4, unique_by=lambda row: row[:2]
    ),  # a file gives each line once
)
reported_op = st.tuples(
    st.just("reported"),
    RETURN,
    WRITER,
    RARELY,
    st.lists(reported_entry, min_size=1, max_size=3),
)
step_op = st.tuples(
    st.just("step"),
    RETURN,
    st.one_of(
        # The step the return's status allows, by the person who takes it.
        st.tuples(st.just("next"), st.booleans()),  # approve, or send back
        # Any step by anyone, with or without a comment.
        st.tuples(
            st.sampled_from(["submit", "approve", "send-back", "reopen"]),
            st.sampled_from(["pm", "director", "system", "dual"]),
            MOSTLY,
        ),
    ),
)
rule_op = st.tuples(
    st.just("rule"),
    TARGET,
    rule_values,
    MOSTLY,  # with a reason
    st.sampled_from(["admin", "admin", "admin", "pm"]),
)
measure_op = st.tuples(st.just("measure"), TARGET, measure_values)
operation = st.one_of(
    lines_op, step_op, import_op, reported_op, lines_op, step_op, open_op, rule_op, measure_op
)
first_returns = st.lists(st.tuples(SUB_REGION, QUARTER), min_size=1, max_size=3, unique=True)


# ------------------------------------------------------------------------------------ the runner

#: The step a return's status allows, who takes it and whether with a comment.
NEXT_STEP = {
    ("draft", False): ("submit", "pm", False),
    ("draft", True): ("submit", "system", True),
    ("returned", False): ("submit", "pm", True),
    ("returned", True): ("submit", "pm", False),
    ("submitted", False): ("approve", "director", False),
    ("submitted", True): ("send-back", "director", True),
    ("approved", False): ("reopen", "director", True),
    ("approved", True): ("reopen", "system", True),
}

THRESHOLDS = {
    MeasureKind.PERCENTAGE: (Decimal(90), Decimal(95), Decimal("99.5")),
    MeasureKind.DAYS: (Decimal(15), Decimal(20), Decimal(25)),
    MeasureKind.ORDINAL: (Decimal(2), Decimal(3), Decimal(4)),
    MeasureKind.YES_NO: (None, None, None),
}


def value_for(kind: str, seed: int) -> Decimal:
    """A value that fits the measure: 0-100% by tenths, 0-40 days, level 1-4, yes or no."""
    if kind == MeasureKind.PERCENTAGE:
        return Decimal(seed) / Decimal(10)
    if kind == MeasureKind.DAYS:
        return Decimal(seed % 41)
    if kind == MeasureKind.ORDINAL:
        return Decimal(1 + seed % 4)
    return Decimal(seed % 2)


def text_for(kind: str, seed: int) -> str:
    """The same value as a file writes it."""
    number = value_for(kind, seed)
    if kind == MeasureKind.PERCENTAGE:
        return f"{number}%"
    if kind == MeasureKind.DAYS:
        return f"{number} days"
    if kind == MeasureKind.YES_NO:
        return "yes" if number else "no"
    return str(number)


class Runner:
    """Takes the drawn operations through the services, noting what was done or refused."""

    def __init__(self, world: SimpleNamespace, *, say=print) -> None:
        self.world = world
        self.say = say  # hypothesis's ``note`` in the property test
        self.done: list[str] = []
        self.refused: list[str] = []

    # -- who and what

    def writer(self, who: str, sub_region_index: int):
        world = self.world
        if who == "pm":
            return world.pms[sub_region_index]
        if who == "other-pm":
            return world.pms[(sub_region_index + 1) % len(world.pms)]
        if who == "director":
            return world.director
        if who == "dual":
            return world.dual
        if who == "admin":
            return world.admin
        return world.system

    def target(self, index: int) -> Target:
        return Target.objects.select_related("measure").get(pk=self.world.targets[index].pk)

    def pick(self, which: int) -> tuple[Return | None, int]:
        """One of the returns opened so far, and the index of its sub-region."""
        returns = list(Return.objects.order_by("pk"))
        if not returns:
            return None, 0
        return_obj = returns[which % len(returns)]
        index = [s.pk for s in self.world.sub_regions].index(return_obj.sub_region_id)
        return return_obj, index

    def authority(self, sub_region_index: int, index: int):
        authorities = self.world.authorities[self.world.sub_regions[sub_region_index]]
        return authorities[index % len(authorities)]

    # -- running

    def run(self, op: tuple) -> None:
        try:
            outcome = getattr(self, f"op_{op[0]}")(*op[1:])
        except (ValidationError, PermissionDenied) as error:
            self.refused.append(op[0])
            self.say(f"{op!r} refused: {type(error).__name__}: {error}")
        else:
            if outcome == "skipped":
                self.say(f"{op!r} skipped: no such return")
            else:
                self.done.append(op[0])
                self.say(f"{op!r} done")

    def op_open(self, sub_region_index, quarter_index, who):
        services.open_return(
            sub_region=self.world.sub_regions[sub_region_index],
            target_set=self.world.target_set,
            quarter=QUARTERS[quarter_index],
            actor=self.writer(who, sub_region_index),
        )

    def op_lines(self, which, who, stale, cells):
        return_obj, sub_region_index = self.pick(which)
        if return_obj is None:
            return "skipped"
        changes = {}
        for authority_index, target_index, change in cells:
            authority = self.authority(sub_region_index, authority_index)
            target = self.target(target_index)
            changes[(authority.pk, target.pk)] = self.line_values(target, change)
        services.update_lines(
            return_obj=return_obj,
            changes=changes,
            actor=self.writer(who, sub_region_index),
            channel="property test",
            base_version=return_obj.version - 1 if stale else return_obj.version,
        )
        return None

    @staticmethod
    def line_values(target: Target, change: tuple) -> dict:
        kind = target.measure.kind
        what = change[0]
        if what == "value":
            own = None if change[2] is None else value_for(kind, change[2])
            return {"state": "value", "actual": value_for(kind, change[1]), "target_value": own}
        if what == "awaiting":
            return {"state": "awaiting", "actual": None}
        if what == "not_applicable":
            reason = "The council has no such service." if change[1] else ""
            return {"state": "not_applicable", "actual": None, "state_reason": reason}
        if what in {"met", "not_met"}:  # refused for a yes/no target
            return {"state": what, "actual": None}
        if what == "manual":
            reason = "Known locally." if change[2] else ""
            return {"manual_rating": change[1], "manual_reason": reason}
        return {"state": "value", "actual": None}  # refused: a value given needs the value

    def op_import(self, sub_region_index, quarter_index, who, rows):
        sub_region = self.world.sub_regions[sub_region_index]
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        for authority_index, target_index, actual, seed, rag, reason in rows:
            target = self.world.targets[target_index]
            if authority_index is None:
                where, actual_text = f"{sub_region.name} overall", ""
            else:
                where = self.authority(sub_region_index, authority_index).name
                actual_text = text_for(target.measure.kind, seed) if actual == "value" else actual
            cells = dict.fromkeys(COLUMNS, "")
            cells.update(
                sub_region=sub_region.slug,
                authority=where,
                target_set=self.world.target_set.slug,
                target=target.number,
                period=str(QUARTERS[quarter_index]),
                actual=actual_text,
                rag=rag,
                reason="As the council reported." if reason else "",
            )
            writer.writerow([cells[column] for column in COLUMNS])
        report = import_file(
            content=buffer.getvalue().encode(),
            filename="property.csv",
            actor=self.writer(who, sub_region_index),
            today=TODAY,
        )
        if report.errors:
            raise ValidationError([str(error) for error in report.errors])

    def op_reported(self, which, who, stale, entries):
        return_obj, sub_region_index = self.pick(which)
        if return_obj is None:
            return "skipped"
        ratings = {}
        for target_index, rating, reason in entries:
            target = self.world.stranger if target_index < 0 else self.world.targets[target_index]
            ratings[target.pk] = (
                None
                if rating is None
                else services.Reported(rating=rating, reason="Our view." if reason else " ")
            )
        services.set_reported_ratings(
            return_obj=return_obj,
            ratings=ratings,
            actor=self.writer(who, sub_region_index),
            channel="property test",
            base_version=return_obj.version - 1 if stale else None,
        )
        return None

    def op_step(self, which, how):
        return_obj, sub_region_index = self.pick(which)
        if return_obj is None:
            return "skipped"
        if how[0] == "next":
            step, who, comment = NEXT_STEP[(return_obj.status, how[1])]
        else:
            step, who, comment = how
        services.take_step(
            return_obj=return_obj,
            step=step,
            actor=self.writer(who, sub_region_index),
            comment="Checked against the papers." if comment else "",
        )
        return None

    def op_rule(self, target_index, values, reason, who):
        target = self.target(target_index)
        values = dict(values)
        if "threshold" in values:
            values["threshold"] = THRESHOLDS[target.measure.kind][values["threshold"]]
        if "required_share" in values and target.rule != RuleKind.SHARE_MEET:
            del values["required_share"]
        change_target_rule(
            target=target,
            values=values,
            actor=self.writer(who, 0),
            reason="The partnership agreed it." if reason else "",
        )

    def op_measure(self, target_index, values):
        change_measure_rule(
            measure=self.target(target_index).measure,
            values=values,
            actor=self.world.admin,
            reason="The partnership agreed it.",
        )


# ------------------------------------------------------------------------------------ the checks


def stored_overall() -> dict[tuple, dict]:
    rows = Overall.objects.values(*OVERALL_KEY, *OVERALL_FIELDS)
    snapshot = {tuple(row[name] for name in OVERALL_KEY): row for row in rows}
    assert len(snapshot) == len(rows), "two stored rows for one target, quarter, place, basis"
    return snapshot


def assert_rebuild_agrees() -> None:
    kept_up_to_date = stored_overall()
    Overall.objects.all().delete()

    written = rebuild()

    rebuilt = stored_overall()
    assert written == len(rebuilt)
    assert set(rebuilt) == set(kept_up_to_date), "rows missing or left over"
    for key, row in rebuilt.items():
        assert kept_up_to_date[key] == row, key


def assert_lines_rated_as_now(world) -> None:
    leads = set(Authority.objects.filter(led_laa__isnull=False).values_list("pk", flat=True))
    targets = {
        target.pk: target
        for target in Target.objects.select_related("measure").prefetch_related("measure__levels")
    }
    rules = {pk: rating_rule(target) for pk, target in targets.items()}
    for line in ReturnLine.objects.select_related("authority"):
        target = targets[line.target_id]
        fresh = copy.copy(line)
        rate(fresh, rules[line.target_id])
        assert {name: getattr(line, name) for name in RATED_LINE_FIELDS} == {
            name: getattr(fresh, name) for name in RATED_LINE_FIELDS
        }, line
        applies = target_applies(
            scope=target.scope,
            applies_to=target.applies_to,
            kind=line.authority.kind,
            leads_laa=line.authority_id in leads,
        )
        assert line.scope == (LineScope.IN if applies else LineScope.OUTSIDE), line


def expected_row_count(world) -> int:
    slices = set(Return.objects.filter(target_set=world.target_set).values_list("year", "quarter"))
    places = len(world.sub_regions) + 1  # each sub-region and the region
    return len(slices) * len(world.targets) * places * 2  # two bases


# ------------------------------------------------------------------------------------- the tests


def run_and_check(world, opened, operations, *, say=print, keep=False) -> Runner:
    """Run the operations and check; roll back unless ``keep`` (for a test to look further)."""
    runner = Runner(world, say=say)
    with transaction.atomic():
        for sub_region_index, quarter_index in opened:
            runner.run(("open", sub_region_index, quarter_index, "pm"))
        for op in operations:
            runner.run(op)
        assert Overall.objects.count() == expected_row_count(world)
        assert_lines_rated_as_now(world)
        assert_rebuild_agrees()
        transaction.set_rollback(not keep)  # the next example starts from the same world
    return runner


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(opened=first_returns, operations=st.lists(operation, min_size=3, max_size=10))
def test_property_stored_overall_ratings_are_what_a_rebuild_writes(world, opened, operations):
    runner = run_and_check(world, opened, operations, say=note)
    event(f"operations done: {len(runner.done) // 4 * 4}+")  # --hypothesis-show-statistics
    for kind in runner.done:
        event(f"done: {kind}")
    for kind in runner.refused:
        event(f"refused: {kind}")


def test_the_runner_takes_every_kind_of_step(world):
    """The property test is not vacuous: a hand-written sequence of every kind of operation
    goes through (nothing refused), and the checks hold after it."""
    runner = run_and_check(
        world,
        [(0, 1), (1, 1)],
        [
            ("lines", 0, "pm", False, [(0, 0, ("value", 930, None)), (1, 1, ("value", 25, 30))]),
            ("lines", 0, "pm", False, [(0, 1, ("value", 12, None))]),  # outside the scope
            ("lines", 0, "pm", False, [(1, 2, ("not_applicable", True))]),
            ("lines", 0, "pm", False, [(2, 2, ("met",)), (0, 3, ("value", 1, None))]),
            ("lines", 0, "system", False, [(2, 0, ("manual", "G", True))]),
            ("import", 1, 1, "pm", [(1, 1, "value", 22, "", False), (None, 0, "", 0, "R", True)]),
            ("reported", 0, "pm", False, [(0, "A", True), (2, "GREY", True)]),
            ("step", 0, ("submit", "pm", False)),
            ("step", 0, ("send-back", "director", True)),
            ("step", 0, ("next", False)),  # submitted again
            ("step", 0, ("next", False)),  # approved
            ("rule", 0, {"tolerance": Decimal(0), "threshold": 0}, True, "admin"),
            ("rule", 1, {"applies_to": []}, True, "admin"),
            ("measure", 2, {"amber_margin": Decimal(0)}),
            ("step", 0, ("reopen", "director", True)),
            ("open", 2, 0, "system"),
        ],
    )

    assert runner.refused == []
    assert set(runner.done) == {"open", "lines", "import", "reported", "step", "rule", "measure"}


def test_the_runner_notices_refusals(world):
    """Refused writes are caught and the sequence goes on; four eyes hold for the dual role."""
    runner = run_and_check(
        world,
        [(0, 0)],
        [
            ("lines", 0, "other-pm", False, [(0, 0, ("value", 930, None))]),
            ("lines", 0, "pm", False, [(0, 3, ("met",))]),  # yes/no: give yes or no
            ("lines", 0, "pm", True, [(0, 0, ("value", 930, None))]),  # stale
            ("reported", 0, "pm", False, [(-1, "R", True)]),  # a target of another set
            ("step", 0, ("submit", "dual", False)),
            ("step", 0, ("approve", "dual", False)),  # four eyes
            ("rule", 0, {"tolerance": Decimal(1)}, True, "pm"),  # not an administrator
            ("measure", 3, {"direction": "lower"}),  # yes/no: yes is better
        ],
    )

    assert runner.refused == ["lines", "lines", "lines", "reported", "step", "rule", "measure"]
    assert runner.done == ["open", "step"]


def test_a_rule_change_that_keeps_a_rating_rewrites_its_explanation(world):
    """Found by the property: a line Red before and after a new threshold kept saying "against
    at least 95%" once the threshold was 90%, and rebuild_ratings could not mend it."""
    runner = run_and_check(
        world,
        [(0, 0)],
        [
            ("lines", 0, "pm", False, [(0, 0, ("value", 0, None))]),  # 0%: Red
            ("rule", 0, {"threshold": 0}, True, "admin"),  # at least 90%: still Red
        ],
        keep=True,
    )

    assert runner.refused == []
    line = ReturnLine.objects.get(
        authority=world.authorities[world.sub_regions[0]][0], target=world.targets[0]
    )
    assert line.effective_rating == "R"
    assert "against at least 90%" in line.explanation
    assert line.history.latest("history_date").history_change_reason.startswith("Re-rated")
    # A new explanation is not a new rating: the record counts no changed line.
    (record,) = Rerating.objects.all()
    rated = ReturnLine.objects.filter(target=world.targets[0]).count()
    assert (record.lines_rated, record.lines_changed, record.lines.count()) == (rated, 0, 0)
