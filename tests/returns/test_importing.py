"""Importing returns from CSV and XLSX files (returns.importing).

The helpers at the top (``World``, ``world``, ``csv_file``, ``xlsx_file``, ``row``) are also
used by test_exporting, test_io_commands and test_io_views.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from authorities.models import AuthorityKind, SubRegion
from authorities.roles import DIRECTOR, PROGRAMME_MANAGER
from returns import creating, importing, services
from returns.importing import COLUMNS, ImportFileError, ValueProblem, import_file
from returns.models import LineState, Overall, ReportedRating, Return, ReturnLine, ReturnStatus
from returns.periods import Quarter
from returns.services import system_actor
from targets.models import Direction, MeasureKind, Target, TargetSet
from tests.factories import (
    AuthorityAliasFactory,
    AuthorityFactory,
    MeasureFactory,
    SubRegionFactory,
    TargetFactory,
    TargetSetFactory,
    ThemeFactory,
    make_user,
    ordinal_measure,
)

PERIOD = "2009/10 Q3"
TODAY = date(2010, 1, 20)  # the Board met on 20 January 2010
CAA = ("Performing poorly", "Performing adequately", "Performing well", "Performing excellently")


@dataclass
class World:
    derbyshire: SubRegion
    lincolnshire: SubRegion
    stretch: TargetSet
    targets: dict[str, Target]
    pm: object  # Derbyshire's programme manager
    pm_lincs: object


def build_world() -> World:
    """Two sub-regions with a few authorities each, and a stretch set covering every measure.

    Derbyshire: its county council (GSS code E10000007, alias "Derbyshire CC"), Amber Valley
    (district) and its fire and rescue service ("Fire Service" only within Derbyshire).
    Lincolnshire: its county council and Boston (district).
    """
    derbyshire = SubRegionFactory(slug="derbyshire", name="Derbyshire", order=1)
    lincolnshire = SubRegionFactory(slug="lincolnshire", name="Lincolnshire", order=3)
    county = AuthorityFactory(
        sub_region=derbyshire,
        slug="derbyshire-cc",
        name="Derbyshire County Council",
        short_name="Derbyshire",
        kind=AuthorityKind.COUNTY,
        gss_code="E10000007",
    )
    AuthorityFactory(
        sub_region=derbyshire,
        slug="amber-valley",
        name="Amber Valley Borough Council",
        short_name="Amber Valley",
    )
    fire = AuthorityFactory(
        sub_region=derbyshire,
        slug="derbyshire-fire",
        name="Derbyshire Fire and Rescue Service",
        short_name="Derbyshire Fire",
        kind=AuthorityKind.FIRE_RESCUE,
    )
    AuthorityFactory(
        sub_region=lincolnshire,
        slug="lincolnshire-cc",
        name="Lincolnshire County Council",
        short_name="Lincolnshire",
        kind=AuthorityKind.COUNTY,
    )
    AuthorityFactory(
        sub_region=lincolnshire, slug="boston", name="Boston Borough Council", short_name="Boston"
    )
    AuthorityAliasFactory(authority=county, alias="Derbyshire CC")
    AuthorityAliasFactory(authority=fire, alias="Fire Service", sub_region=derbyshire)

    stretch = TargetSetFactory(slug="stretch-targets", title="12 stretch targets")
    theme = ThemeFactory(target_set=stretch, name="Stretch")

    def target(number: str, measure, **fields) -> Target:
        return TargetFactory(
            target_set=stretch,
            theme=theme,
            number=number,
            priority=int(number),
            code=f"stretch-{number}",
            measure=measure,
            **fields,
        )

    percentage = MeasureFactory(slug="percentage", kind=MeasureKind.PERCENTAGE)
    neet = MeasureFactory(slug="neet", kind=MeasureKind.PERCENTAGE, direction=Direction.LOWER)
    targets = {
        "caa": target("4", ordinal_measure(slug="caa", labels=CAA), threshold=D(3)),
        "invoices": target("5", percentage, threshold=D(95)),
        "savings": target(
            "6", MeasureFactory(slug="k", kind=MeasureKind.MONEY, unit="£k"), threshold=D(1000)
        ),
        "benefits": target(
            "7",
            MeasureFactory(slug="days", kind=MeasureKind.DAYS, direction=Direction.LOWER),
            threshold=D(20),
            applies_to=[AuthorityKind.DISTRICT, AuthorityKind.UNITARY],
        ),
        "charter": target(
            "8",
            MeasureFactory(slug="charter", kind=MeasureKind.YES_NO, unit=""),
            threshold=None,
        ),
        "peer": target(
            "9", MeasureFactory(slug="count", kind=MeasureKind.COUNT, unit="reviews"), threshold=2
        ),
        "ni1": target("10", percentage, indicator="NI 1", threshold=D(60)),
        "neet": target(
            "11",
            neet,
            indicator="NI 117",
            threshold=D(6),
            applies_to=[AuthorityKind.COUNTY, AuthorityKind.UNITARY],
        ),
    }
    pm = make_user(PROGRAMME_MANAGER, sub_region=derbyshire, username="pm-derbyshire")
    pm_lincs = make_user(PROGRAMME_MANAGER, sub_region=lincolnshire, username="pm-lincolnshire")
    return World(derbyshire, lincolnshire, stretch, targets, pm, pm_lincs)


@pytest.fixture
def world(db) -> World:
    return build_world()


def row(
    authority: str = "Amber Valley",
    target: str = "5",
    actual: object = "",
    *,
    sub_region: str = "derbyshire",
    target_set: str = "stretch-targets",
    period: str = PERIOD,
    date_of_data: object = "",
    target_value: object = "",
    rag: str = "",
    reason: str = "",
    comment: str = "",
    source: str = "",
) -> list:
    """One data row in the order of COLUMNS."""
    return [
        sub_region,
        authority,
        target_set,
        target,
        period,
        date_of_data,
        actual,
        target_value,
        rag,
        reason,
        comment,
        source,
    ]


def csv_file(rows: list[list], header=COLUMNS, *, encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(["" if value is None else value for value in r] for r in rows)
    return buffer.getvalue().encode(encoding)


def xlsx_file(rows: list[list], header=COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for r in rows:
        sheet.append([None if value == "" else value for value in r])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(content: bytes, actor, *, filename: str = "returns.csv", **kwargs):
    return import_file(content=content, filename=filename, actor=actor, today=TODAY, **kwargs)


def messages(report) -> list[str]:
    return [str(error) for error in report.errors]


def line(authority_slug: str, target: Target) -> ReturnLine:
    return ReturnLine.objects.get(authority__slug=authority_slug, target=target)


def history_count() -> int:
    return ReturnLine.history.count()


# ---------------------------------------------------------------------------------------------
# Good files
# ---------------------------------------------------------------------------------------------

GOOD_ROWS = [
    row("Derbyshire County Council", "4", "Performing well (3)", date_of_data="09/12/09"),
    row("Amber Valley", "4", "2", date_of_data="2009-12-09", comment="Inspection due"),
    row("Amber Valley", "5", "92.79%"),
    row("Amber Valley", "6", "£1,038"),
    row("Amber Valley", "7", "24 days"),
    row("Amber Valley", "8", "yes"),
    row("Amber Valley", "9", "3"),
    row("Derbyshire", "NI 117", "5.85", target_value="5.7"),
    row("E10000007", "ni1", "", rag="Yellow", reason="Place Survey not repeated until 2010"),
]


def test_a_good_csv_creates_the_return_and_rated_lines(world):
    report = run(csv_file(GOOD_ROWS), world.pm)

    assert report.ok, messages(report)
    assert (report.created_returns, report.changed_lines) == (1, len(GOOD_ROWS))
    return_obj = Return.objects.get()
    assert (return_obj.sub_region, return_obj.target_set) == (world.derbyshire, world.stretch)
    assert (return_obj.period, return_obj.status) == (Quarter(2009, 3), ReturnStatus.DRAFT)
    t = world.targets
    county_caa = line("derbyshire-cc", t["caa"])
    assert (county_caa.actual, county_caa.date_of_data) == (D(3), date(2009, 12, 9))
    assert county_caa.computed_rating == "G"
    amber_caa = line("amber-valley", t["caa"])
    assert (amber_caa.computed_rating, amber_caa.comment) == ("A", "Inspection due")
    invoices = line("amber-valley", t["invoices"])
    assert (invoices.state, invoices.actual, invoices.computed_rating) == ("value", D("92.79"), "A")
    assert "92.79%" in invoices.explanation
    assert line("amber-valley", t["savings"]).actual == D(1038)
    benefits = line("amber-valley", t["benefits"])
    assert (benefits.actual, benefits.computed_rating) == (D(24), "R")
    assert line("amber-valley", t["charter"]).actual == D(1)
    assert line("amber-valley", t["peer"]).actual == D(3)
    neet = line("derbyshire-cc", t["neet"])
    assert (neet.actual, neet.target_value, neet.effective_rating) == (D("5.85"), D("5.7"), "A")
    manual = line("derbyshire-cc", t["ni1"])
    assert (manual.state, manual.actual) == (LineState.AWAITING, None)
    assert (manual.manual_rating, manual.effective_rating, manual.computed_rating) == (
        "A",
        "A",
        "GREY",
    )
    assert manual.manual_reason == "Place Survey not repeated until 2010"


def test_a_good_xlsx_with_typed_cells_imports_the_same(world):
    rows = [
        row("Derbyshire County Council", "4", 3, date_of_data=datetime(2009, 12, 9)),
        row("Amber Valley", 5, 92.79),
        row("Amber Valley", "6", 41661),
        row("Amber Valley", "8", True),
        row("Derbyshire", "NI 117", 5.85, target_value=5.7),
    ]
    report = run(xlsx_file(rows), world.pm, filename="December 2009.xlsx")

    assert report.ok, messages(report)
    t = world.targets
    caa = line("derbyshire-cc", t["caa"])
    assert (caa.actual, caa.date_of_data, caa.computed_rating) == (D(3), date(2009, 12, 9), "G")
    assert line("amber-valley", t["invoices"]).actual == D("92.79")
    assert line("amber-valley", t["savings"]).actual == D(41661)
    assert line("amber-valley", t["charter"]).actual == D(1)
    assert line("derbyshire-cc", t["neet"]).target_value == D("5.7")
    # A line of a return the import creates is written once: one history row, its creation,
    # with the import's reason and who imported.
    history = caa.history.get()
    assert (history.history_type, history.history_change_reason) == (
        "+",
        "import: December 2009.xlsx",
    )
    assert history.history_user == world.pm


def test_an_xlsx_percent_formatted_cell_is_read_as_a_percentage(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    sheet.append(row("Amber Valley", "5", 0.9279))
    sheet["G2"].number_format = "0.00%"
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = run(buffer.getvalue(), world.pm, filename="r.xlsx")

    assert report.ok, messages(report)
    assert line("amber-valley", world.targets["invoices"]).actual == D("92.79")


def test_a_file_may_span_sub_regions_and_quarters(world):
    rows = [
        row("Amber Valley", "5", "90"),
        row("Amber Valley", "5", "91", period="2009/10 Q4"),
        row("Boston", "5", "99", sub_region="Lincolnshire"),
    ]
    report = run(csv_file(rows), system_actor())

    assert report.ok, messages(report)
    assert report.created_returns == 3
    assert {(r.sub_region.slug, r.quarter) for r in Return.objects.all()} == {
        ("derbyshire", 3),
        ("derbyshire", 4),
        ("lincolnshire", 3),
    }


def test_headers_are_case_and_space_insensitive_and_extra_columns_ignored(world):
    header = [name.upper().replace("_", " ") for name in COLUMNS] + ["Notes"]
    content = csv_file([[*row("Amber Valley", "5", "96"), "ignored"]], header=header)

    report = run(content, world.pm)

    assert report.ok, messages(report)
    assert line("amber-valley", world.targets["invoices"]).actual == D(96)


def test_optional_columns_may_be_left_out_and_keep_their_fields(world):
    run(csv_file([row("Amber Valley", "5", "96", comment="Kept", rag="G", reason="ok")]), world.pm)
    header = ["sub_region", "authority", "target_set", "target", "period", "actual"]

    content = csv_file([[*row("Amber Valley", "5")[:5], "97"]], header=header)

    report = run(content, world.pm)

    assert report.ok, messages(report)
    invoices = line("amber-valley", world.targets["invoices"])
    assert (invoices.actual, invoices.comment, invoices.manual_rating) == (D(97), "Kept", "G")


def test_csv_with_excel_bom_and_cp1252_are_read(world):
    bom = b"\xef\xbb\xbf" + csv_file([row("Amber Valley", "6", "£41,661")])
    assert run(bom, world.pm).ok
    cp1252 = csv_file([row("Amber Valley", "6", "£41,662", comment="café")], encoding="cp1252")

    report = run(cp1252, world.pm)

    assert report.ok, messages(report)
    savings = line("amber-valley", world.targets["savings"])
    assert (savings.actual, savings.comment) == (D(41662), "café")


# ---------------------------------------------------------------------------------------------
# Identities: sub-region, authority, target, period
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Derbyshire", "derbyshire", "DERBYSHIRE"])
def test_sub_region_by_name_or_slug_in_any_case(world, name):
    assert run(csv_file([row("Amber Valley", "5", "96", sub_region=name)]), world.pm).ok


@pytest.mark.parametrize(
    "name",
    [
        "Derbyshire County Council",  # name
        "derbyshire",  # short name
        "E10000007",  # GSS code
        "Derbyshire CC",  # alias
        "derbyshire cc.",  # alias, folded
    ],
)
def test_authority_by_name_short_name_gss_code_or_alias(world, name):
    report = run(csv_file([row(name, "4", "3")]), world.pm)

    assert report.ok, messages(report)
    assert line("derbyshire-cc", world.targets["caa"]).actual == D(3)


def test_a_scoped_alias_counts_only_within_its_sub_region(world):
    other = SubRegionFactory(slug="nottinghamshire", name="Nottinghamshire")
    AuthorityFactory(sub_region=other, name="Bassetlaw District Council", short_name="Bassetlaw")
    make_user(PROGRAMME_MANAGER, sub_region=other)
    assert run(csv_file([row("Fire Service", "5", "96")]), world.pm).ok
    assert line("derbyshire-fire", world.targets["invoices"]).actual == D(96)

    report = run(
        csv_file([row("Fire Service", "5", "96", sub_region="nottinghamshire")]),
        system_actor(),
    )

    assert messages(report) == ["row 2, authority: “Fire Service” is not an authority we know."]


def test_import_by_national_indicator_code_or_by_number(world):
    """The Derbyshire return swaps 10 and 11: by NI code each value lands on its target."""
    rows = [
        row("Derbyshire", "NI 117", "5.85"),
        row("Derbyshire", "ni1", "55"),
        row("Amber Valley", "10", "61"),
        row("Amber Valley", "stretch-5", "96"),  # the target's stable code
    ]
    report = run(csv_file(rows), world.pm)

    assert report.ok, messages(report)
    t = world.targets
    assert line("derbyshire-cc", t["neet"]).actual == D("5.85")
    assert line("derbyshire-cc", t["ni1"]).actual == D(55)
    assert line("amber-valley", t["ni1"]).actual == D(61)
    assert line("amber-valley", t["invoices"]).actual == D(96)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            {"sub_region": "Rutland"},
            "row 2, sub_region: “Rutland” is not a sub-regional partnership.",
        ),
        (
            {"authority": "Nowhere DC"},
            "row 2, authority: “Nowhere DC” is not an authority we know.",
        ),
        (
            {"authority": "Boston"},
            "row 2, authority: Boston Borough Council belongs to Lincolnshire, not to Derbyshire.",
        ),
        (
            {"target_set": "strategy-2012"},
            "row 2, target_set: “strategy-2012” is not a target set: give its slug or its "
            "title (stretch-targets (12 stretch targets)).",
        ),
        (
            {"target": "NI 999"},
            "row 2, target: “NI 999” is not a target of stretch-targets (give its number in the "
            "set or its national indicator code, e.g. NI 117).",
        ),
        (
            {"period": "2009 Q3"},
            'row 2, period: "2009 Q3" is not a quarter; write it like "2009/10 Q3".',
        ),
        ({"period": ""}, "row 2, period: is blank: every row needs it."),
    ],
)
def test_unknown_identities_are_reported_by_row_and_column(world, cells, expected):
    values = {"authority": "Amber Valley", "target": "5", "actual": "96", **cells}
    authority, target, actual = values.pop("authority"), values.pop("target"), values.pop("actual")

    report = run(csv_file([row(authority, target, actual, **values)]), world.pm)

    assert messages(report) == [expected]
    assert not Return.objects.exists()


def test_a_row_outside_the_targets_scope_is_kept_with_a_notice_and_never_counted(world):
    report = run(csv_file([row("Amber Valley", "NI 117", "5", target_value="6")]), world.pm)

    title = world.targets["neet"].title
    assert report.ok, messages(report)
    assert [str(notice) for notice in report.notices] == [
        f"row 2, target: target 11 ({title}) does not cover Amber Valley Borough Council: the "
        "line is kept as reported, outside the target's scope, and never counted in an overall "
        "rating."
    ]
    kept = line("amber-valley", world.targets["neet"])
    assert (kept.scope, kept.counted, kept.actual) == ("outside", False, D("5"))
    assert kept.explanation.startswith("Reported outside the target's scope, so not counted.")
    # Importing the same file again changes nothing, and says so again.
    again = run(csv_file([row("Amber Valley", "NI 117", "5", target_value="6")]), world.pm)
    assert (again.changed_lines, len(again.notices)) == (0, 1)


def test_an_xlsx_with_own_overall_rows_and_out_of_scope_rows_imports_like_the_csv(world):
    rows = [
        row("Amber Valley", "NI 117", "5", target_value="6"),
        row("Derbyshire SRP", "5", rag="R", reason="Some councils not meeting target"),
    ]

    report = run(xlsx_file(rows), world.pm, filename="returns.xlsx")

    assert report.ok, messages(report)
    assert (report.own_ratings, len(report.notices)) == (1, 1)
    assert line("amber-valley", world.targets["neet"]).scope == "outside"
    assert ReportedRating.objects.get().rating == "R"


# ---------------------------------------------------------------------------------------------
# Values, per measure
# ---------------------------------------------------------------------------------------------


SCALE = (
    "(1 = Performing poorly; 2 = Performing adequately; 3 = Performing well; "
    "4 = Performing excellently)"
)


@pytest.mark.parametrize(
    ("target", "actual", "problem"),
    [
        ("5", "104%", "“104%” is over 100% for a percentage."),
        ("5", "-1", "“-1”: a percentage cannot be negative."),
        ("5", "92,79", "“92,79” is not a number."),
        ("5", "n/k", "“n/k” is not a number."),
        ("5", "33.333333", "“33.333333” has more than 4 decimal places."),
        ("6", "-£5", "“-£5”: an amount of money (£k) cannot be negative."),
        ("6", "41%", "“41%”: this measure is not a percentage."),
        ("7", "-3", "“-3”: a number of days cannot be negative."),
        ("9", "-1", "“-1”: a count cannot be negative."),
        ("8", "maybe", "“maybe”: write yes or no."),
        ("4", "5", f"Level 5 is not on the scale {SCALE}."),
        (
            "4",
            "Performing brilliantly",
            f"“Performing brilliantly” is not a level of the scale {SCALE}.",
        ),
        (
            "4",
            "Performing poorly (3)",
            "“Performing poorly (3)”: level 3 is “Performing well”; the label and the number "
            "disagree.",
        ),
    ],
)
def test_a_bad_value_is_reported_with_its_row_and_column(world, target, actual, problem):
    rows = [row("Derbyshire", "4", "3"), row("Amber Valley", target, actual)]

    report = run(csv_file(rows), world.pm)

    assert messages(report) == [f"row 3, actual: {problem}"]


def test_the_papers_example_message(world):
    rows = [row("Amber Valley", str(n), "1") for n in (4, 6, 7, 8, 9)]  # rows 2 to 6
    rows.append(row("Amber Valley", "5", "104%"))  # row 7, as a spreadsheet user counts

    report = run(csv_file(rows), world.pm)

    assert messages(report) == ["row 7, actual: “104%” is over 100% for a percentage."]


def test_the_same_cell_in_several_rows_is_read_alike_and_each_row_named(world):
    # Each distinct cell is parsed once per measure (Reference.value): the same problem is
    # still reported on every row that has it, and a cell is read by each row's measure.
    rows = [row(a, "5", "104%") for a in ("Amber Valley", "Derbyshire County Council")]
    rows.append(row("Amber Valley", "8", "104%"))  # a yes/no target: another measure
    rows.append(row("Derbyshire County Council", "8", True))

    report = run(csv_file(rows), world.pm)

    assert messages(report) == [
        "row 2, actual: “104%” is over 100% for a percentage.",
        "row 3, actual: “104%” is over 100% for a percentage.",
        "row 4, actual: “104%”: write yes or no.",
    ]  # row 5's TRUE is yes


def test_target_value_is_checked_like_the_value(world):
    report = run(csv_file([row("Amber Valley", "5", "96", target_value="101")]), world.pm)

    assert messages(report) == ["row 2, target_value: “101” is over 100% for a percentage."]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2099-01-01", "“2099-01-01” is in the future: the date of data is when it was measured."),
        ("31/02/09", "“31/02/09” is not a date: write it as 2009-12-09 or 09/12/09."),
        ("December", "“December” is not a date: write it as 2009-12-09 or 09/12/09."),
    ],
)
def test_a_bad_date_of_data(world, value, problem):
    report = run(csv_file([row("Amber Valley", "5", "96", date_of_data=value)]), world.pm)

    assert messages(report) == [f"row 2, date_of_data: {problem}"]


def test_a_manual_rating_needs_its_reason_and_a_known_word(world):
    rows = [
        row("Amber Valley", "5", "96", rag="Green"),
        row("Amber Valley", "6", "1", rag="Purple", reason="why not"),
    ]
    report = run(csv_file(rows), world.pm)

    assert messages(report) == [
        "row 2, reason: is blank, but a rating is given: say why the line is rated Green by hand.",
        "row 3, rag: “Purple” is not a rating: write R, A, G, Grey (or -) or n/a (an "
        "improvement plan's commitment may also be Achieved).",
    ]


def test_duplicate_rows_for_the_same_cell(world):
    rows = [
        row("Amber Valley", "5", "96"),
        row("Amber Valley Borough Council", "5", "97"),
    ]
    report = run(csv_file(rows), world.pm)

    assert messages(report) == [
        "row 3: duplicates row 2: the same authority, target and period (give each line once)."
    ]


def test_every_bad_row_is_reported_and_several_problems_per_row(world):
    rows = [
        row("Amber Valley", "5", "96"),
        row("Amber Valley", "5", "abc", date_of_data="2099-01-01", rag="G"),
        row("Nowhere", "6", "-1"),
        row("Amber Valley", "99", "-1"),
    ]
    report = run(csv_file(rows), world.pm)

    assert [(e.row, e.column) for e in report.errors] == [
        (3, "date_of_data"),
        (3, "actual"),
        (3, "reason"),
        (3, ""),
        (4, "authority"),
        (4, "actual"),  # typed by the target even though the authority is unknown
        (5, "target"),  # an unknown target: the value cannot be typed
    ]


# ---------------------------------------------------------------------------------------------
# State, blanks and idempotence
# ---------------------------------------------------------------------------------------------


def test_state_follows_the_value_and_the_rating(world):
    rows = [
        row("Amber Valley", "5", "96"),
        row("Amber Valley", "6", "", rag="n/a", reason="No efficiency target for districts"),
        row("Amber Valley", "7", ""),
        row("Amber Valley", "8", "", rag="g", reason="Charter signed in November"),
    ]
    assert run(csv_file(rows), world.pm).ok
    t = world.targets

    assert line("amber-valley", t["invoices"]).state == LineState.VALUE
    na = line("amber-valley", t["savings"])
    assert (na.state, na.manual_rating, na.effective_rating) == ("not_applicable", "", "NA")
    assert (na.state_reason, na.counted) == ("No efficiency target for districts", False)
    assert line("amber-valley", t["benefits"]).state == LineState.AWAITING
    manual_only = line("amber-valley", t["charter"])
    assert (manual_only.state, manual_only.effective_rating) == (LineState.AWAITING, "G")


def test_a_blank_target_value_keeps_the_lines_target_value(world):
    assert run(csv_file([row("Derbyshire", "NI 117", "5.85", target_value="5.7")]), world.pm).ok
    assert run(csv_file([row("Derbyshire", "NI 117", "5.9")]), world.pm).ok

    neet = line("derbyshire-cc", world.targets["neet"])
    assert (neet.actual, neet.target_value) == (D("5.9"), D("5.7"))
    new_line = line("amber-valley", world.targets["invoices"])
    # No target value of its own: the target's threshold applies, whatever it becomes.
    assert new_line.target_value is None


def test_a_blank_value_clears_a_value(world):
    assert run(csv_file([row("Amber Valley", "5", "96", date_of_data="01/12/09")]), world.pm).ok
    assert run(csv_file([row("Amber Valley", "5", "")]), world.pm).ok

    invoices = line("amber-valley", world.targets["invoices"])
    assert (invoices.state, invoices.actual, invoices.date_of_data) == ("awaiting", None, None)


def test_a_line_without_a_return_keeps_that_state_when_the_row_is_blank(world):
    assert run(csv_file([row("Amber Valley", "5", "")]), world.pm).ok
    invoices = line("amber-valley", world.targets["invoices"])
    services.update_lines(
        return_obj=invoices.return_obj,
        changes={(invoices.authority_id, invoices.target_id): {"state": LineState.NO_RETURN}},
        actor=world.pm,
        channel="web",
    )

    report = run(csv_file([row("Amber Valley", "5", "")]), world.pm)

    assert (report.changed_lines, report.unchanged_lines) == (0, 1)
    assert line("amber-valley", world.targets["invoices"]).state == LineState.NO_RETURN


def test_the_same_file_twice_changes_nothing_the_second_time(world):
    content = csv_file(GOOD_ROWS)
    assert run(content, world.pm).ok
    versions = list(Return.objects.values_list("version", flat=True))
    before = history_count()

    report = run(content, world.pm)

    assert report.ok
    assert (report.created_returns, report.changed_lines) == (0, 0)
    assert report.unchanged_lines == len(GOOD_ROWS)
    assert history_count() == before
    assert list(Return.objects.values_list("version", flat=True)) == versions


def test_equal_numbers_written_differently_are_unchanged(world):
    assert run(
        csv_file([row("Amber Valley", "5", "92.79"), row("Amber Valley", "6", "1038")]), world.pm
    ).ok

    again = [row("Amber Valley", "5", "92.790%"), row("Amber Valley", "6", "£1,038.00")]
    report = run(csv_file(again), world.pm)

    assert (report.changed_lines, report.unchanged_lines) == (0, 2)


def test_only_rows_that_change_a_line_are_sent_to_update_lines(world, monkeypatch):
    rows = [
        row("Amber Valley", "5", "90"),
        row("Amber Valley", "6", "5"),
        row("Derbyshire", "4", "3"),
    ]
    assert run(csv_file(rows), world.pm).ok
    sent = []
    real = services.update_lines

    def spy(**kwargs):
        sent.append(kwargs["changes"])
        return real(**kwargs)

    monkeypatch.setattr(services, "update_lines", spy)
    rows[0] = row("Amber Valley", "5", "91")

    report = run(csv_file(rows), world.pm)

    assert (report.changed_lines, report.unchanged_lines) == (1, 2)
    invoices = line("amber-valley", world.targets["invoices"])
    assert [list(changes) for changes in sent] == [[(invoices.authority_id, invoices.target_id)]]
    sent.clear()
    assert run(csv_file(rows), world.pm).unchanged_lines == 3
    assert sent == []


def test_a_stale_rating_is_refreshed_by_importing_the_same_values(world):
    content = csv_file([row("Amber Valley", "5", "92.79")])
    assert run(content, world.pm).ok
    assert line("amber-valley", world.targets["invoices"]).computed_rating == "A"
    Target.objects.filter(pk=world.targets["invoices"].pk).update(amber_margin=1)

    planned = run(content, world.pm, dry_run=True)
    report = run(content, world.pm)

    assert (planned.changed_lines, report.changed_lines) == (1, 1)
    assert line("amber-valley", world.targets["invoices"]).computed_rating == "R"


def test_one_bad_row_and_nothing_changes(world):
    assert run(csv_file([row("Amber Valley", "5", "90")]), world.pm).ok
    lines, history = ReturnLine.objects.count(), history_count()
    rows = [row("Amber Valley", "5", "96"), row("Derbyshire", "4", "7")]

    report = run(csv_file(rows), world.pm)

    assert [e.row for e in report.errors] == [3]
    assert report.summary() == "returns.csv: 1 problem found; nothing was changed."
    assert (ReturnLine.objects.count(), history_count()) == (lines, history)
    assert line("amber-valley", world.targets["invoices"]).actual == D(90)


def test_a_failure_midway_rolls_back_everything(world, monkeypatch):
    rows = [row("Amber Valley", "5", "96"), row("Amber Valley", "5", "96", period="2009/10 Q4")]
    # Both returns are new: each is written by creating.create_return_with_lines.
    real = creating.create_return_with_lines
    calls = []

    def failing_second_time(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise services.ReturnLocked("The return is approved: it must be reopened.")
        return real(**kwargs)

    monkeypatch.setattr(creating, "create_return_with_lines", failing_second_time)

    report = run(csv_file(rows), world.pm)

    assert messages(report) == ["Nothing was changed: The return is approved: it must be reopened."]
    assert not Return.objects.exists()
    assert history_count() == 0


def test_a_failure_midway_into_existing_returns_rolls_back_everything(world, monkeypatch):
    quarters = ("2009/10 Q3", "2009/10 Q4")
    assert run(csv_file([row("Amber Valley", "5", "90", period=q) for q in quarters]), world.pm)
    versions = list(Return.objects.order_by("pk").values_list("version", flat=True))
    history = history_count()
    real = services.update_lines  # existing returns are written through update_lines
    calls = []

    def failing_second_time(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise services.ReturnLocked("The return is approved: it must be reopened.")
        return real(**kwargs)

    monkeypatch.setattr(services, "update_lines", failing_second_time)

    report = run(csv_file([row("Amber Valley", "5", "96", period=q) for q in quarters]), world.pm)

    assert messages(report) == ["Nothing was changed: The return is approved: it must be reopened."]
    assert len(calls) == 2
    assert list(Return.objects.order_by("pk").values_list("version", flat=True)) == versions
    assert history_count() == history
    assert {line.actual for line in ReturnLine.objects.filter(actual__isnull=False)} == {D(90)}


def test_dry_run_reports_and_writes_nothing(world):
    assert run(
        csv_file([row("Amber Valley", "5", "90"), row("Amber Valley", "6", "5")]), world.pm
    ).ok
    history = history_count()
    rows = [
        row("Amber Valley", "5", "96"),  # changed
        row("Amber Valley", "6", "5"),  # unchanged
        row("Amber Valley", "5", "96", period="2009/10 Q4"),  # a new return
        row("Amber Valley", "6", "", period="2009/10 Q4"),  # a new line, left as created
    ]

    report = run(csv_file(rows), world.pm, dry_run=True)

    assert report.ok
    assert report.dry_run
    assert (report.created_returns, report.changed_lines, report.unchanged_lines) == (1, 2, 2)
    assert Return.objects.count() == 1
    assert history_count() == history
    assert line("amber-valley", world.targets["invoices"]).actual == D(90)
    assert report.summary() == (
        "Dry run of returns.csv, nothing was written: 1 return would be created, "
        "2 lines would change, 2 would stay unchanged."
    )
    applied = run(csv_file(rows), world.pm)
    assert (applied.created_returns, applied.changed_lines, applied.unchanged_lines) == (1, 2, 2)


# ---------------------------------------------------------------------------------------------
# Who may import what
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [ReturnStatus.SUBMITTED, ReturnStatus.APPROVED])
def test_rows_for_a_submitted_or_approved_return_are_refused(world, status):
    assert run(csv_file([row("Amber Valley", "5", "90")]), world.pm).ok
    Return.objects.update(status=status)

    report = run(csv_file([row("Amber Valley", "5", "96")]), world.pm)

    what = "the Derbyshire return for 2009/10 Q3 (12 stretch targets)"
    expected = {
        ReturnStatus.APPROVED: f"row 2, period: {what} is approved: ask the Director to reopen it.",
        ReturnStatus.SUBMITTED: f"row 2, period: {what} is submitted for sign-off: ask the "
        "Director to return it for changes.",
    }[status]
    assert messages(report) == [expected]
    assert line("amber-valley", world.targets["invoices"]).actual == D(90)


def test_a_programme_manager_imports_only_their_own_sub_regions_rows(world):
    rows = [row("Amber Valley", "5", "96"), row("Boston", "5", "96", sub_region="lincolnshire")]

    report = run(csv_file(rows), world.pm)

    assert messages(report) == [
        "row 3, sub_region: you may not import rows for Lincolnshire: a programme manager "
        "imports only the rows of their own sub-region."
    ]
    assert not Return.objects.exists()


def test_someone_without_a_sub_region_imports_nothing(world):
    director = make_user(DIRECTOR)

    report = run(csv_file([row("Amber Valley", "5", "96")]), director)

    assert [e.column for e in report.errors] == ["sub_region"]


# ---------------------------------------------------------------------------------------------
# The file as a whole
# ---------------------------------------------------------------------------------------------


def test_missing_required_columns_are_listed(world):
    content = b"sub_region,authority,target_set,rag\nderbyshire,Amber Valley,stretch-targets,G\n"

    report = run(content, world.pm)

    assert messages(report) == [
        "The header row (row 1) lacks the required columns target, period, actual. The "
        "columns are: " + ", ".join(COLUMNS) + "."
    ]


def test_the_size_cap(world):
    report = run(b"x" * (importing.MAX_BYTES + 1), world.pm)

    assert messages(report) == [
        "The file is 5.0 MB: the limit is 5 MB. Split it into smaller files."
    ]


def test_the_row_cap(world):
    rows = [row("Amber Valley", "5", "96")] * 4

    report = run(csv_file(rows), world.pm, max_rows=3)

    assert messages(report) == ["The file has more than 3 rows: split it into smaller files."]
    assert run(csv_file(rows[:1] + [[""] * 11] * 5), world.pm, max_rows=3).ok


DAMAGED = (
    "The file could not be read as an Excel workbook (.xlsx): it may be damaged, "
    "password-protected or not really an .xlsx file. Save it again from Excel, or as CSV."
)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"sub_region,authority\n", "returns.xlsx", DAMAGED),  # not a zip
        (_zip({"hello.txt": b"hi"}), "returns.xlsx", DAMAGED),  # a zip, not a workbook
        (xlsx_file([])[:400], "returns.xlsx", DAMAGED),  # truncated
        (
            b"whatever",
            "returns.pdf",
            "Upload a .csv or .xlsx file (the name must end in .csv or .xlsx).",
        ),
        (
            b"whatever",
            "returns.xls",
            "Old Excel workbooks (.xls) cannot be read: save the file as .xlsx or as CSV.",
        ),
        (xlsx_file([]), "returns.csv", "This is an Excel workbook, not a CSV file: name it .xlsx."),
        (b"", "returns.csv", "The file is empty: row 1 must be the header row."),
        (csv_file([]), "returns.csv", "The file has a header row but no data rows."),
        (b'a,"b\x00', "returns.csv", "This is not a CSV text file: save it as CSV (UTF-8)."),
    ],
)
def test_a_bad_file_gives_one_clear_error(world, content, filename, expected):
    report = run(content, world.pm, filename=filename)

    assert messages(report) == [expected]


def test_an_xlsx_with_bad_xml_gives_one_clear_error(world):
    good = io.BytesIO(xlsx_file([row("Amber Valley", "5", "96")]))
    broken = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2] + b"<<<not xml"
            target.writestr(item, data)

    report = run(broken.getvalue(), world.pm, filename="returns.xlsx")

    assert messages(report) == [DAMAGED]


def test_an_xlsx_with_an_xml_entity_bomb_is_refused(world):
    good = io.BytesIO(xlsx_file([row("Amber Valley", "5", "96")]))
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    )
    evil = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(evil, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = bomb + data.split(b"?>", 1)[-1]
            target.writestr(item, data)

    report = run(evil.getvalue(), world.pm, filename="returns.xlsx")

    # Refused by returns.upload_limits before openpyxl (and defusedxml) sees it.
    assert messages(report) == [
        "The workbook part xl/workbook.xml holds a document type declaration, which a workbook "
        "never needs: the file was refused unread."
    ]


def test_the_channel_names_the_file_without_its_path(world):
    assert run(
        csv_file([row("Amber Valley", "5", "96")]), world.pm, filename="C:\\Users\\pm\\dec.csv"
    ).ok

    imported = ReturnLine.history.filter(history_change_reason__startswith="import")
    assert imported.get().history_change_reason == "import: dec.csv"


def test_validation_costs_a_handful_of_queries(world, django_assert_max_num_queries):
    rows = [row(a, str(n), "1") for a in ("Amber Valley", "Fire Service") for n in (4, 6, 8, 9)]
    rows += [row("Derbyshire", str(n), "2") for n in (4, 6, 9)]
    assert run(csv_file(rows), world.pm).ok
    table = importing.read_table(content=csv_file(rows), filename="r.csv")

    with django_assert_max_num_queries(14):
        validated, errors = importing.validate_table(table=table, actor=world.pm, today=TODAY)

    assert (len(validated), errors) == (len(rows), [])


# ---------------------------------------------------------------------------------------------
# Cell parsers (pure)
# ---------------------------------------------------------------------------------------------

LEVELS = dict(enumerate(CAA, start=1))


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("3", MeasureKind.ORDINAL, D(3)),
        ("Level 3", MeasureKind.ORDINAL, D(3)),
        ("performing WELL", MeasureKind.ORDINAL, D(3)),
        ("Performing well (3)", MeasureKind.ORDINAL, D(3)),
        (3.0, MeasureKind.ORDINAL, D(3)),
        ("2", MeasureKind.MILESTONE, D(2)),
        ("92.79", MeasureKind.PERCENTAGE, D("92.79")),
        ("92.79%", MeasureKind.PERCENTAGE, D("92.79")),
        (" 100 % ", MeasureKind.PERCENTAGE, D(100)),
        (92.78999999999999, MeasureKind.PERCENTAGE, D("92.79")),
        (100 / 3, MeasureKind.PERCENTAGE, D("33.3333")),
        (D("2.00005"), MeasureKind.DAYS, D("2.0001")),
        ("3 - Performing well", MeasureKind.ORDINAL, D(3)),
        ("41,661", MeasureKind.MONEY, D(41661)),
        ("£41,661", MeasureKind.MONEY, D(41661)),
        ("£41,661.5k", MeasureKind.MONEY, D("41661.5")),
        ("20 days", MeasureKind.DAYS, D(20)),
        ("12.5", MeasureKind.DAYS, D("12.5")),
        ("0", MeasureKind.COUNT, D(0)),
        ("Y", MeasureKind.YES_NO, D(1)),
        ("no", MeasureKind.YES_NO, D(0)),
        ("1", MeasureKind.YES_NO, D(1)),
        ("FALSE", MeasureKind.YES_NO, D(0)),
        (True, MeasureKind.YES_NO, D(1)),
        ("", MeasureKind.PERCENTAGE, None),
        (None, MeasureKind.ORDINAL, None),
    ],
)
def test_parse_value(raw, kind, expected):
    assert importing.parse_value(raw, kind=kind, levels=LEVELS) == expected


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("1e5", MeasureKind.MONEY),
        ("NaN", MeasureKind.PERCENTAGE),
        ("Infinity", MeasureKind.DAYS),
        (float("nan"), MeasureKind.PERCENTAGE),
        ("1,00", MeasureKind.MONEY),
        ("3.5", MeasureKind.ORDINAL),
        (3.5, MeasureKind.ORDINAL),
        ("0", MeasureKind.ORDINAL),
        ("1000000000000", MeasureKind.MONEY),
        (1e15, MeasureKind.MONEY),
        ("33.333333", MeasureKind.PERCENTAGE),
        (True, MeasureKind.PERCENTAGE),
        (date(2009, 12, 9), MeasureKind.DAYS),
    ],
)
def test_parse_value_refuses(raw, kind):
    with pytest.raises(ValueProblem):
        importing.parse_value(raw, kind=kind, levels=LEVELS)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2009-12-09", date(2009, 12, 9)),
        ("09/12/09", date(2009, 12, 9)),
        ("9/12/2009", date(2009, 12, 9)),
        ("2009-12-09 00:00:00", date(2009, 12, 9)),
        (datetime(2009, 12, 9, 0, 0), date(2009, 12, 9)),
        (date(2009, 12, 9), date(2009, 12, 9)),
        ("", None),
    ],
)
def test_parse_date(raw, expected):
    assert importing.parse_date(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("R", "R"),
        ("red", "R"),
        ("Amber", "A"),
        ("YELLOW", "A"),
        ("g", "G"),
        ("Grey", "GREY"),
        ("gray", "GREY"),
        ("n/a", "NA"),
        ("N/A", "NA"),
        ("NA", "NA"),
        ("Not applicable", "NA"),
        ("", ""),
    ],
)
def test_parse_rating(raw, expected):
    assert importing.parse_rating(raw) == expected


@given(st.decimals(min_value=0, max_value=100, places=4, allow_nan=False))
def test_a_percentage_reads_back_equal_however_it_is_written(number):
    for written in (str(number), f"{number}%", f"{number:f}", float(number)):
        assert importing.parse_value(written, kind=MeasureKind.PERCENTAGE) == number


def test_read_table_rejects_a_repeated_column():
    content = b"sub_region,authority,target_set,target,period,actual,Actual\n"
    with pytest.raises(ImportFileError, match="The column “actual” appears twice"):
        importing.read_table(content=content, filename="r.csv")


# ---------------------------------------------------------------------------------------------
# The sub-region's own overall ratings, statements without a figure, lines marked n/a
# ---------------------------------------------------------------------------------------------


def test_a_row_naming_the_sub_region_records_its_own_overall_rating(world):
    rows = [
        row("Amber Valley", "5", "93.86%"),
        row(
            "Derbyshire SRP", "5", rag="R", reason="Some councils not meeting target therefore RED"
        ),
        row("derbyshire sub-region", "6", rag="-", reason="Not possible to evaluate"),
    ]
    report = run(csv_file(rows), world.pm)

    assert report.ok, messages(report)
    assert report.own_ratings == 2
    own = {r.target.number: (r.rating, r.reason) for r in ReportedRating.objects.all()}
    assert own == {
        "5": ("R", "Some councils not meeting target therefore RED"),
        "6": ("GREY", "Not possible to evaluate"),
    }
    overall = Overall.objects.get(
        target=world.targets["invoices"], sub_region__slug="derbyshire", basis="all"
    )
    # The rule rates 93.86% against "at least 95%" Amber; the sub-region said Red: flagged.
    assert (overall.rating, overall.reported_rating, overall.differs) == ("A", "R", True)


def test_the_bare_name_of_the_sub_region_is_the_county_council_where_it_is_one(world):
    # "Derbyshire" is Derbyshire County Council's short name: it stays the council.
    report = run(csv_file([row("Derbyshire", "4", "3")]), world.pm)

    assert report.ok
    assert report.own_ratings == 0
    assert line("derbyshire-cc", world.targets["caa"]).actual == D(3)


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (
            {"actual": "95"},
            "row 2, actual: must be blank on the sub-region's own row: it carries only its "
            "overall rating (rag) and reason; values belong to the authorities' rows.",
        ),
        ({"rag": "R"}, "row 2, reason: is blank: give the sub-region's reason for its rating."),
        (
            {"rag": "n/a", "reason": "x"},
            "row 2, rag: a sub-region's own rating is R, A, G or Grey, not n/a.",
        ),
    ],
)
def test_a_sub_regions_own_row_is_checked(world, values, problem):
    report = run(csv_file([row("Derbyshire SRP", "5", **values)]), world.pm)

    assert messages(report) == [problem]
    assert ReportedRating.objects.count() == 0


def test_met_and_not_met_are_statements_without_a_figure(world):
    rows = [row("Amber Valley", "5", "met"), row("Amber Valley", "7", "not met")]
    report = run(csv_file(rows), world.pm)

    assert report.ok, messages(report)
    met = line("amber-valley", world.targets["invoices"])
    not_met = line("amber-valley", world.targets["benefits"])
    assert (met.state, met.actual, met.effective_rating) == ("met", None, "G")
    assert (not_met.state, not_met.effective_rating) == ("not_met", "R")


def test_a_line_marked_not_applicable_needs_its_reason_and_grey_is_not_given_by_hand(world):
    rows = [row("Amber Valley", "5", rag="n/a"), row("Amber Valley", "6", rag="Grey", reason="x")]
    report = run(csv_file(rows), world.pm)

    assert messages(report) == [
        "row 2, reason: is blank, but the line is marked n/a: say why it does not apply.",
        "row 3, rag: Grey is not given to an authority's line by hand: leave the value blank "
        "for “awaiting data” (a sub-region's own row may say Grey).",
    ]


def test_a_dry_run_lists_every_change_with_its_old_and_new_value_and_rating(world):
    assert run(csv_file([row("Amber Valley", "5", "96")]), world.pm).ok

    report = run(
        csv_file(
            [row("Amber Valley", "5", "93.86"), row("Derbyshire SRP", "5", rag="R", reason="x")]
        ),
        world.pm,
        dry_run=True,
    )

    assert report.ok
    assert [
        (c.where, c.before, c.after, c.rating_before, c.rating_after) for c in report.changes
    ] == [
        ("Amber Valley, target 5", "96%", "93.86%", "G", "A"),
        ("Derbyshire's own rating, target 5", "—", "x", "none", "R"),
    ]
    assert line("amber-valley", world.targets["invoices"]).actual == D(96)
