"""python manage.py db_worker: django-tasks-db's worker, with a heartbeat and recovery.

This command replaces django_tasks_db's command of the same name (the reports app comes before
django_tasks_db in INSTALLED_APPS, which is how Django lets an app override a command). It
takes the same options, and the library's own Worker still claims and runs every task
(locking, priorities, queues, signals, --batch, --max-tasks). It adds:

* **at start**: its heartbeat (``reports.worker.start``); then it marks failed every task whose
  worker is dead (``reports.worker.recover``) and every build that can no longer finish
  (``reports.papers.background.settle_unfinished``). A build killed with its worker is failed
  when the next worker starts, not minutes later, and can be tried again at once;
* **while it runs**: a heartbeat after each poll and around each task, at most every
  ``TASK_WORKER_HEARTBEAT_SECONDS`` (the work's progress beats too, reports.papers.builds);
* **when it stops cleanly** (SIGTERM, Ctrl-C, --batch done, --max-tasks reached): it removes
  its heartbeat.

How it loops without a thread: the library's Worker in batch mode runs what is queued and
returns; this one beats, runs what is queued, sleeps --interval, and again.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import time

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as library

from reports import worker
from reports.papers import background

logger = logging.getLogger("reports.worker")

_SIGNALS = [signal.SIGINT, signal.SIGTERM] + (
    [signal.SIGQUIT] if hasattr(signal, "SIGQUIT") else []
)


class _OnePollIsNotTheEnd(logging.Filter):
    """The library's Worker logs "Starting worker ..." when it starts, and in batch mode "No
    more tasks to run ... exiting gracefully" when the queue is empty; here each poll is a
    start and an end: only the first start is worth a line."""

    def __init__(self) -> None:
        super().__init__()
        self.started = False

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Starting worker"):
            first, self.started = not self.started, True
            return first
        return not message.startswith("No more tasks to run")


class Worker(library.Worker):
    def __init__(self, *, batch: bool, startup_delay: bool, **options) -> None:
        super().__init__(batch=True, startup_delay=False, **options)
        self.forever = not batch
        self.random_delay = startup_delay
        self.tasks_run = 0

    def run_task(self, db_task_result) -> None:
        worker.beat()
        try:
            super().run_task(db_task_result)
        finally:
            self.tasks_run += 1
            worker.beat()

    def run(self) -> None:
        if self.random_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - as the library does: no thundering herd
        worker.start(self.worker_id)
        quiet = _OnePollIsNotTheEnd()
        if self.forever:
            library.logger.addFilter(quiet)
        try:
            lost = worker.recover()
            settled = background.settle_unfinished()
            if lost or settled:
                logger.warning(
                    "Worker %s: %d task(s) of dead workers marked failed, %d build(s) failed",
                    self.worker_id,
                    lost,
                    settled,
                )
            while self.running:
                worker.beat()
                super().run()
                if not (self.forever and self.running):
                    break
                if self.max_tasks is not None and self.tasks_run >= self.max_tasks:
                    break
                time.sleep(self.interval)
        finally:
            library.logger.removeFilter(quiet)
            worker.stop()


class Command(library.Command):
    help = (
        "Run the background task worker (django-tasks-db's), with a heartbeat for the health "
        "check; when it starts, the work of dead workers is marked failed."
    )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False  # as the library: a batch ends, there is nothing to reload
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        runner = Worker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                runner.configure_signals()
            run_with_reloader(runner.run)
            return
        # Restored afterwards: the command may run inside another program (the tests).
        saved = {signum: signal.getsignal(signum) for signum in _SIGNALS}
        runner.configure_signals()
        try:
            runner.run()
        finally:
            for signum, handler in saved.items():
                signal.signal(signum, handler)
