"""The real task worker (`manage.py db_worker`) making Board paper files, and what happens when
it is killed.

Transactional tests: the worker is another process (or, with --batch, the same process on
the same committed data), as in production.
"""

from __future__ import annotations

import io
import signal

import pytest
from django.core.management import call_command, get_commands
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from reports.models import BuildKind, BuildStatus, IssuedPaper, PaperBuild, WorkerHeartbeat
from tests.reports import test_papers_support as support
from tests.reports.test_papers_support import make_small_world
from tests.worker_support import wait_for, worker_process

fast_pdf = support.fast_pdf

#: A report long enough that laying it out takes a few seconds: time to watch it, or kill it.
LONG_BODY = "\n\n".join(
    f"Paragraph {number}: the sub-regional partnerships reported their figures for the "
    "quarter, and the Steering Group discussed the targets at risk and the recovery plans."
    for number in range(1, 241)
)


@pytest.fixture
def world(transactional_db):
    return make_small_world(body=LONG_BODY)


def _run_batch() -> str:
    """`manage.py db_worker --batch` in this process: run what is queued, then return."""
    out = io.StringIO()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", stdout=out)
    return out.getvalue()


def _changes(values: list) -> list:
    """The values without consecutive repeats."""
    return [value for index, value in enumerate(values) if index == 0 or values[index - 1] != value]


def test_db_worker_is_ours_with_the_library_underneath():
    assert get_commands()["db_worker"] == "reports"


def test_a_real_worker_builds_a_queued_pdf_and_shows_its_progress(client, world, tmp_path):
    client.force_login(world.director)
    client.post(reverse("papers:pdf", args=[world.paper.pk]))
    build = PaperBuild.objects.get()
    status_url = reverse("papers:build-status", args=[build.pk])
    seen = [client.get(status_url).json()]

    with worker_process(tmp_path) as process:

        def finished():
            state = client.get(status_url).json()
            seen.append(state)
            return state["finished"]

        wait_for(finished, timeout=120, what="the build", log=tmp_path / "worker.log")
        assert WorkerHeartbeat.objects.filter(pid=process.pid).exists()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0

    assert _changes([state["status"] for state in seen]) == ["queued", "running", "done"]
    running = [state["progress"] for state in seen if state["status"] == "running"]
    assert running == sorted(running)
    assert any(0 < percent < 100 for percent in running)
    assert any(state["stage"].startswith("Laying out page") for state in seen)
    assert seen[-1]["progress"] == 100
    assert client.get(seen[-1]["download_url"]).content.startswith(b"%PDF-")
    task = DBTaskResult.objects.get(id=build.task_id)
    assert (task.status, task.return_value) == ("SUCCESSFUL", "done")
    assert not WorkerHeartbeat.objects.exists()  # a clean stop removes the heartbeat


def test_db_worker_batch_runs_what_is_queued_then_stops(client, world, fast_pdf, settings):
    settings.BOARD_EXPORT_INLINE_MAX_LINES = 1
    client.force_login(world.director)
    client.post(reverse("papers:pdf", args=[world.paper.pk]))
    client.post(reverse("papers:xlsx", args=[world.paper.pk]))
    handler = signal.getsignal(signal.SIGTERM)

    _run_batch()

    assert sorted(PaperBuild.objects.values_list("kind", "status")) == [
        (BuildKind.PDF, BuildStatus.DONE),
        (BuildKind.XLSX, BuildStatus.DONE),
    ]
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
    assert not WorkerHeartbeat.objects.exists()
    assert signal.getsignal(signal.SIGTERM) is handler  # the test run's own handler is back


def _kill_mid_layout(tmp_path, build: PaperBuild):
    """Start a real worker, and kill it (SIGKILL) while it lays out ``build``'s PDF."""
    with worker_process(tmp_path) as process:
        wait_for(
            lambda: PaperBuild.objects.filter(pk=build.pk, stage__startswith="Laying out").exists(),
            timeout=120,
            what="the layout to start",
            log=tmp_path / "worker.log",
        )
        process.send_signal(signal.SIGSTOP)  # frozen where it is: it can write nothing more
        build.refresh_from_db()
        assert build.status == BuildStatus.RUNNING
        process.kill()
        process.wait()
    return process


def test_a_killed_workers_build_is_failed_when_a_worker_starts_and_retried_at_once(
    client, world, tmp_path, fast_pdf
):
    client.force_login(world.director)
    client.post(reverse("papers:pdf", args=[world.paper.pk]))
    build = PaperBuild.objects.get()

    killed = _kill_mid_layout(tmp_path, build)

    # What the killed worker left: its build and its task "running", its heartbeat.
    assert PaperBuild.objects.get(pk=build.pk).status == BuildStatus.RUNNING
    assert DBTaskResult.objects.get(id=build.task_id).status == "RUNNING"
    assert WorkerHeartbeat.objects.filter(pid=killed.pid).exists()

    # The next worker to start fails them first of all (nothing else is queued).
    _run_batch()

    build.refresh_from_db()
    assert build.status == BuildStatus.FAILED
    assert build.error == (
        "The process making this file stopped (it was restarted or killed). Try again."
    )
    task = DBTaskResult.objects.get(id=build.task_id)
    assert (task.status, task.exception_class_path) == ("FAILED", "reports.worker.WorkerLost")
    assert not WorkerHeartbeat.objects.exists()

    # Tried again at once, from the status page's button.
    page = client.get(reverse("papers:build", args=[build.pk])).content.decode()
    assert "Try again" in page
    response = client.post(reverse("papers:pdf", args=[world.paper.pk]))
    retry = PaperBuild.objects.exclude(pk=build.pk).get()
    assert response["Location"] == retry.get_absolute_url()
    _run_batch()
    retry.refresh_from_db()
    assert retry.status == BuildStatus.DONE


def test_a_killed_issue_does_not_block_the_next_issue(client, world, tmp_path, fast_pdf):
    client.force_login(world.director)
    client.post(reverse("papers:issue", args=[world.paper.pk]), {"confirm_unapproved": "yes"})
    dead = PaperBuild.objects.get()

    _kill_mid_layout(tmp_path, dead)

    # No worker has started since: the web sees the worker's process gone, at once.
    page = client.get(reverse("papers:issue", args=[world.paper.pk])).content.decode()
    assert "Issue 1 now" in page
    client.post(reverse("papers:issue", args=[world.paper.pk]), {"confirm_unapproved": "yes"})
    _run_batch()

    dead.refresh_from_db()
    assert dead.status == BuildStatus.FAILED
    assert dead.error.endswith("Nothing was issued. Try again.")
    (issued,) = IssuedPaper.objects.all()
    assert issued.number == 1
    assert issued.build.status == BuildStatus.DONE
