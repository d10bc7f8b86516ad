"""Excel and CSV downloads: small ones answered in the request, large ones (national scale)
made by the task worker with progress, then downloaded from their status page."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from authorities.roles import BOARD_MEMBER
from reports.models import BuildKind, BuildStatus, PaperBuild
from reports.papers import background, builds
from reports.papers.exports import XLSX_CONTENT_TYPE, render_csv, render_xlsx
from reports.papers.snapshot import build_snapshot
from tests.factories import make_user
from tests.reports import test_papers_support as support

pytestmark = pytest.mark.django_db

small = support.small
fast_pdf = support.fast_pdf

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def large(settings):
    """The small world's 12 lines count as a large export (as 9,756 do at national scale)."""
    settings.BOARD_EXPORT_INLINE_MAX_LINES = 5


def test_a_small_export_is_answered_in_the_request(client, small):
    client.force_login(small.director)

    response = client.get(reverse("papers:xlsx", args=[small.paper.pk]))

    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    assert not PaperBuild.objects.exists()
    assert background.draft_lines(small.paper) == 12


def test_a_large_export_is_offered_and_a_get_changes_nothing(client, small, large):
    client.force_login(small.director)

    response = client.get(reverse("papers:xlsx", args=[small.paper.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "has 12 lines" in html
    assert f'<form method="post" action="{reverse("papers:xlsx", args=[small.paper.pk])}">' in html
    assert "Prepare the Excel file" in html
    assert not PaperBuild.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_a_small_export_asked_for_by_post_is_simply_downloaded(client, small):
    client.force_login(small.director)

    response = client.post(reverse("papers:csv", args=[small.paper.pk]))

    assert response["Location"] == reverse("papers:csv", args=[small.paper.pk])
    assert not PaperBuild.objects.exists()


def test_the_worker_makes_a_large_draft_export_to_download(client, small, large):
    client.force_login(small.director)

    response = client.post(reverse("papers:csv", args=[small.paper.pk]))

    build = PaperBuild.objects.get()
    assert response["Location"] == build.get_absolute_url()
    assert (build.kind, build.status, build.snapshot) == (BuildKind.CSV, BuildStatus.QUEUED, None)
    assert DBTaskResult.objects.get(id=build.task_id).args_kwargs["args"] == [build.pk]
    page = client.get(build.get_absolute_url()).content.decode()
    assert "CSV of the data of Targets review" in page
    assert "js/paper-build.js" in page

    assert builds.run_build(build.pk) == "done"  # what the task does in the worker

    state = client.get(reverse("papers:build-status", args=[build.pk])).json()
    assert (state["status"], state["progress"], state["stage"]) == ("done", 100, "Ready")
    download = client.get(state["download_url"])
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == (
        'attachment; filename="board-2010-04-21-item-6-draft-data.csv"'
    )
    assert download.content == render_csv(build_snapshot(small.paper, user=small.director))
    assert "Download the CSV file" in client.get(build.get_absolute_url()).content.decode()


def test_a_large_workbook_shows_its_sheets_as_progress(small, large, monkeypatch):
    build = background.start_export(small.paper, fmt="xlsx", user=small.director)
    stages = []
    real_set = builds._Progress.set

    def record(self, percent, stage, *, force=True):
        stages.append((percent, stage))
        real_set(self, percent, stage, force=True)

    monkeypatch.setattr(builds._Progress, "set", record)

    builds.run_build(build.pk)

    assert stages[:3] == [
        (5, "Gathering the data"),
        (40, "Writing the workbook (12 lines)"),
        (50, "Writing sheet 1 of 5"),
    ]
    assert (90, "Writing sheet 5 of 5") in stages
    assert [percent for percent, _ in stages] == sorted(percent for percent, _ in stages)
    content = bytes(PaperBuild.objects.values_list("content", flat=True).get(pk=build.pk))
    assert load_workbook(io.BytesIO(content)).sheetnames[-1] == "Lines"


def test_render_xlsx_tells_each_sheet(small):
    calls = []

    render_xlsx(
        build_snapshot(small.paper, user=small.director), progress=lambda *a: calls.append(a)
    )

    assert calls == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_a_board_member_exports_a_large_issue_through_the_worker(
    client, small, large, settings, fast_pdf
):
    queue = settings.TASKS
    settings.TASKS = IMMEDIATE
    issued = background.start_build(
        small.paper, user=small.director, kind="issue", confirm_unapproved=True
    ).issued_paper
    settings.TASKS = queue
    reader = make_user(BOARD_MEMBER)
    client.force_login(reader)
    url = reverse("papers:issued-csv", args=[issued.pk])

    assert "Prepare the CSV file" in client.get(url).content.decode()
    response = client.post(url)

    build = PaperBuild.objects.get(kind=BuildKind.CSV)
    assert (build.source_issue, build.status) == (issued, BuildStatus.QUEUED)
    assert response["Location"] == build.get_absolute_url()
    builds.run_build(build.pk)
    download = client.get(reverse("papers:build-download", args=[build.pk]))
    assert download.content == render_csv(issued.snapshot)
    assert download["Content-Disposition"] == (
        'attachment; filename="board-2010-04-21-item-6-issue-1-data.csv"'
    )
    # Theirs and the Director's: not another reader's.
    client.force_login(small.director)
    assert client.get(build.get_absolute_url()).status_code == 200
    client.force_login(make_user(BOARD_MEMBER))
    assert client.get(build.get_absolute_url()).status_code == 403
    assert client.get(reverse("papers:build-download", args=[build.pk])).status_code == 403


def test_a_failed_export_is_tried_again_from_its_own_page(client, small, large, monkeypatch):
    monkeypatch.setattr(builds.exports, "render_csv", lambda snapshot: 1 / 0)
    client.force_login(small.director)
    client.post(reverse("papers:csv", args=[small.paper.pk]))
    build = PaperBuild.objects.get()
    builds.run_build(build.pk)

    page = client.get(build.get_absolute_url()).content.decode()

    assert "ZeroDivisionError: division by zero" in page
    assert f'<form method="post" action="{reverse("papers:csv", args=[small.paper.pk])}">' in page
