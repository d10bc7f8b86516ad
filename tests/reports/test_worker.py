"""The task worker's heartbeat, when a worker counts as alive, and recovering dead workers' tasks
(reports.worker)."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from reports import worker
from reports.models import WorkerHeartbeat
from reports.tasks import make_paper_file
from tests.worker_support import dead_pid

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_worker():
    """This process is the worker "w-test" for the test."""
    worker.start("w-test")
    yield
    worker.stop()


def _heartbeat(worker_id: str, *, host: str | None = None, pid: int | None = None, age: int = 0):
    now = timezone.now()
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=host or socket.gethostname(),
        pid=pid or os.getpid(),
        started_at=now - timedelta(seconds=age),
        seen_at=now - timedelta(seconds=age),
    )


def test_a_worker_records_its_heartbeat_and_removes_it_when_it_stops():
    worker.start("w-1")
    beat = WorkerHeartbeat.objects.get()
    assert (beat.worker_id, beat.hostname, beat.pid) == ("w-1", socket.gethostname(), os.getpid())
    assert worker.current_worker_id() == "w-1"
    assert worker.worker_running()

    worker.stop()

    assert not WorkerHeartbeat.objects.exists()
    assert worker.current_worker_id() is None
    assert not worker.worker_running()


def test_heartbeats_are_written_at_most_every_few_seconds(as_worker, settings):
    WorkerHeartbeat.objects.update(seen_at=timezone.now() - timedelta(seconds=30))

    worker.beat()  # the last beat was just now (start): nothing written
    assert WorkerHeartbeat.objects.get().seen_at < timezone.now() - timedelta(seconds=20)

    settings.TASK_WORKER_HEARTBEAT_SECONDS = 0
    worker.beat()
    assert WorkerHeartbeat.objects.get().seen_at > timezone.now() - timedelta(seconds=5)


def test_a_worker_taken_for_dead_writes_its_heartbeat_again(as_worker):
    WorkerHeartbeat.objects.all().delete()

    worker.beat(force=True)

    assert WorkerHeartbeat.objects.get().worker_id == "w-test"


def test_beat_does_nothing_outside_a_worker():
    worker.beat(force=True)

    assert not WorkerHeartbeat.objects.exists()


def test_alive_means_fresh_and_on_this_host_still_running(settings):
    stale = settings.TASK_WORKER_STALE_SECONDS + 5
    assert worker.is_alive(_heartbeat("here"))
    assert not worker.is_alive(_heartbeat("gone", pid=dead_pid()))
    assert not worker.is_alive(_heartbeat("quiet", age=stale))
    assert worker.is_alive(_heartbeat("elsewhere", host="elsewhere.example", pid=1))
    assert not worker.is_alive(_heartbeat("lost", host="elsewhere.example", pid=2, age=stale))
    assert not worker.is_alive(None)
    assert worker.alive_worker_ids() == {"here", "elsewhere"}


def test_process_labels():
    assert worker.this_process() == f"{socket.gethostname()}:{os.getpid()}"
    assert worker.process_alive(worker.this_process()) is True
    assert worker.process_alive(f"{socket.gethostname()}:{dead_pid()}") is False
    assert worker.process_alive("elsewhere.example:1") is None
    assert worker.process_alive("") is None


def _running_task(worker_id: str) -> DBTaskResult:
    result = make_paper_file.enqueue(1)
    DBTaskResult.objects.filter(id=result.id).update(status="RUNNING", worker_ids=[worker_id])
    return DBTaskResult.objects.get(id=result.id)


def test_recover_fails_the_running_tasks_of_dead_workers_only():
    _heartbeat("alive")
    _heartbeat("dead", pid=dead_pid())
    mine = _running_task("alive")
    orphan = _running_task("dead")
    unknown = _running_task("never-heard-of")
    waiting = make_paper_file.enqueue(2)

    assert worker.recover() == 2

    statuses = dict(DBTaskResult.objects.values_list("id", "status"))
    assert statuses[mine.id] == "RUNNING"
    assert statuses[orphan.id] == statuses[unknown.id] == "FAILED"
    assert DBTaskResult.objects.get(id=waiting.id).status == "READY"
    orphan.refresh_from_db()
    assert orphan.exception_class_path == "reports.worker.WorkerLost"
    assert "Worker dead stopped while running this task" in orphan.traceback
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]


def test_the_admin_lists_the_workers_and_whether_they_are_alive(client, django_user_model):
    _heartbeat("w-alive")
    _heartbeat("w-dead", pid=dead_pid())
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.org", "pw"))

    html = client.get("/admin/reports/workerheartbeat/").content.decode()

    assert "w-alive" in html
    assert "w-dead" in html
    assert html.count('alt="True"') == 1
    assert html.count('alt="False"') == 1


def test_the_upgrade_fails_the_builds_left_by_the_old_threads(small_world_build):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("reports.migrations.0003_tasks_and_exports")

    migration.fail_thread_builds(apps, None)

    small_world_build.refresh_from_db()
    assert small_world_build.status == "failed"
    assert small_world_build.error == (
        "The build was interrupted by an upgrade of the server. Try again."
    )


@pytest.fixture
def small_world_build(db):
    from reports.models import PaperBuild
    from reports.papers import background
    from tests.reports.test_papers_support import make_small_world

    world = make_small_world()
    build = background.start_build(world.paper, user=world.director)
    PaperBuild.objects.filter(pk=build.pk).update(status="running", task_id="")
    return build
