"""The Board papers' pages: who may see and do what, composing, preview and downloads."""

from __future__ import annotations

import pytest
from django.urls import reverse

from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from reports.models import AgendaItem, BuildStatus, Meeting, Paper, PaperBuild, Section
from reports.papers import background
from tests.factories import TargetSetFactory, make_user
from tests.reports import test_papers_support as support

pytestmark = pytest.mark.django_db

# Fixtures shared with the other test_papers_* modules.
fast_pdf = support.fast_pdf
small = support.small
sync_builds = support.sync_builds

DRAFT_PAGES = ["paper-edit", "sections", "preview", "xlsx", "csv", "issue"]


@pytest.fixture
def issued(small, sync_builds, fast_pdf):
    return background.start_build(
        small.paper, user=small.director, kind="issue", confirm_unapproved=True
    ).issued_paper


def _urls(small, issued) -> dict[str, str]:
    pk = small.paper.pk
    return {
        "index": reverse("papers:index"),
        "meeting": reverse("papers:meeting", args=[small.paper.agenda_item.meeting_id]),
        "paper": reverse("papers:paper", args=[pk]),
        **{name: reverse(f"papers:{name}", args=[pk]) for name in DRAFT_PAGES},
        "issued": reverse("papers:issued", args=[issued.pk]),
        "issued-html": reverse("papers:issued-html", args=[issued.pk]),
        "issued-pdf": reverse("papers:issued-pdf", args=[issued.pk]),
        "issued-xlsx": reverse("papers:issued-xlsx", args=[issued.pk]),
        "issued-csv": reverse("papers:issued-csv", args=[issued.pk]),
        "build": reverse("papers:build", args=[issued.build.pk]),
        "build-status": reverse("papers:build-status", args=[issued.build.pk]),
    }


def test_anonymous_visitors_are_sent_to_the_login_page(client, small, issued):
    for name, url in _urls(small, issued).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name
    response = client.post(reverse("papers:pdf", args=[small.paper.pk]))
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", [BOARD_MEMBER, ADMINISTRATOR, PROGRAMME_MANAGER])
def test_readers_read_issued_papers_only(client, small, issued, role):
    # A programme manager reads their own region's papers: through their sub-region's.
    sub_region = small.sub_regions[0] if role == PROGRAMME_MANAGER else None
    client.force_login(make_user(role, sub_region=sub_region))
    urls = _urls(small, issued)

    for name in ("index", "meeting", "issued", "issued-html", "issued-pdf", "issued-xlsx"):
        assert client.get(urls[name]).status_code == 200, name
    for name in (*DRAFT_PAGES, "build", "build-status"):
        assert client.get(urls[name]).status_code == 403, name
    # The draft's page sends a reader to the latest issue.
    assert client.get(urls["paper"])["Location"] == urls["issued"]
    for name in ("pdf", "issue"):
        response = client.post(reverse(f"papers:{name}", args=[small.paper.pk]))
        assert response.status_code == 403, name
    assert PaperBuild.objects.count() == 1


def test_a_user_without_a_role_reads_nothing(client, small, issued):
    client.force_login(make_user(None))
    urls = _urls(small, issued)
    for name in ("index", "meeting", "paper", "issued", "issued-pdf", *DRAFT_PAGES):
        assert client.get(urls[name]).status_code == 403, name


def test_readers_see_no_draft_in_the_listing(client, small):
    client.force_login(make_user(BOARD_MEMBER))
    response = client.get(reverse("papers:index"))
    assert response.status_code == 200
    assert small.paper.title not in response.content.decode()
    assert "No paper has been issued yet." in response.content.decode()
    assert client.get(reverse("papers:paper", args=[small.paper.pk])).status_code == 403


def test_the_director_composes_a_paper_from_a_new_meeting(client, db):
    director = make_user(DIRECTOR, first_name="Chris", last_name="Allison")
    target_set = TargetSetFactory(title="EM IEP 12 stretch targets")
    client.force_login(director)

    response = client.post(
        reverse("papers:meeting-new"),
        {"body": "Board", "date": "2010-04-21", "starts_at": "10:00", "venue": "Pera"},
    )
    meeting = Meeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    client.post(meeting.get_absolute_url(), {"number": 6, "title": "Targets review"})
    refused = client.post(meeting.get_absolute_url(), {"number": 6, "title": "Again"})
    assert "already has an item 6" in refused.content.decode()
    item = AgendaItem.objects.get()

    response = client.get(reverse("papers:paper-new", args=[item.pk]))
    assert 'value="Chris Allison"' in response.content.decode()
    response = client.post(
        reverse("papers:paper-new", args=[item.pk]),
        {
            "title": "Targets review",
            "target_set": target_set.pk,
            "period": "2009/10 Q3",
            "author_name": "Chris Allison",
            "author_title": "Director EM IEP",
            "basis": "approved",
            "appendices": ["region", "srps", "key"],
        },
    )
    paper = Paper.objects.get()
    assert response["Location"] == reverse("papers:sections", args=[paper.pk])
    assert (paper.year, paper.quarter, paper.author) == (2009, 3, director)
    assert (paper.basis, paper.appendices) == ("approved", ["region", "srps", "key"])
    assert [str(section) for section in paper.sections.all()] == [
        "1. Purpose of the report",
        "2. Background",
        "3. Steering Group comments",
        "4. Recommendations",
    ]
    # One paper per agenda item.
    assert client.get(reverse("papers:paper-new", args=[item.pk])).status_code == 404


def test_a_bad_quarter_is_refused(client, small):
    client.force_login(small.director)
    response = client.post(
        reverse("papers:paper-edit", args=[small.paper.pk]),
        {
            "title": "x",
            "target_set": small.paper.target_set_id,
            "period": "Q3 2009",
            "author_name": "a",
            "author_title": "b",
        },
    )
    assert response.status_code == 200
    assert "is not a quarter" in response.content.decode()


