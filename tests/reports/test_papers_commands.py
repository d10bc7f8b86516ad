"""build_board_paper and export_board_data, the management commands."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from authorities.roles import BOARD_MEMBER
from reports.models import IssuedPaper
from tests.factories import make_user
from tests.reports import test_papers_support as support

pytestmark = pytest.mark.django_db

# Fixtures shared with the other test_papers_* modules.
small = support.small


def _run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_build_board_paper_by_meeting_and_agenda_item(small, tmp_path):
    output = tmp_path / "paper.pdf"
    html = tmp_path / "paper.html"

    message = _run(
        "build_board_paper",
        "--meeting",
        "2010-04-21",
        "--agenda-item",
        "6",
        "--output",
        str(output),
        "--html",
        str(html),
    )

    assert message.startswith('Wrote the draft of "Targets review" (')
    assert output.read_bytes().startswith(b"%PDF-")
    assert "Report of the Director" in html.read_text()


def test_build_board_paper_issues_and_writes_an_issue_as_frozen(small, tmp_path):
    issued_pdf = tmp_path / "issue.pdf"
    issue = ["--paper", str(small.paper.pk), "--issue", "--user", small.director.username]
    # The small paper counts its sub-regions' draft returns: not without saying so.
    with pytest.raises(CommandError, match="not yet approved: Northshire \\(draft\\)"):
        _run("build_board_paper", *issue, "--output", str(issued_pdf))
    assert not IssuedPaper.objects.exists()

    message = _run("build_board_paper", *issue, "--confirm-unapproved", "--output", str(issued_pdf))
    assert message.startswith('Issued "Targets review" as issue 1 (')
    issued = IssuedPaper.objects.get()

    again = tmp_path / "again.pdf"
    _run("build_board_paper", "--paper", str(small.paper.pk), "--issued", "--output", str(again))
    assert again.read_bytes() == issued_pdf.read_bytes() == issued.pdf_bytes


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--paper", "999", "--output", "x.pdf"], "There is no paper 999."),
        (["--meeting", "2010-04-21", "--output", "x.pdf"], "Name the paper"),
        (["--meeting", "21/04/2010", "--agenda-item", "6", "--output", "x"], "is not a date"),
        (["--meeting", "2010-04-21", "--agenda-item", "7", "--output", "x"], "no paper for item 7"),
        (["--paper", "{pk}"], "--output FILE"),
        (["--paper", "{pk}", "--issue"], "--issue --user USERNAME"),
        (["--paper", "{pk}", "--issued", "--output", "x.pdf"], "has not been issued"),
    ],
)
def test_build_board_paper_refuses_what_it_cannot_do(small, args, message):
    args = [arg.replace("{pk}", str(small.paper.pk)) for arg in args]
    with pytest.raises(CommandError, match=message):
        _run("build_board_paper", *args)


def test_only_someone_who_may_issue_issues(small):
    reader = make_user(BOARD_MEMBER)
    with pytest.raises(CommandError, match="may not issue papers"):
        _run(
            "build_board_paper",
            "--paper",
            str(small.paper.pk),
            "--issue",
            "--user",
            reader.username,
        )
    assert not IssuedPaper.objects.exists()


def test_export_board_data_as_excel_and_csv(small, tmp_path):
    workbook_path = tmp_path / "board.xlsx"
    message = _run(
        "export_board_data", "--paper", str(small.paper.pk), "--output", str(workbook_path)
    )
    assert "12 lines, 2 sub-regions" in message
    assert load_workbook(workbook_path).sheetnames == [
        "Paper",
        "Key",
        "Region",
        "Northshire",
        "South-West",
        "Lines",
    ]

    text = _run("export_board_data", "--meeting", "2010-04-21", "--agenda-item", "6")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3 + 6 + 12


def test_export_board_data_without_a_paper(small):
    text = _run(
        "export_board_data",
        "--target-set",
        small.paper.target_set.slug,
        "--period",
        "2009/10 Q3",
        "--format",
        "csv",
    )
    assert text.splitlines()[0].startswith("level,sub_region,authority,")
    with pytest.raises(CommandError, match="not a quarter"):
        _run("export_board_data", "--target-set", small.paper.target_set.slug, "--period", "Q3")
    with pytest.raises(CommandError, match="needs --output"):
        _run("export_board_data", "--paper", str(small.paper.pk), "--format", "xlsx")
