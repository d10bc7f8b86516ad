"""Board papers and the returns they rest on (issue 10): approved returns by default, submitted
and draft ones only by the Director's choice and then said and marked everywhere, issuing with
them only on an explicit confirmation recorded on the issue; the appendices the Director
chooses; repeated reasons and comments grouped.

On the demo (20 January 2010 Board, agenda item 8): Derbyshire, Leicestershire/Rutland and
Lincolnshire approved, Northamptonshire submitted (awaiting the Director), no Nottinghamshire
return. The small world's two returns are drafts.
"""

from __future__ import annotations

import csv
import html as html_module
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reports.models import APPENDIX_KEYS, BuildStatus, IssuedPaper, PaperBuild
from reports.papers.context import appendices, grouped
from reports.papers.exports import render_csv, render_xlsx
from reports.papers.forms import PaperForm
from reports.papers.render import render_html
from reports.papers.snapshot import build_snapshot, return_states, unapproved_counted
from tests.reports import test_papers_support as support
from tests.reports.test_papers_support import demo_user

pytestmark = pytest.mark.django_db

demo_database = support.demo_database
demo_paper = support.demo_paper
fast_pdf = support.fast_pdf
small = support.small
sync_builds = support.sync_builds


def text_of(html: str) -> str:
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def with_unapproved(demo_paper):
    """The demo paper, the Director having chosen to include submitted and draft returns."""
    demo_paper.basis = "all"
    demo_paper.save(update_fields=["basis"])
    return demo_paper


# ------------------------------------------------------------------------- what it rests on


def test_a_paper_rests_on_approved_returns_by_default(demo_paper):
    snapshot = build_snapshot(demo_paper, user=demo_user("director"))
    data = snapshot["data"]

    assert demo_paper.basis == "approved"
    assert data["basis"] == "approved"
    states = {state["name"]: (state["status"], state["counted"]) for state in return_states(data)}
    assert states == {
        "Derbyshire": ("approved", True),
        "Leicestershire/Rutland": ("approved", True),
        "Lincolnshire": ("approved", True),
        "Northamptonshire": ("submitted", False),
        "Nottinghamshire": (None, False),
    }
    assert unapproved_counted(data) == []
    # Northamptonshire's submitted figures are not in the paper: its column is Grey.
    northamptonshire = [target["sub_regions"][3]["rating"] for target in data["targets"]]
    assert set(northamptonshire) == {"GREY"}


def test_a_paper_with_a_submitted_return_says_so_first_and_in_each_appendix_it_touches(
    with_unapproved,
):
    snapshot = build_snapshot(with_unapproved, user=demo_user("director"))
    html = render_html(snapshot)
    text = text_of(html)

    first_page = text.split("1. Purpose of the report")[0]
    assert (
        "† This paper includes returns not yet approved: Northamptonshire (submitted, "
        "awaiting approval). Every figure resting on them is marked †" in first_page
    )
    assert "The figures rest on 4 of 5 returns: 3 approved, 1 submitted." in first_page
    # Each appendix that shows such a figure says so at its top; the key does not.
    starts = [
        (match.group(1), match.start())
        for match in re.finditer(r'<section class="appendix[^"]*" id="appendix-(\w+)"', html)
    ]
    ends = [start for _, start in starts[1:]] + [len(html)]
    sections = {name: html[start:end] for (name, start), end in zip(starts, ends, strict=True)}
    notes = {name for name, part in sections.items() if 'class="unapproved-note"' in part}
    assert notes == {"region", "srps", "explanations", "trends", "comments"}
    # Appendix 1: Northamptonshire's column heading names its state, each rating in it and
    # each region rating is marked †; the key explains the mark.
    region = sections["region"]
    assert '<span class="th-status">submitted †</span>' in region
    daggers = re.findall(r'class="rag rag--\w+">[^<]*†<', region)
    assert len(daggers) == 12 + 12  # Northamptonshire's 12 targets, and the region's 12
    assert "Rests on a return not yet approved" in sections["key"]
    # The sub-regions' matrices: Northamptonshire's says it, the approved ones do not.
    assert "(not yet approved: every rating below is marked †)" in sections["srps"]
    assert sections["srps"].count("not yet approved: every rating") == 1


def test_the_issue_needs_a_confirmation_and_records_every_returns_state(
    client, with_unapproved, sync_builds, fast_pdf
):
    director = demo_user("director")
    client.force_login(director)
    url = reverse("papers:issue", args=[with_unapproved.pk])

    page = client.get(url).content.decode()
    assert "1 of 5 returns is not yet approved" in page
    assert 'name="confirm_unapproved" value="yes" required' in page
    assert "Yes, not yet approved †" in page

    refused = client.post(url)
    assert refused.status_code == 400
    assert "This issue would include returns not yet approved: Northamptonshire (submitted)" in (
        html_module.unescape(refused.content.decode())
    )
    assert not PaperBuild.objects.exists()
    assert not IssuedPaper.objects.exists()

    response = client.post(url, {"confirm_unapproved": "yes"})
    build = PaperBuild.objects.get()
    assert response["Location"] == build.get_absolute_url()
    assert build.status == BuildStatus.DONE, build.error
    issued = build.issued_paper
    issue = issued.snapshot["issue"]
    assert issue["unapproved_confirmed"] is True
    assert [(state["name"], state["status"], state["counted"]) for state in issue["returns"]][
        3
    ] == ("Northamptonshire", "submitted", True)
    assert all(state["version"] for state in issue["returns"] if state["status"])

    shown = html_module.unescape(client.get(issued.get_absolute_url()).content.decode())
    assert "Issued with returns not yet approved, as the Director confirmed:" in shown
    assert "Northamptonshire (submitted, version" in shown


