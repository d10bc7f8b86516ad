"""Exporting return lines (returns.exporting), and export → import round trips."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from authorities.roles import BOARD_MEMBER
from returns import exporting, services
from returns.exporting import EXPORT_COLUMNS, ExportFilterError, ExportFilters
from returns.importing import unescape_text
from returns.models import Return, ReturnLine
from returns.periods import Quarter
from tests.factories import make_user
from tests.returns.test_importing import GOOD_ROWS, csv_file, messages, row, run, world

__all__ = ["world"]  # the fixture, imported from test_importing

FORMULAS = ['=HYPERLINK("http://x")', "+44 1234", "-ve trend", "@SUM(A1)", "'quoted", "''twice"]


def export(user, fmt: str = "csv", **filters) -> exporting.Export:
    return exporting.export_returns(user=user, filters=ExportFilters(**filters), fmt=fmt)


def csv_rows(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # Excel's byte order mark
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def xlsx_sheet(content: bytes):
    # Not read-only: the checks below look at styles, panes and column widths.
    return load_workbook(io.BytesIO(content)).active


def snapshot() -> dict:
    """Every line's editable and computed fields, by a key that survives a fresh import."""
    fields = (*services.EDITABLE_FIELDS, *services.RATED_FIELDS)
    return {
        (
            line["return_obj__sub_region__slug"],
            line["return_obj__year"],
            line["return_obj__quarter"],
            line["authority__slug"],
            line["target__code"],
        ): {name: line[name] for name in fields}
        for line in ReturnLine.objects.values(
            "return_obj__sub_region__slug",
            "return_obj__year",
            "return_obj__quarter",
            "authority__slug",
            "target__code",
            *fields,
        )
    }


@pytest.fixture
def imported(world):
    rows = [
        *GOOD_ROWS,
        *(
            row("Fire Service", str(number), "", comment=text)
            for number, text in zip((4, 5, 6, 9), FORMULAS, strict=False)
        ),
        row("Derbyshire", "5", "", rag="n/a", reason=FORMULAS[4]),
        row("Derbyshire", "6", "12", comment=FORMULAS[5], date_of_data="2009-11-30"),
    ]
    report = run(csv_file(rows), world.pm)
    assert report.ok, messages(report)
    return world


def test_the_csv_has_the_columns_and_canonical_values(imported):
    rows = csv_rows(export(imported.pm).content)

    assert list(rows[0]) == list(EXPORT_COLUMNS)
    by_cell = {(r["authority"], r["target"]): r for r in rows}
    caa = by_cell[("Derbyshire County Council", "4")]
    assert caa["sub_region"] == "Derbyshire"
    assert (caa["target_set"], caa["period"]) == ("stretch-targets", "2009/10 Q3")
    # No target value of its own: the line is rated against the target's threshold.
    assert (caa["actual"], caa["target_value"], caa["date_of_data"]) == ("3", "", "2009-12-09")
    assert (caa["status"], caa["computed_rating"], caa["effective_rating"]) == ("within", "G", "G")
    assert caa["explanation"].startswith("Level 3 (Performing well)")
    invoices = by_cell[("Amber Valley Borough Council", "5")]
    assert (invoices["actual"], invoices["target_value"]) == ("92.79", "")
    assert (invoices["computed_rating"], invoices["counted"], invoices["scope"]) == (
        "A",
        "yes",
        "in",
    )
    assert by_cell[("Amber Valley Borough Council", "6")]["actual"] == "1038"
    assert by_cell[("Amber Valley Borough Council", "8")]["actual"] == "yes"
    manual = by_cell[("Derbyshire County Council", "10")]
    assert (manual["actual"], manual["rag"], manual["computed_rating"]) == ("", "A", "Grey")
    na = by_cell[("Derbyshire County Council", "5")]
    assert (na["rag"], na["effective_rating"]) == ("n/a", "n/a")


def test_rows_are_sorted_by_sub_region_set_period_authority_and_target_number(world):
    actor = services.system_actor()
    rows = [
        row("Boston", "10", "50", sub_region="lincolnshire"),
        row("Amber Valley", "10", "50", period="2009/10 Q4"),
        row("Derbyshire", "9", "1"),
        row("Amber Valley", "9", "1"),
        row("Amber Valley", "10", "50"),
    ]
    assert run(csv_file(rows), actor).ok

    exported = [
        (r["sub_region"], r["period"], r["authority"], r["target"])
        for r in csv_rows(export(None).content)
        if r["actual"]
    ]

    assert exported == [
        ("Derbyshire", "2009/10 Q3", "Amber Valley Borough Council", "9"),
        ("Derbyshire", "2009/10 Q3", "Amber Valley Borough Council", "10"),
        ("Derbyshire", "2009/10 Q3", "Derbyshire County Council", "9"),
        ("Derbyshire", "2009/10 Q4", "Amber Valley Borough Council", "10"),
        ("Lincolnshire", "2009/10 Q3", "Boston Borough Council", "10"),
    ]


def test_formulas_are_neutralised_in_csv(imported):
    comments = {r["comment"] for r in csv_rows(export(imported.pm).content)}
    reasons = {r["reason"] for r in csv_rows(export(imported.pm).content)}

    assert {
        '\'=HYPERLINK("http://x")',
        "'+44 1234",
        "'-ve trend",
        "'@SUM(A1)",
        "''twice",  # stored as "'twice": the import read "''twice" as an escaped quote
    } <= comments
    assert "''quoted" in reasons


