"""Issuing: the PDF and the data are frozen; later changes to the returns never alter them, and
the issued paper shows what was restated since, with who, when and why."""

from __future__ import annotations

import hashlib
import html as html_module
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from reports.models import BuildStatus, IssuedPaper, PaperBuild
from reports.papers import background
from reports.papers.issuing import restatements
from reports.papers.snapshot import canonical_json, snapshot_checksum
from returns import services
from returns.models import LineState, Return
from tests.reports import test_papers_support as support
from tests.reports.test_papers_support import demo_user

pytestmark = pytest.mark.django_db

# Fixtures shared with the other test_papers_* modules.
fast_pdf = support.fast_pdf
demo_database = support.demo_database
demo_paper = support.demo_paper
small = support.small
sync_builds = support.sync_builds


def _issue(client, paper, user):
    client.force_login(user)
    response = client.post(reverse("papers:issue", args=[paper.pk]))
    assert response.status_code == 302
    build = PaperBuild.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert build.status == BuildStatus.DONE, build.error
    return build.issued_paper


def _download(client, issued) -> bytes:
    response = client.get(reverse("papers:issued-pdf", args=[issued.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_an_issued_demo_paper_stays_byte_identical_after_a_return_changes(
    client, demo_paper, sync_builds
):
    director = demo_user("director")
    issued = _issue(client, demo_paper, director)
    first = _download(client, issued)
    assert first.startswith(b"%PDF-")
    assert hashlib.sha256(first).hexdigest() == issued.pdf_sha256

    # The paper rests on approved returns only: Lincolnshire's return is reopened by the
    # Director, with a reason, and Lincoln's invoices figure corrected (95.08% in the demo).
    return_obj = Return.objects.get(
        sub_region__slug="lincolnshire", target_set__slug="stretch-targets", year=2009, quarter=3
    )
    line = return_obj.lines.get(authority__slug="lincoln", target__number="8")
    assert line.actual == Decimal("95.08")
    services.reopen_return(
        return_obj=return_obj, actor=director, reason="Lincoln's finance team revised Q3."
    )
    services.update_lines(
        return_obj=return_obj,
        changes={
            (line.authority_id, line.target_id): {
                "state": LineState.VALUE,
                "actual": Decimal("91.2"),
                "comment": "Revised by the finance team on 5 January.",
            }
        },
        actor=demo_user("pm-lincolnshire"),
        channel="web",
    )

    issued.refresh_from_db()
    again = _download(client, issued)
    assert again == first
    assert issued.verify()
    assert snapshot_checksum(issued.snapshot) == issued.snapshot_sha256

    # The issued paper says what was restated: reported vs now, who, when, through what, and
    # why: the reopening's reason and the line's comment. Read on the issue's own basis
    # (approved returns only), Lincolnshire's reopened draft is no longer counted at all.
    page = client.get(reverse("papers:issued", args=[issued.pk]))
    html = html_module.unescape(page.content.decode())
    assert "Restated since it was issued" in html
    assert "<td>Lincolnshire</td><td>Lincoln</td><td>8</td>" in html
    assert "Reopened " in html
    assert "“Lincoln's finance team revised Q3.”" in html
    # Approved returns only: the reopened draft does not count until approved again, so the
    # paper's figures for Lincolnshire are restated as no longer in an approved return.
    assert "Value: 95.08% → <strong>—</strong>" in html
    assert "State: value → <strong>no return</strong>" in html

    # Every return, as the Director may read it: the new figure and its comment.
    board_all = restatements(issued, user=director, basis="all")
    (changed,) = [row for row in board_all.lines if row.authority == "Lincoln"]
    assert [(c.figure, c.reported, c.now) for c in changed.changes][:1] == [
        ("Value", "95.08%", "91.2%")
    ]
    assert changed.comment == "Revised by the finance team on 5 January."
    assert [reason.text for reason in changed.reasons] == ["Lincoln's finance team revised Q3."]
    assert changed.reasons[0].step == "Reopened"

    # The frozen data still says what was issued; a new draft says what is now.
    frozen = client.get(reverse("papers:issued-csv", args=[issued.pk])).content.decode("utf-8-sig")
    row = "authority,Lincolnshire,City of Lincoln Council,district,8,"
    assert ",95.08," in next(r for r in frozen.splitlines() if r.startswith(row))


def test_an_issue_cannot_be_changed_and_its_snapshot_survives_the_database(
    fast_pdf, small, sync_builds
):
    build = background.start_build(
        small.paper, user=small.director, kind="issue", confirm_unapproved=True
    )
    issued = IssuedPaper.objects.get(pk=build.issued_paper_id)

    assert issued.number == 1
    assert issued.issued_by == small.director
    issue = issued.snapshot["issue"]
    assert (issue["number"], issue["issued_by"]) == (1, "Chris Allison")
    # The issue records each return it rests on, its state, and the confirmation.
    made = [state for state in issue["returns"] if state["status"]]
    assert [(s["name"], s["status"], s["counted"]) for s in made] == [
        ("Northshire", "draft", True),
        ("South/West", "draft", True),
    ]
    assert issue["unapproved_confirmed"] is True
    # The canonical JSON is the same after the database round trip (jsonb reorders keys).
    assert canonical_json(issued.snapshot) == canonical_json(build.snapshot)
    issued.title = "Changed"
    with pytest.raises(ValidationError, match="frozen"):
        issued.save()
    # The bytes live on the issue only, not twice.
    assert PaperBuild.objects.values_list("content", flat=True).get(pk=build.pk) is None


def test_the_next_issue_gets_the_next_number_and_the_earlier_one_is_kept(
    fast_pdf, small, sync_builds
):
    first = background.start_build(
        small.paper, user=small.director, kind="issue", confirm_unapproved=True
    ).issued_paper
    second = background.start_build(
        small.paper, user=small.director, kind="issue", confirm_unapproved=True
    ).issued_paper

    assert (first.number, second.number) == (1, 2)
    assert IssuedPaper.objects.filter(paper=small.paper).count() == 2
    assert second.snapshot["issue"]["number"] == 2
    assert first.snapshot["issue"]["number"] == 1


def test_an_issue_in_progress_refuses_another(small):
    background.start_build(
        small.paper, user=small.director, kind="issue", confirm_unapproved=True
    )  # queued

    with pytest.raises(background.IssueInProgress):
        background.start_build(
            small.paper, user=small.director, kind="issue", confirm_unapproved=True
        )


def test_restatements_are_scoped_to_what_the_reader_may_see(fast_pdf, small, sync_builds):
    from authorities.roles import BOARD_MEMBER, PROGRAMME_MANAGER
    from tests.factories import make_user

    issued = background.start_build(
        small.paper, user=small.director, kind="issue", confirm_unapproved=True
    ).issued_paper
    county = small.authorities[0]
    services.update_lines(
        return_obj=small.returns[0],
        changes={(county.pk, small.targets[0].pk): {"actual": Decimal("50")}},
        actor=small.system,
        channel="import: corrections.xlsx row 2",
    )

    board = restatements(issued, user=make_user(BOARD_MEMBER))
    (line,) = board.lines
    assert (line.sub_region, line.authority, line.target) == ("Northshire", county.short_name, "1")
    assert [(c.figure, c.reported, c.now) for c in line.changes] == [
        ("Value", "96%", "50%"),
        ("Rating", "G", "R"),
    ]
    assert [audit.channel for audit in line.audit] == ["import: corrections.xlsx row 2"]
    assert {(row.where, row.target, row.reported, row.now) for row in board.overall} == {
        ("The region", "1", "G", "R"),
        ("Northshire", "1", "G", "R"),
    }

    other = make_user(PROGRAMME_MANAGER, sub_region=small.sub_regions[1])
    theirs = restatements(issued, user=other)
    assert theirs.lines == []
    assert theirs.overall == []  # the region is not compared over part of it
    assert "South/West" in theirs.scope_note


def test_a_manual_rating_given_since_shows_its_reason(fast_pdf, small, sync_builds):
    from authorities.roles import BOARD_MEMBER
    from tests.factories import make_user

    issued = background.start_build(
        small.paper, user=small.director, kind="issue", confirm_unapproved=True
    ).issued_paper
    town = small.authorities[1]
    services.update_lines(
        return_obj=small.returns[0],
        changes={
            (town.pk, small.targets[1].pk): {
                "manual_rating": "G",
                "manual_reason": "Collection caught up in January.",
            }
        },
        actor=small.system,
        channel="web",
    )

    (line,) = restatements(issued, user=make_user(BOARD_MEMBER)).lines
    assert ("Manual rating", "—", "G") in [(c.figure, c.reported, c.now) for c in line.changes]
    assert line.manual_reason == "Collection caught up in January."


def test_the_issued_workbook_is_the_frozen_data(fast_pdf, client, small, sync_builds):
    issued = background.start_build(
        small.paper, user=small.director, kind="issue", confirm_unapproved=True
    ).issued_paper
    services.update_lines(
        return_obj=small.returns[0],
        changes={(small.authorities[0].pk, small.targets[0].pk): {"actual": Decimal("50")}},
        actor=small.system,
        channel="web",
    )
    client.force_login(small.director)

    content = client.get(reverse("papers:issued-xlsx", args=[issued.pk])).content
    workbook = load_workbook(io.BytesIO(content))
    assert workbook["Northshire"]["C2"].value == "G†"  # as issued (a draft); the line is Red now
    paper = {row[0]: row[1] for row in workbook["Paper"].iter_rows(values_only=True) if row[0]}
    assert paper["Status"] == "Issue 1"
