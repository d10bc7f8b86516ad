"""Building a paper's PDF outside the request, with progress, and issuing it.

A Board pack takes seconds to lay out (about 5 s for the demo's 26 pages on two cores), so the
request only takes the snapshot (the data as at the click, a few queries) and records a
``PaperBuild``; the PDF is made afterwards and the Director watches its progress on the
build's status page, which then offers the file.

Decisions
---------
* **No broker.** There is no Celery or Redis here. A build runs in a background thread of the
  web process, started by ``transaction.on_commit`` (so it never looks for a row that is not
  committed yet). A process-wide semaphore (``PAPER_BUILD_WORKERS``, 1 by default) queues
  builds: WeasyPrint is CPU-bound and two cores serve the site too.
* **The row is the truth.** Status (queued → running → done | failed), per cent, stage
  ("Laying out page 12") and the finished bytes live on the ``PaperBuild`` row; the status page
  and its JSON read the row, so any process can answer. Progress comes from WeasyPrint's own
  step messages (logger ``weasyprint.progress``, this thread's records only), written at most
  every 0.3 s.
* **Claimed once.** A build is claimed by an UPDATE from queued to running; a second runner
  of the same build finds nothing to claim.
* **Failures are shown.** Any exception marks the build failed with the error's text (and logs
  the traceback); the page offers to try again. A build unheard of for
  ``PAPER_BUILD_STALE_SECONDS`` (600) while queued or running — its process was restarted — is
  marked failed as interrupted when next looked at.
* **Testable.** ``PAPER_BUILD_MODE = "sync"`` runs the build inline, in the request (tests;
  also the management command, which always builds inline).
* **Issuing.** An issue build's snapshot carries the issue number; when the PDF is made, the
  ``IssuedPaper`` is created in the same transaction that marks the build done (unique per
  paper and number: two issues racing for the same number cannot both succeed), and the bytes
  are kept on the issued paper only.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, OperationalError, connections, transaction
from django.db.models import Max
from django.utils import timezone

from ..models import (
    BuildKind,
    BuildStatus,
    IssuedPaper,
    Paper,
    PaperBuild,
    sha256,
)
from .render import render_html, render_pdf
from .snapshot import build_snapshot, snapshot_checksum

__all__ = [
    "IssueInProgress",
    "build_mode",
    "expire_if_stale",
    "pending_issue",
    "run_build",
    "start_build",
]

logger = logging.getLogger(__name__)

#: Draft builds kept per paper (older ones are deleted when a new one finishes).
KEEP_DRAFT_BUILDS = 5

_slots_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None


class IssueInProgress(Exception):
    """An issue of this paper is already being built."""


def build_mode() -> str:
    return getattr(settings, "PAPER_BUILD_MODE", "thread")


def _worker_slots() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, getattr(settings, "PAPER_BUILD_WORKERS", 1)))
        return _slots


def pending_issue(paper: Paper) -> PaperBuild | None:
    """An issue build of this paper that has not finished (and is not stale)."""
    for build in paper.builds.filter(
        kind=BuildKind.ISSUE, status__in=[BuildStatus.QUEUED, BuildStatus.RUNNING]
    ).defer("snapshot", "content"):
        if not expire_if_stale(build):
            return build
    return None


def start_build(
    paper: Paper,
    *,
    user,
    kind: str = BuildKind.PDF,
    now: datetime | None = None,
    inline: bool = False,
):
    """Take the snapshot now and build the PDF outside the request (or inline: in sync mode,
    or when ``inline``, as the management command does).

    For an issue, the snapshot carries the next issue number; raises IssueInProgress when an
    issue of the paper is already being built.
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
    build = PaperBuild.objects.create(
        paper=paper,
        kind=kind,
        snapshot=snapshot,
        issue_number=issue_number,
        requested_by=user,
        stage="Waiting to start",
    )
    if inline or build_mode() == "sync":
        run_build(build.pk)
        build.refresh_from_db()
    else:
        transaction.on_commit(lambda: _start_thread(build.pk))
    return build


def _start_thread(pk: int) -> None:
    threading.Thread(target=_work, args=(pk,), name=f"paper-build-{pk}", daemon=True).start()


def _work(pk: int) -> None:
    try:
        with _worker_slots():
            run_build(pk)
    except Exception:  # run_build records its own failures; this is a last resort
        logger.exception("Paper build %s: the worker failed", pk)
    finally:
        connections.close_all()  # this thread's connections


