"""Excel and CSV of a paper's data: sheets, fills and letters, frozen headers, autofilters,
comments, formula neutralisation; and a real spreadsheet program (LibreOffice) opens it."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from reports.papers.exports import CSV_COLUMNS, render_csv, render_xlsx
from reports.papers.render import stylesheet_path
from reports.papers.snapshot import build_snapshot
from returns import services
from targets.vocabulary import RATINGS
from tests.reports import test_papers_support as support

pytestmark = pytest.mark.django_db

# Fixtures shared with the other test_papers_* modules.
small = support.small

FORMULAS = {
    '=HYPERLINK("http://evil.example","click")': '\'=HYPERLINK("http://evil.example","click")',
    "+1+2": "'+1+2",
    "-3+4": "'-3+4",
    "@SUM(A1:A2)": "'@SUM(A1:A2)",
}


@pytest.fixture
def snapshot(small):
    """The small world, with comments and a manual reason a spreadsheet would take for
    formulas."""
    comments = list(FORMULAS)
    changes = {
        (authority.pk, small.targets[0].pk): {"comment": comments[index]}
        for index, authority in enumerate(small.authorities[:2])
    }
    changes[(small.authorities[1].pk, small.targets[1].pk)] = {
        "manual_rating": "G",
        "manual_reason": comments[2],
        "comment": comments[3],
    }
    services.update_lines(
        return_obj=small.returns[0], changes=changes, actor=small.system, channel="test"
    )
    return build_snapshot(small.paper, user=small.director)


@pytest.fixture
def workbook(snapshot):
    return load_workbook(io.BytesIO(render_xlsx(snapshot)))


def test_a_sheet_for_the_paper_the_key_the_region_each_sub_region_and_the_lines(workbook):
    assert workbook.sheetnames == ["Paper", "Key", "Region", "Northshire", "South-West", "Lines"]


def test_the_region_sheet_has_letters_on_fills_frozen_headers_a_filter_and_comments(workbook):
    sheet = workbook["Region"]

    assert [cell.value for cell in sheet[1]] == [
        "No.",
        "Target",
        "Indicator",
        "Theme",
        "Region",
        # The small paper counts its sub-regions' draft returns: each heading and rating says so.
        "Northshire (draft, not approved) †",
        "South/West (draft, not approved) †",
    ]
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == "A1:G4"
    assert [sheet.cell(row=row, column=5).value for row in (2, 3, 4)] == ["G†", "A†", "R†"]
    assert sheet["E3"].fill.fgColor.rgb.endswith("F2A900")
    assert sheet["E4"].fill.fgColor.rgb.endswith("B3261E")
    assert "Not all authorities" in sheet["E3"].comment.text
    assert sheet["B2"].comment.text.startswith("All authorities paying")


def test_each_ratings_cell_takes_the_one_vocabularys_fill_and_ink(workbook):
    """The spreadsheet's colours are the vocabulary's (targets.vocabulary), not a table of its
    own: a rating's fill and letter colour change in one place."""
    sheet = workbook["Region"]
    for row, code in ((2, "G"), (3, "A"), (4, "R")):
        cell = sheet.cell(row=row, column=5)
        assert cell.fill.fgColor.rgb.endswith(RATINGS[code].fill)
        assert cell.font.color.rgb.endswith(RATINGS[code].ink)


def test_the_printed_papers_colours_are_the_vocabularys():
    """The print stylesheet cannot read the vocabulary (and an inline style would break the
    preview's Content Security Policy): this holds its colours to the vocabulary's."""
    css = stylesheet_path().read_text()
    rules = {
        code: (fill.upper(), ink.upper())
        for code, fill, ink in re.findall(
            r"\.rag--(\w+) \{ background: #([0-9a-f]{6}); color: #([0-9a-f]{6});", css
        )
    }
    for code in ("R", "A", "G", "GREY", "NA", "ACH", "NYD"):
        assert rules[code] == (RATINGS[code].fill, RATINGS[code].ink), code


def test_a_sub_region_sheet_is_its_matrix_with_its_overall_row(workbook):
    sheet = workbook["Northshire"]

    assert [cell.value for cell in sheet[1]] == ["Authority", "Kind", "1", "2", "3"]
    assert sheet["A2"].value == "Northshire County"
    # Target 3: 80 against 90 is Red by the rule; the hand's Amber is kept and marked "*".
    # † every rating rests on the sub-region's draft return, not yet approved.
    assert [sheet.cell(row=2, column=column).value for column in (3, 4, 5)] == [
        "G†",
        "A†",
        "R*†",
    ]
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == "A1:E3"
    assert sheet["E2"].fill.fgColor.rgb.endswith("B3261E")
    assert "own rating: A. Recovery plan agreed with the auditors." in sheet["E2"].comment.text
    overall = next(row for row in sheet.iter_rows() if str(row[0].value).startswith("Overall"))
    assert [cell.value for cell in overall[2:5]] == ["G†", "A†", "R†"]
    assert overall[2].comment is not None
    assert any("not yet approved: every rating is marked †" in str(row[0].value) for row in sheet)


def test_the_lines_sheet_keeps_numbers_as_numbers_and_neutralises_formulas(workbook):
    sheet = workbook["Lines"]
    header = [cell.value for cell in sheet[1]]
    assert header == list(CSV_COLUMNS)
    rows = [
        dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
    ]
    assert len(rows) == 12
    assert {row["actual"] for row in rows} == {96, 93.5, 80}
    texts = {row["comment"] for row in rows} | {row["manual_reason"] for row in rows}
    for dangerous, neutralised in FORMULAS.items():
        assert dangerous not in texts
        assert neutralised in texts
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:T13"


def test_the_key_sheet_says_what_the_ratings_mean(workbook):
    sheet = workbook["Key"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:2] == ("G", "Green")
    assert any("±2% of the target" in str(row[2]) for row in rows)
    assert sheet["A4"].value == "R"
    assert sheet["A4"].fill.fgColor.rgb.endswith("B3261E")


def test_the_csv_has_the_same_lines_and_the_overall_ratings(snapshot):
    content = render_csv(snapshot)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))

    levels = [row["level"] for row in rows]
    assert levels.count("region") == 3
    assert levels.count("sub_region") == 6
    assert levels.count("authority") == 12
    region = [row for row in rows if row["level"] == "region"]
    assert [row["effective_rating"] for row in region] == ["G", "A", "R"]
    comments = {row["comment"] for row in rows} | {row["manual_reason"] for row in rows}
    for dangerous, neutralised in FORMULAS.items():
        assert dangerous not in comments
        assert neutralised in comments
    overridden = [row for row in rows if row["overridden"] == "yes"]
    assert {(row["authority"], row["target"], row["manual_rating"]) for row in overridden} >= {
        ("Northshire County", "3", "A")
    }


def test_libreoffice_opens_and_converts_the_workbook(snapshot, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip(
            "LibreOffice is not installed (no soffice on PATH): install the Debian package "
            "libreoffice-calc-nogui to check that a real spreadsheet program opens the workbook"
        )
    source = tmp_path / "board-data.xlsx"
    source.write_bytes(render_xlsx(snapshot))
    profile = tmp_path / "lo-profile"
    result = subprocess.run(  # noqa: S603
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "out"),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    converted = tmp_path / "out" / "board-data.pdf"
    assert result.returncode == 0, result.stderr
    assert converted.exists(), result.stdout + result.stderr
    assert converted.read_bytes().startswith(b"%PDF-")
    assert converted.stat().st_size > 2000
