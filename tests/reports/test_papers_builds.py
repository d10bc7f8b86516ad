"""Building a paper's PDF outside the request: the background thread, progress, failures."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.models import BuildKind, BuildStatus, PaperBuild
from reports.papers import builds
from tests.reports import test_papers_support as support
from tests.reports.test_papers_support import make_small_world

pytestmark = pytest.mark.django_db

# Fixtures shared with the other test_papers_* modules.
fast_pdf = support.fast_pdf
small = support.small
sync_builds = support.sync_builds


def test_a_sync_build_records_its_pdf_pages_and_checksum(small, sync_builds):
    build = builds.start_build(small.paper, user=small.director)

    assert build.status == BuildStatus.DONE
    assert build.progress == 100
    content = bytes(PaperBuild.objects.values_list("content", flat=True).get(pk=build.pk))
    assert content.startswith(b"%PDF-")
    assert build.pages >= 5
    assert len(build.checksum) == 64
    assert build.snapshot["data"]["quarter"] == "2009/10 Q3"
    assert build.started_at <= build.finished_at


def test_a_build_runs_only_once(fast_pdf, small, sync_builds):
    build = builds.start_build(small.paper, user=small.director)
    finished_at = build.finished_at

    builds.run_build(build.pk)  # already claimed and done: nothing happens

    build.refresh_from_db()
    assert build.finished_at == finished_at


def test_a_failure_is_recorded_with_its_error(small, sync_builds, monkeypatch):
    def broken(html, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(builds, "render_pdf", broken)

    build = builds.start_build(small.paper, user=small.director)

    assert build.status == BuildStatus.FAILED
    assert build.error == "OSError: No space left on device"
    assert build.content is None
    assert build.finished_at is not None


def test_the_status_page_shows_the_failure_and_offers_to_try_again(
    client, small, sync_builds, monkeypatch
):
    monkeypatch.setattr(builds, "render_pdf", lambda html, **kwargs: 1 / 0)
    client.force_login(small.director)

    response = client.post(reverse("papers:pdf", args=[small.paper.pk]), follow=True)

    html = response.content.decode()
    assert "Failed" in html
    assert "ZeroDivisionError: division by zero" in html
    assert "Try again" in html


def test_a_failed_issue_issues_nothing(small, sync_builds, monkeypatch):
    monkeypatch.setattr(builds, "render_pdf", lambda html, **kwargs: 1 / 0)

    build = builds.start_build(small.paper, user=small.director, kind=BuildKind.ISSUE)

    assert build.status == BuildStatus.FAILED
    assert not small.paper.issues.exists()


def test_a_build_whose_process_went_away_is_marked_interrupted(small, settings):
    settings.PAPER_BUILD_MODE = "thread"  # queued; on_commit never fires in the test
    build = builds.start_build(small.paper, user=small.director)
    assert build.status == BuildStatus.QUEUED
    assert not builds.expire_if_stale(build)

    PaperBuild.objects.filter(pk=build.pk).update(
        status=BuildStatus.RUNNING, updated_at=timezone.now() - timedelta(minutes=11)
    )
    build.refresh_from_db()

    assert builds.expire_if_stale(build)
    assert build.status == BuildStatus.FAILED
    assert "interrupted" in build.error


def test_progress_follows_weasyprint_steps(fast_pdf, small, sync_builds):
    build = builds.start_build(small.paper, user=small.director)
    progress = builds._Progress(build.pk, expected_pages=10, interval=0)

    progress.weasyprint("Step 5 - Creating layout - Page 5")
    build.refresh_from_db()
    assert (build.progress, build.stage) == (50, "Laying out page 5")
    progress.weasyprint("Step 6 - Creating PDF")
    build.refresh_from_db()
    assert (build.progress, build.stage) == (85, "Writing the PDF")


def test_old_draft_builds_are_pruned(fast_pdf, small, sync_builds):
    for _ in range(builds.KEEP_DRAFT_BUILDS + 2):
        builds.start_build(small.paper, user=small.director)

    assert PaperBuild.objects.filter(kind=BuildKind.PDF).count() == builds.KEEP_DRAFT_BUILDS


@pytest.mark.django_db(transaction=True)
def test_the_background_thread_builds_after_the_commit(settings):
    """The real thing: the request commits, a thread builds, the row tells the progress."""
    from tests.returns.test_services import ensure_role_groups

    ensure_role_groups()  # a transactional test's flush may have taken the groups away
    settings.PAPER_BUILD_MODE = "thread"
    world = make_small_world()

    build = builds.start_build(world.paper, user=world.director)  # autocommit: starts now
    # Wait for the thread itself rather than polling the row: SQLite's shared-cache test
    # database locks whole tables, so a read while the thread writes could fail either side.
    worker = next((t for t in threading.enumerate() if t.name == f"paper-build-{build.pk}"), None)
    if worker is not None:  # None: it has already finished
        worker.join(timeout=120)
        assert not worker.is_alive()
    build.refresh_from_db()

    assert build.status == BuildStatus.DONE, build.error
    assert build.pages >= 5
    content = PaperBuild.objects.values_list("content", flat=True).get(pk=build.pk)
    assert bytes(content).startswith(b"%PDF-")