class _Progress:
    """Writes the build's progress to its row, at most every ``interval`` seconds."""

    _PAGE = re.compile(r"Step 5 - Creating layout - Page (\d+)")

    def __init__(self, pk: int, *, expected_pages: int, interval: float = 0.3) -> None:
        self.pk = pk
        self.expected = max(expected_pages, 1)
        self.interval = interval
        self.last = 0.0

    def set(self, percent: int, stage: str, *, force: bool = True) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.interval:
            return
        self.last = now
        try:
            PaperBuild.objects.filter(pk=self.pk).update(
                progress=min(max(percent, 0), 100), stage=stage[:200], updated_at=timezone.now()
            )
        except OperationalError:
            # Progress is only for the Director's status page: a database busy at that instant
            # (SQLite locks whole tables) must not fail the build itself.
            logger.info("Paper build %s: progress not recorded (database busy)", self.pk)

    def weasyprint(self, message: str) -> None:
        page = self._PAGE.match(message)
        if page:
            number = int(page[1])
            share = min(number / self.expected, 1)
            self.set(20 + int(60 * share), f"Laying out page {number}", force=False)
        elif message.startswith("Step 3"):
            self.set(12, "Applying the print styles", force=False)
        elif message.startswith("Step 4"):
            self.set(16, "Preparing the layout", force=False)
        elif message.startswith("Step 6"):
            self.set(85, "Writing the PDF")
        elif message.startswith("Step 7"):
            self.set(92, "Adding the PDF's metadata and outline", force=False)


def _expected_pages(build: PaperBuild) -> int:
    previous = (
        PaperBuild.objects.filter(paper_id=build.paper_id, pages__isnull=False)
        .exclude(pk=build.pk)
        .values_list("pages", flat=True)
        .first()
    )
    return previous or 20


def run_build(pk: int) -> None:
    """Build the PDF of one queued build; record the outcome on its row (never raises)."""
    claimed = PaperBuild.objects.filter(pk=pk, status=BuildStatus.QUEUED).update(
        status=BuildStatus.RUNNING,
        started_at=timezone.now(),
        updated_at=timezone.now(),
        progress=2,
        stage="Starting",
    )
    if not claimed:
        return
    build = PaperBuild.objects.select_related("paper__agenda_item__meeting").get(pk=pk)
    progress = _Progress(pk, expected_pages=_expected_pages(build))
    try:
        progress.set(5, "Writing the paper's HTML")
        html = render_html(build.snapshot)
        progress.set(8, "Laying out the pages")
        pdf = render_pdf(html, progress=progress.weasyprint)
        progress.set(96, "Saving the file")
        _finish(build, pdf.content, pdf.pages)
    except Exception as error:
        logger.exception("Paper build %s failed", pk)
        text = str(error) or type(error).__name__
        PaperBuild.objects.filter(pk=pk).update(
            status=BuildStatus.FAILED,
            error=f"{type(error).__name__}: {text}"[:2000],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
            stage="Failed",
        )


@transaction.atomic
def _finish(build: PaperBuild, content: bytes, pages: int) -> None:
    checksum = sha256(content)
    fields = {
        "status": BuildStatus.DONE,
        "progress": 100,
        "stage": "Ready",
        "checksum": checksum,
        "pages": pages,
        "finished_at": timezone.now(),
        "updated_at": timezone.now(),
    }
    if build.kind == BuildKind.ISSUE:
        snapshot = build.snapshot
        try:
            with transaction.atomic():
                issued = IssuedPaper.objects.create(
                    paper=build.paper,
                    number=build.issue_number,
                    title=build.paper.title,
                    issued_at=datetime.fromisoformat(
                        snapshot.get("taken_at") or snapshot["built_at"]
                    ),
                    issued_by=build.requested_by,
                    snapshot=snapshot,
                    snapshot_sha256=snapshot_checksum(snapshot),
                    pdf=content,
                    pdf_sha256=checksum,
                    pages=pages,
                )
        except IntegrityError as error:
            raise RuntimeError(
                f"Issue {build.issue_number} of this paper was made meanwhile; "
                "nothing was issued. Issue it again."
            ) from error
        fields.update(issued_paper=issued, content=None)
    else:
        fields["content"] = content
    PaperBuild.objects.filter(pk=build.pk).update(**fields)
    if build.kind == BuildKind.PDF:
        old = PaperBuild.objects.filter(
            paper_id=build.paper_id,
            kind=BuildKind.PDF,
            status__in=[BuildStatus.DONE, BuildStatus.FAILED],
        ).order_by("-requested_at", "-id")[KEEP_DRAFT_BUILDS:]
        PaperBuild.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()


def expire_if_stale(build: PaperBuild) -> bool:
    """Mark a build failed as interrupted when its process has gone; True if it did."""
    if not build.is_stale:
        return False
    PaperBuild.objects.filter(pk=build.pk, status=build.status).update(
        status=BuildStatus.FAILED,
        error="The build was interrupted (the server restarted while it ran). Try again.",
        finished_at=timezone.now(),
        updated_at=timezone.now(),
        stage="Failed",
    )
    build.refresh_from_db()
    return True