def test_an_approved_only_paper_is_issued_without_a_confirmation(
    client, demo_paper, sync_builds, fast_pdf
):
    client.force_login(demo_user("director"))
    url = reverse("papers:issue", args=[demo_paper.pk])

    page = html_module.unescape(client.get(url).content.decode())
    assert "confirm_unapproved" not in page
    assert "Not counted, until approved: Northamptonshire (submitted)." in page

    response = client.post(url)
    assert response.status_code == 302
    issued = IssuedPaper.objects.get()
    assert issued.snapshot["issue"]["unapproved_confirmed"] is False
    shown = client.get(issued.get_absolute_url()).content.decode()
    assert "Approved returns only." in shown


# ------------------------------------------------------------------------------ appendices


def test_the_director_chooses_the_appendices_and_they_are_numbered_in_order(demo_paper):
    demo_paper.appendices = ["key", "region"]  # in any order: printed in the papers' order
    demo_paper.full_clean()
    demo_paper.save()
    html = render_html(build_snapshot(demo_paper, user=demo_user("director")))
    text = text_of(html)

    assert demo_paper.appendices == ["region", "key"]
    titles = re.findall(r'<h2 class="appendix__title">(Appendix \d+: [^<]+)</h2>', html)
    assert titles == ["Appendix 1: Regional overview", "Appendix 2: Key to the ratings"]
    assert "Appendix 3" not in text
    assert 'id="appendix-srps"' not in html
    assert "Comments in the returns" not in text
    # References to an appendix the paper does not carry are left out, not left dangling.
    assert "(Appendix 2)" in text  # the key, from the regional overview
    assert "marked ✎)" in text  # the sub-regions' returns are not carried: no number


@pytest.mark.parametrize(
    ("chosen", "message"),
    [([], "Choose at least one appendix."), (["region", "annex"], "No appendix annex")],
)
def test_a_paper_carries_at_least_one_known_appendix(demo_paper, chosen, message):
    demo_paper.appendices = chosen
    with pytest.raises(ValidationError, match=message):
        demo_paper.full_clean()


def test_the_form_offers_the_basis_and_every_appendix(demo_paper):
    form = PaperForm(instance=demo_paper)

    assert form["basis"].value() == "approved"
    assert [value for value, _ in form.fields["basis"].choices] == ["approved", "all"]
    assert list(form["appendices"].value()) == list(APPENDIX_KEYS)
    rendered = str(form["appendices"])
    assert rendered.count('type="checkbox"') == len(APPENDIX_KEYS)


# ------------------------------------------------------------------------------- grouping


def test_repeated_reasons_are_grouped_not_listed_row_by_row(demo_paper):
    data = build_snapshot(demo_paper, user=demo_user("director"))["data"]
    parts = appendices(data)

    # Derbyshire gave the same reason for each of its 9 hand ratings that differ from the rule.
    assert len(parts["overrides"]) == 9
    (group,) = parts["override_groups"]
    assert group["sub_region"] == "Derbyshire"
    assert group["text"] == "Derbyshire return, December 2009 (seed 002, item 8)"
    assert len(group["rows"]) == 9
    # Identical comments on several lines: each once, with its lines.
    assert len(parts["comment_groups"]) < len(parts["comments"])
    assert sum(len(group["rows"]) for group in parts["comment_groups"]) == len(parts["comments"])
    html = render_html(build_snapshot(demo_paper, user=demo_user("director")))
    overrides = html.split('id="appendix-overrides"')[1].split("</section>")[0]
    assert overrides.count("Derbyshire return, December 2009 (seed 002, item 8)") == 1
    assert "— 9 lines:" in overrides


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], []),
        (
            [
                {"sub_region": "B", "sub_region_slug": "b", "reason": "x"},
                {"sub_region": "A", "sub_region_slug": "a", "reason": "y"},
                {"sub_region": "B", "sub_region_slug": "b", "reason": "x "},
                {"sub_region": "A", "sub_region_slug": "a", "reason": "x"},
            ],
            [("A", "y", 1), ("A", "x", 1), ("B", "x", 2)],
        ),
    ],
)
def test_grouped_keeps_the_sub_regions_order_and_each_texts_first_appearance(rows, expected):
    groups = grouped(rows, "reason", ["a", "b"])

    assert [(g["sub_region"], g["text"], len(g["rows"])) for g in groups] == expected


# --------------------------------------------------------------------------------- exports


def test_the_csv_says_what_each_row_rests_on(small):
    rows = list(
        csv.DictReader(
            io.StringIO(
                render_csv(build_snapshot(small.paper, user=small.director)).decode("utf-8-sig")
            )
        )
    )

    lines = [row for row in rows if row["level"] == "authority" and row["actual"]]
    assert lines
    assert {row["data_status"] for row in lines} == {"draft"}
    # An authority with no line in a return has nothing to rest on.
    missing = [row for row in rows if row["level"] == "authority" and not row["actual"]]
    assert {row["data_status"] for row in missing} <= {""}
    assert {row["data_status"] for row in rows if row["level"] == "region"} == {"draft"}


def test_the_workbook_says_what_the_data_rests_on(small):
    from openpyxl import load_workbook

    workbook = load_workbook(
        io.BytesIO(render_xlsx(build_snapshot(small.paper, user=small.director)))
    )
    paper = {row[0]: row[1] for row in workbook["Paper"].iter_rows(values_only=True) if row[0]}

    assert paper["Data"].startswith(
        "All returns, including those not yet approved (marked): the figures rest on 2 of"
    )
    assert "(draft) return" in paper["Data"]
