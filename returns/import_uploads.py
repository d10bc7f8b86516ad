"""An uploaded returns file between its preview and its application: kept, checked, applied.

Business rules
--------------
* **Preview first, then apply the same upload.** The file is kept server-side
  (``ImportUpload``) and checked in a dry run, which lists every change and notice; "apply"
  imports that very upload, without choosing the file again.
* **Only the uploader** sees the upload and applies it (anyone else gets a 404), with their
  permissions at the moment they apply it.
* **Nothing stale is applied.** Applying is refused, and nothing changed, if any return the
  file goes to changed since the preview (its version moved, or it was created meanwhile);
  the person may check the same upload again to see what it would change now.
* **Once.** An upload is applied at most once (the state moves from "checked" to "applying" in
  one conditional UPDATE: a double click applies it once). Its bytes are deleted once it is
  applied; the whole upload ``IMPORT_UPLOAD_KEEP_MINUTES`` after it was made
  (``purge_expired``: on every visit to the import page, and daily by send_reminders).
* **Large files in the background.** A file over ``IMPORT_INLINE_MAX_BYTES`` is checked and
  applied by the task worker (the tasks at the end of this module; ``manage.py db_worker``),
  its stage and progress shown on the upload's page; a smaller one in the request. The
  worker's task carries only the upload's id. A worker that died mid-way leaves its task
  failed (the worker that starts next marks it so); the upload is then shown failed and can
  be checked again at once.
"""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks.exceptions import TaskResultDoesNotExist

from . import importing
from .importing.applying import safe_filename
from .importing.report import ImportReport, report_from_dict, report_to_dict
from .models import UPLOAD_UNFINISHED, ImportUpload, UploadState

__all__ = [
    "UploadRefused",
    "apply_upload",
    "check_again",
    "keep_upload",
    "preview_of",
    "purge_expired",
    "result_of",
    "run_apply",
    "run_check",
    "settle",
    "state_of",
]


class UploadRefused(Exception):
    """The upload cannot be applied now (expired, not checked, already applied...)."""


def in_background(size: int) -> bool:
    return size > settings.IMPORT_INLINE_MAX_BYTES


def keep_upload(*, content: bytes, filename: str, user) -> ImportUpload:
    """Keep an uploaded file for its preview, and start checking it (in the request, or by the
    worker for a large file)."""
    purge_expired()
    upload = ImportUpload(
        uploader=user,
        filename=safe_filename(filename),
        content=content,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        expires_at=timezone.now() + timedelta(minutes=settings.IMPORT_UPLOAD_KEEP_MINUTES),
        background=in_background(len(content)),
        state=UploadState.CHECKING,
        stage="Waiting for the task worker" if in_background(len(content)) else "Checking",
    )
    _start(upload, check=True)
    return upload


def _start(upload: ImportUpload, *, check: bool) -> None:
    """Save the upload and run its step now, or enqueue it for the worker (in one transaction
    with the save: both exist or neither)."""
    if not upload.background:
        upload.save()
        (run_check if check else run_apply)(upload.pk)
        upload.refresh_from_db()
        return
    with transaction.atomic():
        upload.save()
        task = check_import if check else apply_import
        result = task.enqueue(upload.pk)
        ImportUpload.objects.filter(pk=upload.pk).update(task_id=str(result.id))
    upload.refresh_from_db()


