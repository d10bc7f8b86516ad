"""The demo's Board paper (riep/demo_papers.py): the 20 January 2010 Board, agenda item 8."""

from __future__ import annotations

import csv
import io
from datetime import date, time

import pytest
from django.core.exceptions import ImproperlyConfigured
from openpyxl import load_workbook

from reports.markdown import numbered_paragraphs
from reports.models import AgendaItem, Meeting, Paper, Section
from reports.papers.exports import render_csv, render_xlsx
from reports.papers.snapshot import build_snapshot
from riep.demo_papers import ensure_demo_papers
from tests.reports import test_papers_support as support

pytestmark = pytest.mark.django_db

# Fixtures shared with the other test_papers_* modules.
demo_database = support.demo_database
demo_paper = support.demo_paper


def test_the_demo_has_the_meeting_its_agenda_and_the_draft_report(demo_paper):
    meeting = demo_paper.agenda_item.meeting
    assert (meeting.date, meeting.starts_at) == (date(2010, 1, 20), time(10, 0))
    assert meeting.venue == "Pera, Lane Fox Room, Melton Mowbray"
    assert AgendaItem.objects.filter(meeting=meeting).count() == 13
    assert demo_paper.agenda_item.title == "EM IEP Stretch Targets Review Report and Presentation"
    assert demo_paper.title == "EM IEP Stretch Targets Review"
    assert (demo_paper.target_set.slug, demo_paper.period.label) == (
        "stretch-targets",
        "2009/10 Q3",
    )
    assert demo_paper.author.username == "director"
    assert [section.heading for section in demo_paper.sections.order_by("order")] == [
        "Purpose of the report",
        "Background",
        "Steering Group Comments",
        "Recommendations",
    ]


def test_the_papers_own_text_is_numbered_in_order(demo_paper):
    comments = demo_paper.sections.get(number=3)
    numbered = numbered_paragraphs(comments.number, comments.body)

    assert [number for number, _ in numbered] == ["3.1", "3.2", "3.3", "3.4", "3.5"]
    assert "(attached as appendix 1)" in str(numbered[0][1])
    assert "<li>NI179 Cashable Savings</li>" in str(numbered[2][1])


def test_it_is_idempotent_and_never_overwrites_the_directors_text(demo_paper):
    Section.objects.filter(paper=demo_paper, number=1).update(body="Edited by the Director.")

    message = ensure_demo_papers()

    assert "left as it is" in message
    assert Meeting.objects.count() == 1
    assert Paper.objects.count() == 1
    assert demo_paper.sections.get(number=1).body == "Edited by the Director."


def test_not_outside_a_demo_database(demo_paper, settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(ImproperlyConfigured):
        ensure_demo_papers()


def test_the_exports_carry_each_sub_regions_own_rating_beside_the_computed_one(demo_paper):
    snapshot = build_snapshot(demo_paper, user=support.demo_user("director"))

    rows = list(csv.DictReader(io.StringIO(render_csv(snapshot).decode("utf-8-sig"))))
    (target_8,) = [
        row
        for row in rows
        if (row["level"], row["sub_region"], row["target"]) == ("sub_region", "Lincolnshire", "8")
    ]
    # Computed Amber (it counts), Lincolnshire's own Red beside it, flagged, with its reason.
    assert (target_8["computed_rating"], target_8["effective_rating"]) == ("A", "A")
    assert (target_8["manual_rating"], target_8["overridden"]) == ("R", "yes")
    assert target_8["manual_reason"] == "Some councils not meeting target therefore RED"

    sheet = load_workbook(io.BytesIO(render_xlsx(snapshot)))["Lincolnshire"]
    labels = [sheet.cell(row=row, column=1).value for row in range(1, sheet.max_row + 1)]
    overall, own = (
        labels.index("Overall: Lincolnshire") + 1,
        labels.index("Own rating: Lincolnshire") + 1,
    )
    header = [cell.value for cell in sheet[1]]
    column = header.index("8") + 1
    assert sheet.cell(row=overall, column=column).value == "A*"
    assert sheet.cell(row=own, column=column).value == "R"
