"""Achieved and not yet due (seed 004) are their own states in every matrix, chart, paper and
export: a letter and a word from the one vocabulary, a class of their own, never Green or
Grey; and not yet due is never counted as awaiting data."""

from __future__ import annotations

import csv
import io
from datetime import date
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from authorities.roles import BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from reports.charts import distribution_chart, trend_chart
from reports.dashboards import Counts, Mark, OverallCell, build_overview
from reports.dashboards.target import TrendPoint
from reports.models import AgendaItem, Meeting, Paper
from reports.papers.exports import render_csv, render_xlsx
from reports.papers.render import render_html
from reports.papers.snapshot import build_snapshot
from returns import services
from returns.exporting import EXPORT_COLUMNS, ExportFilters, export_lines, export_rows
from returns.models import Basis
from returns.periods import Quarter
from returns.progress import progress_fields
from targets.vocabulary import RATINGS
from tests.factories import RegionFactory, make_user
from tests.plan_support import make_plan

pytestmark = pytest.mark.django_db

Q1 = Quarter(2008, 1)


@pytest.fixture
def world():
    """The plan's Q1: one commitment Achieved by hand, one not yet due, one rated by its
    trajectory (Achieved too: 48% against the final 42%); approved."""
    plan = make_plan()
    director = make_user(DIRECTOR)
    return_obj, _ = services.open_return(
        sub_region=plan.sub_region, target_set=plan.target_set, quarter=Q1, actor=director
    )
    council = plan.council.pk
    services.update_lines(
        return_obj=return_obj,
        changes={
            (council, plan.by_hand.pk): progress_fields(progress="ACH", comment="In place"),
            (council, plan.exclusions.pk): progress_fields(
                progress="not_yet_due", comment="N/A – Data will be available in Qrt 2"
            ),
            (council, plan.recycling.pk): progress_fields(
                progress="ACH", comment="48.12% in 2007/08", value=48
            ),
        },
        actor=director,
        channel="test",
    )
    manager = make_user(PROGRAMME_MANAGER, sub_region=plan.sub_region)
    services.submit_return(return_obj=return_obj, actor=manager)
    services.approve_return(return_obj=return_obj, actor=director)
    plan.return_obj = return_obj
    plan.director = director
    return plan


def query(plan) -> str:
    return f"?target_set={plan.target_set.slug}&period=2008/09+Q1"


ACHIEVED_CELL = '<span class="rag rag--ACH">Ach</span>'


def test_the_vocabulary_has_achieved_and_not_yet_due_readable_without_colour():
    achieved, due = RATINGS["ACH"], RATINGS["NYD"]
    assert (achieved.letter, achieved.label, achieved.css) == ("Ach", "Achieved", "rag rag--ACH")
    assert (due.letter, due.label, due.css) == ("later", "Not yet due", "rag rag--NYD")
    assert achieved.is_rag  # a rating of performance, beyond Green
    assert not due.is_rag  # neither performance nor Grey
    assert RATINGS["G"].rank < achieved.rank < due.rank < RATINGS["GREY"].rank


def test_the_overview_matrix_shows_achieved_and_not_yet_due_as_such(client, world):
    client.force_login(make_user(BOARD_MEMBER))
    html = client.get(reverse("reports:overview") + query(world)).content.decode()

    assert ACHIEVED_CELL in html
    assert '<span class="rag rag--NYD">later</span>' in html
    assert "Of 3 targets, 2 achieved and 1 not yet due for the region in 2008/09 Q1." in html
    # The key says what they mean, in the vocabulary's words.
    assert "Achieved: completed on time or ahead of schedule" in html
    assert "1 not yet due: the data comes in a later quarter, so not awaited." in html
    assert "0 lines awaiting data" in html


def test_not_yet_due_is_not_counted_as_awaiting(world):
    overview = build_overview(
        user=world.director, target_set=world.target_set, quarter=Q1, basis=Basis.APPROVED
    )
    assert overview.completeness_total.awaiting == 0
    assert overview.completeness_total.not_yet_due == 1
    assert overview.target_counts.grey == 0
    assert overview.target_counts.not_yet_due == 1
    assert overview.target_counts.achieved == 2
    assert overview.target_counts.green == 0


def test_the_sub_region_matrix_and_the_target_page_show_achieved(client, world):
    client.force_login(make_user(BOARD_MEMBER))
    sub_region = client.get(
        reverse("reports:sub-region", args=[world.sub_region.slug]) + query(world)
    ).content.decode()
    assert ACHIEVED_CELL in sub_region

    target = client.get(reverse("reports:target", args=[world.recycling.code])).content.decode()
    assert '<span class="rag rag--ACH rag--large">Ach</span> <strong>Achieved</strong>' in target
    assert '<th scope="col" class="num">Achieved</th>' in target  # the trend's figures
    assert "Achieved: completed on time" in target  # the legend
    assert "48% against the final target (at least 42%): met: Achieved." in target
    # The commitment's own facts: its officer and year targets.
    assert "The commitment in Leicestershire County Council's plan" in target
    assert "Holly Field" in target