class _Progress:
    """Writes the stage and per cent of an upload's work, at most every half second."""

    def __init__(self, pk: int) -> None:
        self.pk = pk
        self.last = 0.0

    def __call__(self, stage: str, percent: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.5 and percent < 100:
            return
        self.last = now
        ImportUpload.objects.filter(pk=self.pk).update(
            stage=stage[:200], progress=max(0, min(percent, 100)), updated_at=timezone.now()
        )


def run_check(pk: int) -> str:
    """Check the upload in a dry run and keep its preview (the worker's task, or inline)."""
    upload = ImportUpload.objects.select_related("uploader").get(pk=pk)
    if upload.state != UploadState.CHECKING:
        return upload.state
    report = importing.import_file(
        content=bytes(upload.content),
        filename=upload.filename,
        actor=upload.uploader,
        dry_run=True,
        progress=_Progress(pk),
    )
    state = UploadState.REFUSED if report.errors else UploadState.CHECKED
    ImportUpload.objects.filter(pk=pk, state=UploadState.CHECKING).update(
        state=state,
        preview=report_to_dict(report),
        versions=report.versions,
        stage="Checked",
        progress=100,
        updated_at=timezone.now(),
    )
    return state


def apply_upload(upload: ImportUpload, *, user) -> ImportUpload:
    """Apply a checked upload (its uploader only; once; refused when it expired)."""
    if upload.uploader_id != user.pk:
        raise PermissionDenied("Only the person who uploaded a file applies it.")
    if upload.expires_at <= timezone.now():
        raise UploadRefused("This upload has expired and was deleted: upload the file again.")
    claimed = ImportUpload.objects.filter(pk=upload.pk, state=UploadState.CHECKED).update(
        state=UploadState.APPLYING,
        stage="Waiting for the task worker" if upload.background else "Applying",
        progress=0,
        updated_at=timezone.now(),
    )
    if not claimed:
        upload.refresh_from_db()
        raise UploadRefused(
            f"This upload is {upload.get_state_display().lower()}: it cannot be applied now."
        )
    upload.refresh_from_db()
    _start(upload, check=False)
    return upload


def run_apply(pk: int) -> str:
    """Apply the upload as previewed (the worker's task, or inline): refused when a return it
    goes to changed since; its bytes are deleted once applied."""
    upload = ImportUpload.objects.select_related("uploader").get(pk=pk)
    if upload.state != UploadState.APPLYING:
        return upload.state
    report = importing.import_file(
        content=bytes(upload.content),
        filename=upload.filename,
        actor=upload.uploader,
        expected_versions=upload.versions,
        progress=_Progress(pk),
    )
    ok = not report.errors
    # Applied: the file is no longer needed. Refused: kept, to be checked again.
    emptied = {"content": b""} if ok else {}
    ImportUpload.objects.filter(pk=pk, state=UploadState.APPLYING).update(
        state=UploadState.APPLIED if ok else UploadState.FAILED,
        result=report_to_dict(report),
        **emptied,
        stage="Applied" if ok else "Refused",
        progress=100,
        updated_at=timezone.now(),
    )
    return UploadState.APPLIED if ok else UploadState.FAILED


def check_again(upload: ImportUpload, *, user) -> ImportUpload:
    """Check the same upload again (after a refused application, or to refresh a preview)."""
    if upload.uploader_id != user.pk:
        raise PermissionDenied("Only the person who uploaded a file checks it.")
    if upload.expires_at <= timezone.now() or not upload.size:
        raise UploadRefused("This upload has expired and was deleted: upload the file again.")
    claimed = ImportUpload.objects.filter(
        pk=upload.pk, state__in=[UploadState.CHECKED, UploadState.FAILED, UploadState.REFUSED]
    ).update(
        state=UploadState.CHECKING,
        preview=None,
        result=None,
        stage="Waiting for the task worker" if upload.background else "Checking",
        progress=0,
        updated_at=timezone.now(),
    )
    if not claimed:
        raise UploadRefused("This upload cannot be checked again now.")
    upload.refresh_from_db()
    _start(upload, check=True)
    return upload


def settle(upload: ImportUpload) -> bool:
    """Mark failed an unfinished upload whose task can no longer finish it (its worker died,
    and the next worker marked the task failed; or the task is gone). True if it did."""
    if upload.state not in UPLOAD_UNFINISHED or not upload.background or not upload.task_id:
        return False
    try:
        result = check_import.get_result(upload.task_id)
    except TaskResultDoesNotExist:
        status = None
    else:
        status = result.status
    if status in (TaskResultStatus.READY, TaskResultStatus.RUNNING):
        return False
    why = "The task worker stopped before finishing (it was restarted or killed)."
    failed = ImportUpload.objects.filter(pk=upload.pk, state=upload.state).update(
        state=UploadState.FAILED,
        result=report_to_dict(
            ImportReport(
                filename=upload.filename,
                dry_run=upload.state == UploadState.CHECKING,
                errors=[importing.RowError(None, "", f"{why} Nothing was changed.")],
            )
        ),
        stage="Stopped",
        updated_at=timezone.now(),
    )
    upload.refresh_from_db()
    return bool(failed)


def purge_expired(*, now=None) -> int:
    """Delete the uploads past their time (with their bytes); how many."""
    now = now or timezone.now()
    stuck = now - timedelta(days=1)
    expired = ImportUpload.objects.filter(expires_at__lt=now).filter(
        ~Q(state__in=UPLOAD_UNFINISHED) | Q(updated_at__lt=stuck)
    )
    count, _ = expired.delete()
    return count


def preview_of(upload: ImportUpload) -> ImportReport | None:
    return report_from_dict(upload.preview) if upload.preview else None


def result_of(upload: ImportUpload) -> ImportReport | None:
    return report_from_dict(upload.result) if upload.result else None


def state_of(upload: ImportUpload) -> dict:
    """What the upload's page polls (static/js/paper-build.js reads these names)."""
    return {
        "status": upload.state,
        "status_label": upload.get_state_display(),
        "stage": upload.stage,
        "progress": upload.progress,
        "finished": upload.finished,
    }


# The background tasks (django-tasks, run by `manage.py db_worker`): each carries only the
# upload's id; the ``ImportUpload`` row holds the file, the progress and the outcome. They live
# beside their runners so that enqueuing and running need no import of each other.


@task()
def check_import(upload_id: int) -> str:
    """Check upload ``upload_id`` in a dry run and keep its preview; returns its state."""
    return run_check(upload_id)


@task()
def apply_import(upload_id: int) -> str:
    """Apply upload ``upload_id`` as previewed; returns its state."""
    return run_apply(upload_id)
