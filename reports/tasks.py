"""The background tasks of the reports app (django-tasks; run by `manage.py db_worker`).

One task makes every kind of paper file (a draft's PDF, an issue, an Excel or CSV export):
the ``PaperBuild`` row says what to make and holds the progress and the result, so the task
only carries the row's id (reports.papers.builds.run_build).
"""

from __future__ import annotations

from django_tasks import task

from .papers.builds import run_build

__all__ = ["make_paper_file"]


@task()
def make_paper_file(build_id: int) -> str:
    """Make the file of build ``build_id``; returns its outcome ("done", "failed", ...)."""
    return run_build(build_id)
