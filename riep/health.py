"""GET /healthz: is the site able to serve, and is its task worker alive?

For a load balancer, a process manager or a monitoring probe: no sign-in, nothing sensitive
(no versions, hosts, counts or error texts), never cached. Two checks:

* ``database``: a connection and ``SELECT 1``;
* ``worker``: a task worker (`manage.py db_worker`) has recorded a heartbeat lately
  (``reports.worker.worker_running``: heard of within TASK_WORKER_STALE_SECONDS and, on this
  host, its process still running). Without one, PDFs, issues and large exports wait for ever.

200 ``{"status": "ok", "checks": {"database": "ok", "worker": "ok"}}`` when both pass; 503 with
the failing check named otherwise (``"worker": "no heartbeat"``, ``"database": "unavailable"``;
the worker cannot be checked without the database: ``"worker": "unknown"``).
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from reports.worker import worker_running

logger = logging.getLogger(__name__)


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the database is unavailable")
        return "unavailable"
    return "ok"


def _worker() -> str:
    try:
        return "ok" if worker_running() else "no heartbeat"
    except DatabaseError:
        logger.exception("Health check: the worker's heartbeat cannot be read")
        return "unknown"


@never_cache  # Cache-Control: no-store (and no-cache, max-age=0)
@require_safe  # GET and HEAD
def healthz(request):
    checks = {"database": _database()}
    checks["worker"] = _worker() if checks["database"] == "ok" else "unknown"
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )
