"""Making a paper's files in the background: the task, progress, failures, settling dead work.

The worker itself (a real `manage.py db_worker`) is exercised in test_papers_worker.py; here the
task's work is run directly (``builds.run_build``) or at once (``sync_builds``: django-tasks'
ImmediateBackend).
"""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from reports.models import BuildKind, BuildStatus, IssuedPaper, PaperBuild, WorkerHeartbeat
from reports.papers import background, builds
from reports.papers.render import Pdf
from tests.reports import test_papers_support as support
from tests.worker_support import dead_pid

pytestmark = pytest.mark.django_db

# Fixtures shared with the other test_papers_* modules.
fast_pdf = support.fast_pdf
small = support.small
sync_builds = support.sync_builds


def test_a_sync_build_records_its_pdf_pages_and_checksum(small, sync_builds):
    build = background.start_build(small.paper, user=small.director)

    assert build.status == BuildStatus.DONE
    assert build.progress == 100
    content = bytes(PaperBuild.objects.values_list("content", flat=True).get(pk=build.pk))
    assert content.startswith(b"%PDF-")
    assert build.pages >= 5
    assert len(build.checksum) == 64
    assert build.snapshot["data"]["quarter"] == "2009/10 Q3"
    assert build.started_at <= build.finished_at
    assert build.runner == f"{socket.gethostname()}:{os.getpid()}"


def test_a_build_is_queued_with_its_task_in_the_database(small):
    build = background.start_build(small.paper, user=small.director)

    assert build.status == BuildStatus.QUEUED
    assert build.stage == "Waiting for the worker"
    task = DBTaskResult.objects.get(id=build.task_id)
    assert task.status == "READY"
    assert task.task_path == "reports.tasks.make_paper_file"
    assert task.args_kwargs == {"args": [build.pk], "kwargs": {}}


