"""No thread is started by the application: background work goes to the task worker.

Two proofs: the application's code uses no threading module at all, and asking for every kind
of background work (a PDF, an issue, a large export) leaves the number of threads unchanged.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from reports.models import BuildStatus, PaperBuild
from tests.reports import test_papers_support as support

APPS = ("authorities", "targets", "returns", "reports", "riep")
THREADS = re.compile(
    r"^\s*(import|from)\s+(threading|_thread|concurrent\.futures|multiprocessing)\b"
    r"|\bThread(PoolExecutor)?\(",
    re.MULTILINE,
)


def test_the_application_code_uses_no_threads():
    root = Path(settings.BASE_DIR)
    files = [path for app in APPS for path in (root / app).rglob("*.py")]
    assert len(files) > 50  # the apps were found

    users = [str(path.relative_to(root)) for path in files if THREADS.search(path.read_text())]

    assert users == []


def test_the_pattern_finds_threads():
    for code in (
        "import threading",
        "from threading import Thread",
        "from concurrent.futures import ThreadPoolExecutor",
        "    worker = Thread(target=run)",
    ):
        assert THREADS.search(code), code


def test_asking_for_background_work_starts_no_thread(client, transactional_db, settings):
    """Transactional, so that the requests commit (work started on commit would start)."""
    settings.BOARD_EXPORT_INLINE_MAX_LINES = 5  # the export below is large
    small = support.make_small_world()
    client.force_login(small.director)
    before = threading.active_count()

    client.post(reverse("papers:pdf", args=[small.paper.pk]))
    client.post(reverse("papers:issue", args=[small.paper.pk]), {"confirm_unapproved": "yes"})
    client.post(reverse("papers:xlsx", args=[small.paper.pk]))

    assert threading.active_count() == before
    assert PaperBuild.objects.filter(status=BuildStatus.QUEUED).count() == 3