def test_formulas_are_neutralised_in_xlsx_and_numbers_stay_numbers(imported):
    invoices = ReturnLine.objects.get(authority__slug="amber-valley", target__number="7")
    services.update_lines(
        return_obj=invoices.return_obj,
        changes={(invoices.authority_id, invoices.target_id): {"target_value": D("-2.5")}},
        actor=imported.pm,
        channel="test",
    )
    sheet = xlsx_sheet(export(imported.pm, "xlsx").content)
    header = [cell.value for cell in sheet[1]]
    cells = [dict(zip(header, row_cells, strict=True)) for row_cells in sheet.iter_rows(min_row=2)]

    comments = {c["comment"].value for c in cells if c["comment"].value}
    assert '\'=HYPERLINK("http://x")' in comments
    assert "'-ve trend" in comments
    assert all(c["comment"].data_type == "s" for c in cells if c["comment"].value)
    negative = next(c["target_value"] for c in cells if c["target"].value == "7")
    assert (negative.value, negative.data_type) == (-2.5, "n")
    actual = next(
        c["actual"]
        for c in cells
        if (c["authority"].value, c["target"].value)
        == (
            "Amber Valley Borough Council",
            "5",
        )
    )
    assert (actual.value, actual.data_type) == (92.79, "n")
    dated = next(c["date_of_data"] for c in cells if c["date_of_data"].value)
    assert dated.is_date
    assert dated.number_format == "yyyy-mm-dd"


def test_the_csv_keeps_a_negative_number_as_a_number(imported):
    benefits = ReturnLine.objects.get(authority__slug="amber-valley", target__number="7")
    services.update_lines(
        return_obj=benefits.return_obj,
        changes={(benefits.authority_id, benefits.target_id): {"target_value": D("-2.5")}},
        actor=imported.pm,
        channel="test",
    )

    rows = csv_rows(export(imported.pm).content)

    assert next(r for r in rows if r["target"] == "7")["target_value"] == "-2.5"


def test_the_xlsx_has_a_bold_frozen_filtered_header_and_sized_columns(imported):
    sheet = xlsx_sheet(export(imported.pm, "xlsx").content)

    assert sheet.title == "Returns"
    assert [cell.value for cell in sheet[1]] == list(EXPORT_COLUMNS)
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:R{sheet.max_row}"
    widths = {letter: sheet.column_dimensions[letter].width for letter in ("B", "E", "R")}
    assert widths["B"] > widths["E"] >= 8
    assert widths["R"] == 60  # the explanation, capped


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(imported, fmt):
    before, history = snapshot(), ReturnLine.history.count()
    exported = export(imported.pm, fmt)

    report = run(exported.content, imported.pm, filename=exported.filename)

    assert report.ok, messages(report)
    assert report.changed_lines == 0
    assert report.unchanged_lines == len(before)
    assert snapshot() == before
    assert ReturnLine.history.count() == history


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_imported_into_a_fresh_copy_gives_identical_data(imported, fmt):
    before = snapshot()
    exported = export(imported.pm, fmt)
    ReturnLine.objects.all().delete()
    ReturnLine.history.all().delete()
    Return.objects.all().delete()

    report = run(exported.content, imported.pm, filename=exported.filename)

    assert report.ok, messages(report)
    assert report.created_returns == 1
    assert snapshot() == before


def test_a_programme_manager_exports_only_their_sub_region(world):
    actor = services.system_actor()
    rows = [row("Amber Valley", "5", "96"), row("Boston", "5", "97", sub_region="lincolnshire")]
    assert run(csv_file(rows), actor).ok

    assert {r["sub_region"] for r in csv_rows(export(world.pm).content)} == {"Derbyshire"}
    board = make_user(BOARD_MEMBER)
    everyone = {r["sub_region"] for r in csv_rows(export(board).content)}
    assert everyone == {"Derbyshire", "Lincolnshire"}
    with pytest.raises(PermissionDenied):
        export(world.pm, sub_region=world.lincolnshire)
    lincolnshire = csv_rows(export(board, sub_region=world.lincolnshire).content)
    assert {r["sub_region"] for r in lincolnshire} == {"Lincolnshire"}


def test_filters(world):
    actor = services.system_actor()
    rows = [row("Amber Valley", "5", "96"), row("Amber Valley", "5", "97", period="2009/10 Q4")]
    assert run(csv_file(rows), actor).ok
    filters = exporting.find_filters(
        target_set="Stretch-Targets", period="2009/10 q4", sub_region="Derbyshire"
    )

    result = exporting.export_returns(user=world.pm, filters=filters, fmt="csv")

    assert {r["period"] for r in csv_rows(result.content)} == {"2009/10 Q4"}
    assert result.filename == "returns-derbyshire-stretch-targets-2009-10-q4.csv"
    assert filters.quarter == Quarter(2009, 4)
    assert export(world.pm).filename == "returns-all.csv"


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"target_set": "nope"}, "There is no target set “nope”."),
        ({"period": "Q3"}, '"Q3" is not a quarter; write it like "2009/10 Q3".'),
        ({"sub_region": "Rutland"}, "There is no sub-regional partnership “Rutland”."),
    ],
)
def test_unknown_filters(db, filters, message):
    with pytest.raises(ExportFilterError) as raised:
        exporting.find_filters(**filters)

    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'x", "''x"),
        ("x=1", "x=1"),
        ("", ""),
    ],
)
def test_neutralise_and_unescape_are_inverse(text, expected):
    assert exporting.neutralise(text) == expected
    assert unescape_text(exporting.neutralise(text)) == text


def test_an_export_of_nothing_has_just_the_header(db):
    user = make_user(BOARD_MEMBER)

    assert csv_rows(export(user).content) == []
    sheet = xlsx_sheet(export(user, "xlsx").content)
    assert sheet.max_row == 1