def test_a_build_whose_task_cannot_be_queued_is_not_recorded(small, monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("queue unavailable")

    monkeypatch.setattr(DatabaseBackend, "enqueue", refuse)

    with pytest.raises(RuntimeError):
        background.start_build(small.paper, user=small.director)

    assert not PaperBuild.objects.exists()


def test_a_build_runs_only_once(fast_pdf, small, sync_builds):
    build = background.start_build(small.paper, user=small.director)
    finished_at = build.finished_at

    assert builds.run_build(build.pk) == "not claimed"  # already claimed and done

    build.refresh_from_db()
    assert build.finished_at == finished_at


def test_a_failure_is_recorded_with_its_error(small, sync_builds, monkeypatch):
    def broken(html, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(builds, "render_pdf", broken)

    build = background.start_build(small.paper, user=small.director)

    assert build.status == BuildStatus.FAILED
    assert build.error == "OSError: No space left on device"
    assert build.content is None
    assert build.finished_at is not None


def test_a_forced_stop_marks_the_build_failed_and_goes_on_stopping(small, monkeypatch):
    def stopped(html, **kwargs):
        raise SystemExit(1)

    monkeypatch.setattr(builds, "render_pdf", stopped)
    build = background.start_build(small.paper, user=small.director)

    with pytest.raises(SystemExit):
        builds.run_build(build.pk)

    build.refresh_from_db()
    assert build.status == BuildStatus.FAILED
    assert build.error == "SystemExit: 1"


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
    assert f'action="{reverse("papers:pdf", args=[small.paper.pk])}"' in html


def test_a_failed_issue_issues_nothing(small, sync_builds, monkeypatch):
    monkeypatch.setattr(builds, "render_pdf", lambda html, **kwargs: 1 / 0)

    build = background.start_build(
        small.paper, user=small.director, kind=BuildKind.ISSUE, confirm_unapproved=True
    )

    assert build.status == BuildStatus.FAILED
    assert not small.paper.issues.exists()


def test_an_issue_failed_meanwhile_keeps_nothing_it_made(small, monkeypatch):
    """The web took the build for dead (and failed it) while the worker was still laying it
    out: when the worker finishes, no issue is made and the failure stands."""
    build = background.start_build(
        small.paper, user=small.director, kind=BuildKind.ISSUE, confirm_unapproved=True
    )

    def slow_pdf(html, **kwargs):
        builds.fail(build.pk, "The process making this file stopped. Try again.")
        return Pdf(content=b"%PDF-1.7 late", pages=3)

    monkeypatch.setattr(builds, "render_pdf", slow_pdf)

    assert builds.run_build(build.pk) == "failed"

    build.refresh_from_db()
    assert build.status == BuildStatus.FAILED
    assert build.error == "The process making this file stopped. Try again."
    assert not IssuedPaper.objects.exists()


def test_progress_follows_weasyprint_steps(fast_pdf, small):
    build = background.start_build(small.paper, user=small.director)
    PaperBuild.objects.filter(pk=build.pk).update(status=BuildStatus.RUNNING)
    progress = builds._Progress(build.pk, expected_pages=10, interval=0)

    progress.weasyprint("Step 5 - Creating layout - Page 5")
    build.refresh_from_db()
    assert (build.progress, build.stage) == (50, "Laying out page 5")
    progress.weasyprint("Step 6 - Creating PDF")
    build.refresh_from_db()
    assert (build.progress, build.stage) == (85, "Writing the PDF")
    progress.sheets(5, 10)
    build.refresh_from_db()
    assert (build.progress, build.stage) == (65, "Writing sheet 5 of 10")


def test_progress_never_revives_a_failed_build(fast_pdf, small):
    build = background.start_build(small.paper, user=small.director)
    builds.fail(build.pk, "Stopped.")

    builds._Progress(build.pk, expected_pages=10, interval=0).set(50, "Laying out page 5")

    build.refresh_from_db()
    assert (build.status, build.progress, build.stage) == (BuildStatus.FAILED, 0, "Failed")


def test_old_builds_are_pruned_per_kind(fast_pdf, small, sync_builds):
    for _ in range(builds.KEEP_BUILDS + 2):
        background.start_build(small.paper, user=small.director)
    background.start_export(small.paper, fmt="csv", user=small.director)

    assert PaperBuild.objects.filter(kind=BuildKind.PDF).count() == builds.KEEP_BUILDS
    assert PaperBuild.objects.filter(kind=BuildKind.CSV).count() == 1


# --------------------------------------------------------------------------- settling dead work


def _running(build: PaperBuild, *, runner: str, updated_at=None, worker_id: str = "w-dead"):
    """Put ``build`` and its task in the state a worker leaves them in while it works."""
    DBTaskResult.objects.filter(id=build.task_id).update(
        status="RUNNING", started_at=timezone.now(), worker_ids=[worker_id]
    )
    PaperBuild.objects.filter(pk=build.pk).update(
        status=BuildStatus.RUNNING, runner=runner, progress=40, stage="Laying out page 3"
    )
    if updated_at is not None:  # auto_now: only an update() can set it in the past
        PaperBuild.objects.filter(pk=build.pk).update(updated_at=updated_at)
    build.refresh_from_db()


def test_a_build_whose_process_died_on_this_host_is_failed_at_once(client, small):
    build = background.start_build(small.paper, user=small.director)
    _running(build, runner=f"{socket.gethostname()}:{dead_pid()}")
    client.force_login(small.director)

    state = client.get(reverse("papers:build-status", args=[build.pk])).json()

    assert state["status"] == "failed"
    assert state["finished"] is True
    assert state["error"] == (
        "The process making this file stopped (it was restarted or killed). Try again."
    )


def test_a_build_running_in_a_live_process_is_left_alone(small):
    build = background.start_build(small.paper, user=small.director)
    _running(build, runner=f"{socket.gethostname()}:{os.getpid()}")

    assert not background.settle(build)
    assert build.status == BuildStatus.RUNNING


def test_a_build_on_another_host_is_failed_when_nothing_is_heard_of_it(small, settings):
    build = background.start_build(small.paper, user=small.director)
    quiet = timezone.now() - timedelta(seconds=settings.TASK_WORKER_STALE_SECONDS + 5)
    _running(build, runner="elsewhere.example:4242", updated_at=quiet)

    # Its worker's heartbeat is fresh: it is busy, not dead.
    WorkerHeartbeat.objects.create(
        worker_id="w-elsewhere",
        hostname="elsewhere.example",
        pid=4242,
        started_at=timezone.now(),
        seen_at=timezone.now(),
    )
    assert not background.settle(build)

    WorkerHeartbeat.objects.update(seen_at=quiet)
    assert background.settle(build)
    assert build.status == BuildStatus.FAILED


def test_a_queued_build_waits_for_the_worker_and_says_none_is_running(client, small):
    build = background.start_build(small.paper, user=small.director)
    client.force_login(small.director)

    state = client.get(reverse("papers:build-status", args=[build.pk])).json()

    assert state["status"] == "queued"
    assert state["stage"] == "Waiting for the worker, which is not running"


def test_a_queued_build_whose_task_is_gone_is_failed(small):
    build = background.start_build(small.paper, user=small.director)
    DBTaskResult.objects.all().delete()

    assert background.settle(build)
    assert build.error == (
        "The worker stopped before making this file (it was restarted or killed). Try again."
    )


def test_a_dead_issue_never_blocks_issuing(client, small, settings, fast_pdf):
    dead = background.start_build(
        small.paper, user=small.director, kind=BuildKind.ISSUE, confirm_unapproved=True
    )
    _running(dead, runner=f"{socket.gethostname()}:{dead_pid()}")
    client.force_login(small.director)

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    response = client.post(
        reverse("papers:issue", args=[small.paper.pk]), {"confirm_unapproved": "yes"}
    )

    dead.refresh_from_db()
    assert dead.status == BuildStatus.FAILED
    assert dead.error.endswith("Nothing was issued. Try again.")
    build = PaperBuild.objects.exclude(pk=dead.pk).get()
    assert response["Location"] == build.get_absolute_url()
    assert build.status == BuildStatus.DONE
    assert build.issued_paper.number == 1
