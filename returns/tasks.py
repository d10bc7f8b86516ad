"""The background tasks of the returns app (django-tasks; run by `manage.py db_worker`).

Large imports are checked and applied here (returns.import_uploads): each task carries only
the upload's id; the ``ImportUpload`` row holds the file, the progress and the outcome.
"""

from __future__ import annotations

from django_tasks import task

from .import_uploads import run_apply, run_check

__all__ = ["apply_import", "check_import"]


@task()
def check_import(upload_id: int) -> str:
    """Check upload ``upload_id`` in a dry run and keep its preview; returns its state."""
    return run_check(upload_id)


@task()
def apply_import(upload_id: int) -> str:
    """Apply upload ``upload_id`` as previewed; returns its state."""
    return run_apply(upload_id)
