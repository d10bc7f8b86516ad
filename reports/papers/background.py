"""Asking for a paper's files to be made in the background, and following them.

The request records a ``PaperBuild`` and enqueues ``reports.tasks.make_paper_file`` for it;
the task worker (`manage.py db_worker`) makes the file (reports.papers.builds); the status page
reads the row.

Decisions
---------
* **Recorded and enqueued together.** django-tasks' database backend stores the task in the
  same database, so the build and its task are written in one transaction: both exist or
  neither (no build that no worker will ever see, no task without its build).
* **Snapshot at the click.** A PDF or an issue takes its snapshot in the request (a few
  queries, 0.2 s for the demo), so the file shows the data as it was when asked for, however
  long the queue. A data export of a draft takes it in the worker, since at national scale
  the data alone takes 3 s.
* **Small exports stay in the request.** An export of at most
  ``BOARD_EXPORT_INLINE_MAX_LINES`` lines (the region has 1,326 at most) is answered at once;
  a larger one (national scale: 9,756 lines, 7 s) is made by the worker and downloaded from
  its status page.
* **A dead worker's build is failed at once.** ``settle`` marks an unfinished build failed as
  soon as it can no longer finish: the process that claimed it (``runner``, "host:pid") is gone
  from this host, or nothing has been heard of it (progress, worker heartbeat) for
  ``TASK_WORKER_STALE_SECONDS``; or, while queued, its task is gone or ended, or was taken by a
  worker that is dead. Every status page and every issue calls it, so a Director never waits
  on a dead worker and can try again at once; issuing is never blocked by a dead build. A
  worker calls ``settle_unfinished`` when it starts, after ``reports.worker.recover``.
* **Inline** (``inline=True``): the management command builds in its own process, without
  the queue.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.exceptions import TaskResultDoesNotExist

from returns.models import ReturnLine

from .. import worker
from ..models import BuildKind, BuildStatus, IssuedPaper, Paper, PaperBuild, WorkerHeartbeat
from ..tasks import make_paper_file
from . import builds
from .snapshot import build_snapshot, return_states, unapproved_counted

__all__ = [
    "IssueInProgress",
    "export_in_background",
    "pending_issue",
    "settle",
    "settle_unfinished",
    "start_build",
    "start_export",
]

UNFINISHED = (BuildStatus.QUEUED, BuildStatus.RUNNING)


class IssueInProgress(Exception):
    """An issue of this paper is already being built."""


class UnapprovedNotConfirmed(Exception):
    """The paper would be issued with returns not yet approved, and the Director has not
    confirmed it: nothing was issued. ``returns`` are those returns (name, status...)."""

    def __init__(self, returns: list[dict]):
        self.returns = returns
        names = ", ".join(f"{state['name']} ({state['status_label'].lower()})" for state in returns)
        super().__init__(
            f"This issue would include returns not yet approved: {names}. Confirm that you "
            "mean to issue it with them, or change the paper to approved returns only."
        )


def _record(build: PaperBuild, *, inline: bool) -> PaperBuild:
    """Save a new build and enqueue its task (in one transaction), or make it now."""
    if inline:
        build.save()
        builds.run_build(build.pk)
    else:
        with transaction.atomic():
            build.save()
            result = make_paper_file.enqueue(build.pk)
            PaperBuild.objects.filter(pk=build.pk).update(task_id=str(result.id))
    build.refresh_from_db()
    return build


def start_build(
    paper: Paper,
    *,
    user,
    kind: str = BuildKind.PDF,
    now: datetime | None = None,
    inline: bool = False,
    confirm_unapproved: bool = False,
) -> PaperBuild:
    """Take the snapshot now and have the PDF made by the worker (or now, when ``inline``).

    For an issue, the snapshot carries the next issue number and records the return of each
    sub-region it rests on, its state and version (``issue["returns"]``); raises
    IssueInProgress when an issue of the paper is already being built by a live worker or
    waiting for one, and UnapprovedNotConfirmed when it would count a return not yet approved
    and ``confirm_unapproved`` is not given (then nothing is recorded).
    """
    issue_number = None
    issue = None
    if kind == BuildKind.ISSUE:
        if pending_issue(paper) is not None:
            raise IssueInProgress("This paper is already being issued: wait for it to finish.")
        issue_number = (paper.issues.aggregate(last=Max("number"))["last"] or 0) + 1
        issue = {
            "number": issue_number,
            "issued_by": user.get_full_name() or user.get_username(),
        }
    snapshot = build_snapshot(paper, user=user, issue=issue, now=now)
    if issue is not None:
        unapproved = unapproved_counted(snapshot["data"])
        if unapproved and not confirm_unapproved:
            raise UnapprovedNotConfirmed(unapproved)
        snapshot["issue"] = issue | {
            "returns": return_states(snapshot["data"]),
            "unapproved_confirmed": bool(unapproved),
        }
    build = PaperBuild(
        paper=paper,
        kind=kind,
        snapshot=snapshot,
        issue_number=issue_number,
        requested_by=user,
        stage="Waiting for the worker",
    )
    return _record(build, inline=inline)


def draft_lines(paper: Paper) -> int:
    """How many lines a draft's data export has (one query; an upper bound for a reader who
    sees part of the region)."""
    if paper.is_narrative:
        return 0
    return ReturnLine.objects.filter(
        return_obj__target_set_id=paper.target_set_id,
        return_obj__year=paper.year,
        return_obj__quarter=paper.quarter,
    ).count()


def issue_lines(issued: IssuedPaper) -> int:
    data = issued.snapshot["data"]
    return len(data["lines"]) if data else 0


def export_in_background(lines: int) -> bool:
    """Whether an export of this many lines is made by the worker rather than in the request."""
    return lines > settings.BOARD_EXPORT_INLINE_MAX_LINES


def start_export(paper: Paper, *, fmt: str, user, issued: IssuedPaper | None = None) -> PaperBuild:
    """Have the worker make the Excel or CSV of a draft (as ``user`` sees it) or of an issue."""
    if fmt not in (BuildKind.XLSX, BuildKind.CSV):
        raise ValueError(f"Not an export format: {fmt!r}")
    build = PaperBuild(
        paper=paper,
        kind=fmt,
        source_issue=issued,
        requested_by=user,
        stage="Waiting for the worker",
    )
    return _record(build, inline=False)


def _failure_text(build: PaperBuild, why: str) -> str:
    done = " Nothing was issued." if build.kind == BuildKind.ISSUE else ""
    return f"{why}{done} Try again."


def _running_alive(build: PaperBuild) -> bool:
    """Whether the process making a running build may still finish it: it exists (when on this
    host) and has been heard of lately (the build's progress, or its worker's heartbeat)."""
    if worker.process_alive(build.runner) is False:
        return False
    fresh = timezone.now() - timedelta(seconds=settings.TASK_WORKER_STALE_SECONDS)
    return build.updated_at >= fresh or worker.heard_of(build.runner)


def _queued_alive(build: PaperBuild) -> bool:
    """Whether a queued build's task may still run: it waits in the queue, or a live worker
    has just taken it. Builds without a task (made inline) and backends that cannot look a
    task up are taken as alive."""
    if not build.task_id or not make_paper_file.get_backend().supports_get_result:
        return True
    try:
        result = make_paper_file.get_result(build.task_id)
    except TaskResultDoesNotExist:
        return False
    if result.status == TaskResultStatus.READY:
        return True
    if result.status == TaskResultStatus.RUNNING:
        worker_id = result.worker_ids[-1] if result.worker_ids else None
        return worker.is_alive(WorkerHeartbeat.objects.filter(worker_id=worker_id).first())
    return False  # the task ended without the build ever starting


def settle(build: PaperBuild) -> bool:
    """Mark ``build`` failed if it can no longer finish; True if it did."""
    if build.status == BuildStatus.RUNNING:
        if _running_alive(build):
            return False
        why = "The process making this file stopped (it was restarted or killed)."
    elif build.status == BuildStatus.QUEUED:
        if _queued_alive(build):
            return False
        why = "The worker stopped before making this file (it was restarted or killed)."
    else:
        return False
    failed = builds.fail(build.pk, _failure_text(build, why))
    build.refresh_from_db()
    return failed


def settle_unfinished() -> int:
    """``settle`` every unfinished build (a worker does it when it starts); how many failed."""
    unfinished = PaperBuild.objects.filter(status__in=UNFINISHED).defer("snapshot", "content")
    return sum(settle(build) for build in unfinished)


def pending_issue(paper: Paper) -> PaperBuild | None:
    """An issue build of this paper that may still finish (queued, or run by a live worker)."""
    for build in paper.builds.filter(kind=BuildKind.ISSUE, status__in=UNFINISHED).defer(
        "snapshot", "content"
    ):
        if not settle(build):
            return build
    return None
