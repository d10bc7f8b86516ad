"""The task worker's life: its heartbeat, and what becomes of a dead worker's work.

`manage.py db_worker` (reports/management/commands/db_worker.py, which extends django-tasks-db's
worker) calls ``start`` when it starts, ``beat`` while it runs and ``stop`` when it stops
cleanly. Work in progress calls ``beat`` too (reports.papers.builds, with each step of
progress), so a worker busy with a long build still looks alive.

Decisions
---------
* **One row per worker** (``WorkerHeartbeat``): which host and process, when it started, when
  it was last heard of. Written at most every ``TASK_WORKER_HEARTBEAT_SECONDS``, so an idle
  worker costs one small UPDATE every 10 s, not one a poll.
* **Alive** means heard of within ``TASK_WORKER_STALE_SECONDS`` and, when it ran on this host,
  its process still exists (``os.kill(pid, 0)``). So a worker killed a second ago on this host
  is dead at once, not a minute later; one on another host is dead when its heartbeat is stale.
* **Recovery at start.** A worker killed mid-task (kill -9, out of memory, a reboot) leaves its
  django-tasks result "running" for ever. ``recover`` runs when any worker starts: every
  running result whose worker is not alive is marked failed (``WorkerLost``), and dead
  workers' rows are deleted. The builds waiting on those results are settled by
  ``reports.papers.background.settle_unfinished`` (the command calls both).
* **No threads.** The heartbeat is written by the worker's own loop and by the work's
  progress, never by a timer thread.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

__all__ = [
    "WorkerLost",
    "alive_worker_ids",
    "beat",
    "current_worker_id",
    "heard_of",
    "is_alive",
    "process_alive",
    "recover",
    "start",
    "stop",
    "this_process",
    "worker_running",
]

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """The worker that ran a task stopped before finishing it."""


@dataclass
class _Me:
    worker_id: str
    last_beat: float


#: The worker running in this process (None in the web process and in commands).
_me: _Me | None = None


def _stale_after() -> timedelta:
    return timedelta(seconds=settings.TASK_WORKER_STALE_SECONDS)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, run by another user
        return True
    return True


def is_alive(heartbeat: WorkerHeartbeat | None) -> bool:
    """Whether the worker of this heartbeat is still running (see the module's decisions)."""
    if heartbeat is None:
        return False
    if heartbeat.seen_at < timezone.now() - _stale_after():
        return False
    if heartbeat.hostname == socket.gethostname():
        return _process_exists(heartbeat.pid)
    return True


def this_process() -> str:
    """This process, as builds record who runs them: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_alive(label: str) -> bool | None:
    """Whether the process ``label`` ("host:pid") exists: None when it ran on another host
    (or is unknown), which this host cannot tell."""
    host, _, pid = label.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    return _process_exists(int(pid))


def heard_of(label: str) -> bool:
    """Whether a worker's heartbeat from the process ``label`` is fresh."""
    host, _, pid = label.rpartition(":")
    if not pid.isdigit():
        return False
    return WorkerHeartbeat.objects.filter(
        hostname=host, pid=int(pid), seen_at__gte=timezone.now() - _stale_after()
    ).exists()


def alive_worker_ids() -> set[str]:
    return {beat.worker_id for beat in WorkerHeartbeat.objects.all() if is_alive(beat)}


def worker_running() -> bool:
    """Whether any task worker is alive (for the health check and the status pages)."""
    recent = WorkerHeartbeat.objects.filter(seen_at__gte=timezone.now() - _stale_after())
    return any(is_alive(heartbeat) for heartbeat in recent)


def current_worker_id() -> str | None:
    return _me.worker_id if _me else None


def start(worker_id: str) -> None:
    """This process is now the worker ``worker_id``: record its first heartbeat."""
    global _me
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": now,
            "seen_at": now,
        },
    )
    _me = _Me(worker_id=worker_id, last_beat=time.monotonic())


def beat(*, force: bool = False) -> None:
    """Say this worker is alive, at most every TASK_WORKER_HEARTBEAT_SECONDS (unless
    ``force``). Does nothing outside a worker; never raises (a busy database must not fail
    the work that called it)."""
    if _me is None:
        return
    if not force and time.monotonic() - _me.last_beat < settings.TASK_WORKER_HEARTBEAT_SECONDS:
        return
    now = timezone.now()
    try:
        updated = WorkerHeartbeat.objects.filter(worker_id=_me.worker_id).update(seen_at=now)
        if not updated:  # another worker took this one for dead and deleted its row
            start(_me.worker_id)
    except DatabaseError:
        logger.warning("Worker %s: heartbeat not recorded (database busy)", _me.worker_id)
        return
    _me.last_beat = time.monotonic()


def stop() -> None:
    """This worker stops cleanly: it is no longer expected to beat."""
    global _me
    if _me is None:
        return
    try:
        WorkerHeartbeat.objects.filter(worker_id=_me.worker_id).delete()
    except DatabaseError:
        logger.warning("Worker %s: heartbeat not removed (database unavailable)", _me.worker_id)
    _me = None


def recover() -> int:
    """Mark failed every running task whose worker is not alive; forget dead workers.

    Returns how many tasks were marked failed. Their builds are settled separately
    (``reports.papers.background.settle_unfinished``).
    """
    alive = alive_worker_ids()
    WorkerHeartbeat.objects.exclude(worker_id__in=alive).delete()
    lost = 0
    for result in DBTaskResult.objects.running():
        worker_id = result.worker_ids[-1] if result.worker_ids else None
        if worker_id in alive:
            continue
        result.set_failed(
            WorkerLost(
                f"Worker {worker_id or '?'} stopped while running this task "
                f"(found by the worker started at {timezone.now():%Y-%m-%d %H:%M:%S %Z})."
            )
        )
        logger.warning("Task %s: its worker %s is gone; marked failed", result.id, worker_id)
        lost += 1
    return lost