def counts_of(**fields) -> Counts:
    return Counts(**fields)


def test_the_charts_draw_achieved_and_not_yet_due_with_their_own_pattern_and_word():
    counts = counts_of(green=1, achieved=2, not_yet_due=1)
    point = TrendPoint(
        quarter=Q1,
        counts=counts,
        overall=OverallCell(mark=Mark.of("ACH"), explanation="", counts=counts),
        has_returns=True,
    )
    trend = str(trend_chart([point], chart_id="t", title="Plan"))
    assert 'id="t-p-ACH"' in trend
    assert 'id="t-p-NYD"' in trend
    assert ">Ach Achieved<" in trend  # the legend's word
    assert ">later Not yet due<" in trend
    assert ">Ach<" in trend  # the overall badge
    assert "2 Achieved" in trend  # the description screen readers read

    bars = str(distribution_chart(counts, chart_id="d", title="Plan"))
    assert ">Ach  Achieved<" in bars
    assert ">later  Not yet due<" in bars


def test_a_regional_chart_does_not_offer_achieved():
    counts = counts_of(green=3, red=1)
    point = TrendPoint(
        quarter=Q1,
        counts=counts,
        overall=OverallCell(mark=Mark.of("R"), explanation="", counts=counts),
        has_returns=True,
    )
    trend = str(trend_chart([point], chart_id="t", title="Regional"))
    assert "Achieved" not in trend
    assert "Not yet due" not in trend


@pytest.fixture
def paper(world):
    meeting = Meeting.objects.create(
        date=date(2008, 9, 10), venue="County Hall", region=RegionFactory()
    )
    item = AgendaItem.objects.create(meeting=meeting, number=4, title="Improvement plan Q1")
    return Paper.objects.create(
        agenda_item=item,
        title="Improvement plan monitoring",
        target_set=world.target_set,
        year=Q1.year,
        quarter=Q1.quarter,
        author=world.director,
        author_name="Chris Allison",
        author_title="Director EM IEP",
    )


def test_the_paper_prints_achieved_in_its_matrices_key_and_legend(world, paper):
    snapshot = build_snapshot(paper, user=world.director)
    html = render_html(snapshot)

    assert ACHIEVED_CELL in html
    # The key appendix: Achieved and not yet due with the vocabulary's letters and words.
    key = html.split('id="appendix-key"')[1].split("</section>")[0]
    assert '<span class="rag rag--ACH">Ach</span></td><th scope="row">Achieved</th>' in key
    assert '<span class="rag rag--NYD">later</span></td><th scope="row">Not yet due</th>' in key
    assert "improvement plan's commitment (seed 004's key)" in unescape(key)
    # The legend under each matrix.
    assert '<span class="rag rag--ACH">Ach</span> achieved · ' in html
    assert '<span class="rag rag--NYD">later</span> not yet due · ' in html
    counts = snapshot["data"]["targets"][0]["region"]["counts"]
    assert counts["ACH"] == 1


def test_the_paper_exports_carry_achieved_as_its_own_letter_and_fill(world, paper):
    snapshot = build_snapshot(paper, user=world.director)
    rows = list(csv.reader(io.StringIO(render_csv(snapshot).decode("utf-8-sig"))))
    header = rows[0]
    effective = header.index("effective_rating")
    letters = [row[effective] for row in rows[1:]]
    assert letters.count("Ach") >= 2
    assert "later" in letters

    workbook = load_workbook(io.BytesIO(render_xlsx(snapshot)))
    region = workbook["Region"]
    values = [[cell.value for cell in row] for row in region.iter_rows()]
    achieved = [
        (row_index, column_index)
        for row_index, row in enumerate(values, start=1)
        for column_index, value in enumerate(row, start=1)
        if value == "Ach"
    ]
    assert achieved
    cell = region.cell(*achieved[0])
    assert cell.fill.fgColor.rgb.endswith("1D4F91")


def test_the_returns_export_prints_achieved_and_not_yet_due(world):
    lines = export_lines(user=world.director, filters=ExportFilters(target_set=world.target_set))
    rows = [dict(zip(EXPORT_COLUMNS, row, strict=True)) for row in export_rows(lines)]
    by_target = {row["target"]: row for row in rows}
    assert by_target["CYP-M3"]["rag"] == "Ach"  # the council's own rating
    assert by_target["CYP-M3"]["effective_rating"] == "Ach"
    assert by_target["CYP-M9"]["actual"] == "not yet due"  # a statement, like "met"
    assert by_target["CYP-M9"]["reason"] == "N/A – Data will be available in Qrt 2"
    assert by_target["CYP-M9"]["effective_rating"] == "later"
    assert by_target["HTW-W3"]["computed_rating"] == "Ach"  # rated Achieved by the rule