def _formset(paper, sections, *, version, extra=None):
    data = {
        "version": version,
        "sections-TOTAL_FORMS": len(sections) + (1 if extra else 0),
        "sections-INITIAL_FORMS": len(sections),
        "sections-MIN_NUM_FORMS": 0,
        "sections-MAX_NUM_FORMS": 1000,
    }
    for index, (section, heading, body, order, delete) in enumerate(sections):
        data |= {
            f"sections-{index}-id": section.pk,
            f"sections-{index}-paper": paper.pk,
            f"sections-{index}-heading": heading,
            f"sections-{index}-body": body,
            f"sections-{index}-order": order,
        }
        if delete:
            data[f"sections-{index}-DELETE"] = "on"
    if extra:
        index = len(sections)
        heading, body, order = extra
        data |= {
            f"sections-{index}-paper": paper.pk,
            f"sections-{index}-heading": heading,
            f"sections-{index}-body": body,
            f"sections-{index}-order": order,
        }
    return data


def test_writing_the_sections_renumbers_them_and_refuses_a_stale_page(client, small):
    client.force_login(small.director)
    paper = small.paper
    purpose, recommendations = paper.sections.order_by("order")
    url = reverse("papers:sections", args=[paper.pk])
    assert client.get(url).status_code == 200

    data = _formset(
        paper,
        [
            (purpose, "Purpose of the report", "1.1 To inform the Board.", 1, False),
            (recommendations, "Recommendations", "The Board note it.", 3, False),
        ],
        version=paper.version,
        extra=("Background", "The Board agreed in November.\n\nThe CAA was published.", 2),
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [(s.number, s.heading) for s in paper.sections.order_by("order")] == [
        (1, "Purpose of the report"),
        (2, "Background"),
        (3, "Recommendations"),
    ]
    paper.refresh_from_db()
    assert paper.version == 2

    # The same page posted again (version 1) is refused: nothing is saved.
    data["sections-0-body"] = "Overwritten?"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "nothing was saved" in response.content.decode()
    assert Section.objects.get(pk=purpose.pk).body == "1.1 To inform the Board."

    # Deleting a section renumbers the others.
    background = paper.sections.get(heading="Background")
    sections = [
        (purpose, "Purpose of the report", "1.1 To inform the Board.", 1, False),
        (background, "Background", "x", 2, True),
        (paper.sections.get(heading="Recommendations"), "Recommendations", "y", 3, False),
    ]
    response = client.post(url, _formset(paper, sections, version=2) | {"preview": "1"})
    assert response["Location"] == reverse("papers:preview", args=[paper.pk])
    assert [(s.number, s.heading) for s in paper.sections.order_by("order")] == [
        (1, "Purpose of the report"),
        (2, "Recommendations"),
    ]


def test_the_preview_is_the_paper_with_numbered_paragraphs_and_no_inline_script(client, small):
    Section.objects.filter(paper=small.paper, number=1).update(
        body="First.\n\nSecond <script>alert('x')</script>with **bold**."
    )
    client.force_login(small.director)

    response = client.get(reverse("papers:preview", args=[small.paper.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Report of the Director" in html
    assert '<span class="para__number">1.2</span>' in html
    assert "<strong>bold</strong>" in html
    assert "alert(" not in html
    assert "<script" not in html
    assert "css/print/paper.css" in html
    assert "Northshire" in html
    assert "South/West" in html


def test_the_draft_downloads_excel_and_csv(client, small):
    client.force_login(small.director)

    xlsx = client.get(reverse("papers:xlsx", args=[small.paper.pk]))
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert xlsx["Content-Disposition"] == (
        'attachment; filename="board-2010-04-21-item-6-draft-data.xlsx"'
    )
    assert xlsx.content.startswith(b"PK")
    csv = client.get(reverse("papers:csv", args=[small.paper.pk]))
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert b"Northshire County" in csv.content


def test_the_director_builds_the_pdf_and_downloads_it(client, small, sync_builds):
    client.force_login(small.director)

    response = client.post(reverse("papers:pdf", args=[small.paper.pk]))
    build = PaperBuild.objects.get()
    assert response["Location"] == reverse("papers:build", args=[build.pk])
    assert build.status == BuildStatus.DONE
    page = client.get(response["Location"]).content.decode()
    assert "Download the PDF" in page
    state = client.get(reverse("papers:build-status", args=[build.pk])).json()
    assert state["status"] == "done"
    assert state["progress"] == 100
    assert state["download_url"] == reverse("papers:build-download", args=[build.pk])
    pdf = client.get(state["download_url"])
    assert pdf["Content-Disposition"] == 'attachment; filename="board-2010-04-21-item-6-draft.pdf"'
    assert pdf.content.startswith(b"%PDF-")


def test_the_status_page_polls_with_a_static_script_while_the_build_runs(client, small):
    client.force_login(small.director)
    # The build is queued: no worker runs in this test.
    response = client.post(reverse("papers:pdf", args=[small.paper.pk]))
    html = client.get(response["Location"]).content.decode()

    assert "js/paper-build.js" in html
    assert 'http-equiv="refresh"' in html  # inside <noscript>
    assert "<progress" in html
    assert "data-build-status=" in html


def test_another_directors_build_is_visible_but_not_a_readers(client, small, sync_builds, fast_pdf):
    build = background.start_build(small.paper, user=small.director)
    client.force_login(make_user(DIRECTOR))
    assert client.get(reverse("papers:build", args=[build.pk])).status_code == 200
    client.force_login(make_user(BOARD_MEMBER))
    assert client.get(reverse("papers:build-download", args=[build.pk])).status_code == 403
