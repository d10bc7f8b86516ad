"""Making a paper's files in the task worker, with progress: a PDF, an issue, a data export.

The request only records a ``PaperBuild`` and enqueues the task that makes it
(reports.papers.background, reports.tasks); the task worker (`manage.py db_worker`) calls
``run_build``, and the Director follows the progress on the build's status page, which then
offers the file. A Board pack takes seconds to lay out (about 3.5 s for the demo's 26 pages),
and a national-scale Excel export about 7 s: neither belongs in a web request.

Decisions
---------
* **The row is the truth.** Status (queued → running → done | failed), per cent, stage
  ("Laying out page 12") and the finished bytes live on the ``PaperBuild`` row; the status page
  and its JSON read the row, so any process can answer. Progress comes from WeasyPrint's own
  step messages (logger ``weasyprint.progress``) and from the workbook's sheets, written at
  most every 0.3 s; each write also tells that the worker is alive (``reports.worker.beat``).
* **Claimed once.** A build is claimed by an UPDATE from queued to running; a second runner
  of the same build finds nothing to claim.
* **Failures are shown.** Any exception marks the build failed with the error's text (and logs
  the traceback); so does a forced stop of the worker (SystemExit, KeyboardInterrupt), which
  then goes on stopping it. The page offers to try again. A worker killed outright
  (kill -9) cannot write anything: its builds are settled by the next worker to start, or by
  the web process as soon as it sees the worker gone (``background.settle``).
* **Finished only if still running.** The done state is written only over "running": if the
  build was marked failed meanwhile (its worker taken for dead), nothing is written, and an
  issue's ``IssuedPaper`` is rolled back with it: an issue is never half made.
* **Issuing.** An issue build's snapshot carries the issue number; when the PDF is made, the
  ``IssuedPaper`` is created in the same transaction that marks the build done (unique per
  paper and number: two issues racing for the same number cannot both succeed), and the bytes
  are kept on the issued paper only.
* **Exports.** An Excel or CSV export of a draft builds its snapshot here, for the user who
  asked (the same scope as the page they asked from); one of an issue reads the issue's frozen
  snapshot.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from .. import worker
from ..models import BuildKind, BuildStatus, IssuedPaper, PaperBuild, sha256
from . import exports
from .render import render_html, render_pdf
from .snapshot import build_snapshot, snapshot_checksum

__all__ = ["KEEP_BUILDS", "fail", "run_build"]

logger = logging.getLogger(__name__)

#: Finished builds kept per paper and kind, issues apart (older ones are deleted when a new
#: one finishes).
KEEP_BUILDS = 5


class _Abandoned(Exception):
    """The build was marked failed while it ran: its result must not be kept."""


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
        worker.beat()
        try:
            PaperBuild.objects.filter(pk=self.pk, status=BuildStatus.RUNNING).update(
                progress=min(max(percent, 0), 100), stage=stage[:200], updated_at=timezone.now()
            )
        except OperationalError:
            # Progress is only for the status page: a database busy at that instant (SQLite
            # locks the whole file) must not fail the build itself.
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

    def sheets(self, done: int, total: int) -> None:
        """The workbook's sheets, from 40% (the data gathered) to 90% (all written)."""
        self.set(
            40 + int(50 * done / max(total, 1)), f"Writing sheet {done} of {total}", force=False
        )


def _expected_pages(build: PaperBuild) -> int:
    previous = (
        PaperBuild.objects.filter(paper_id=build.paper_id, pages__isnull=False)
        .exclude(pk=build.pk)
        .values_list("pages", flat=True)
        .first()
    )
    return previous or 20


def run_build(pk: int) -> str:
    """Make the file of one queued build; record the outcome on its row.

    Returns the build's new status ("done", "failed"), or "not claimed" when another runner
    had it. Raises only what stops the worker (SystemExit, KeyboardInterrupt), after marking
    the build failed.
    """
    claimed = PaperBuild.objects.filter(pk=pk, status=BuildStatus.QUEUED).update(
        status=BuildStatus.RUNNING,
        started_at=timezone.now(),
        updated_at=timezone.now(),
        progress=2,
        stage="Starting",
        runner=worker.this_process(),
    )
    if not claimed:
        return "not claimed"
    build = (
        PaperBuild.objects.select_related(
            "paper__agenda_item__meeting", "requested_by", "source_issue"
        )
        .defer("source_issue__pdf")
        .get(pk=pk)
    )
    try:
        if build.is_export:
            content, pages = _export(build, _Progress(pk, expected_pages=1))
        else:
            content, pages = _pdf(build, _Progress(pk, expected_pages=_expected_pages(build)))
        _finish(build, content, pages)
    except BaseException as error:
        logger.exception("Paper build %s failed", pk)
        text = str(error) or type(error).__name__
        fail(pk, f"{type(error).__name__}: {text}")
        if not isinstance(error, Exception):
            raise
        return BuildStatus.FAILED.value
    return BuildStatus.DONE.value


def _pdf(build: PaperBuild, progress: _Progress) -> tuple[bytes, int]:
    progress.set(5, "Writing the paper's HTML")
    html = render_html(build.snapshot)
    progress.set(8, "Laying out the pages")
    pdf = render_pdf(html, progress=progress.weasyprint)
    progress.set(96, "Saving the file")
    return pdf.content, pdf.pages


def _export(build: PaperBuild, progress: _Progress) -> tuple[bytes, None]:
    if build.source_issue_id:
        snapshot = build.source_issue.snapshot
    else:
        progress.set(5, "Gathering the data")
        snapshot = build_snapshot(build.paper, user=build.requested_by)
    lines = len(snapshot["data"]["lines"])
    if build.kind == BuildKind.XLSX:
        progress.set(40, f"Writing the workbook ({lines:,} lines)")
        content = exports.render_xlsx(snapshot, progress=progress.sheets)
    else:
        progress.set(40, f"Writing the CSV ({lines:,} lines)")
        content = exports.render_csv(snapshot)
    progress.set(96, "Saving the file")
    return content, None


@transaction.atomic
def _finish(build: PaperBuild, content: bytes, pages: int | None) -> None:
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
    if not PaperBuild.objects.filter(pk=build.pk, status=BuildStatus.RUNNING).update(**fields):
        raise _Abandoned("The build was marked failed while it ran; its result is not kept.")
    if build.kind != BuildKind.ISSUE:
        old = PaperBuild.objects.filter(
            paper_id=build.paper_id,
            kind=build.kind,
            status__in=[BuildStatus.DONE, BuildStatus.FAILED],
        ).order_by("-requested_at", "-id")[KEEP_BUILDS:]
        PaperBuild.objects.filter(pk__in=list(old.values_list("pk", flat=True))).delete()


def fail(pk: int, error: str) -> bool:
    """Mark an unfinished build failed with ``error`` (shown to the Director); True if it was
    unfinished."""
    return bool(
        PaperBuild.objects.filter(
            pk=pk, status__in=[BuildStatus.QUEUED, BuildStatus.RUNNING]
        ).update(
            status=BuildStatus.FAILED,
            error=error[:2000],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
            stage="Failed",
        )
    )
