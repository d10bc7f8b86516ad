"""A real task worker for the tests: `manage.py db_worker` in its own process, on the test
database.

Only for transactional tests (``transactional_db``, ``live_server``): the worker is another
process, so it sees only what is committed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    """The test database (not the configured one) as a DATABASE_URL."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"], safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextlib.contextmanager
def worker_process(tmp_path: Path, *args: str) -> Iterator[subprocess.Popen]:
    """`manage.py db_worker` polling every 0.1 s; stopped (SIGTERM, then SIGKILL) at the end.
    Its output is in ``tmp_path / "worker.log"``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "riep.settings.test",
        "DATABASE_URL": database_url(),
    }
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "db_worker",
            "--no-startup-delay",
            "--no-reload",
            "--interval",
            "0.1",
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def dead_pid() -> int:
    """The id of a process that has just ended."""
    process = subprocess.Popen(["true"])  # noqa: S607
    process.wait()
    return process.pid


def wait_for(
    condition: Callable[[], object], *, timeout: float, what: str, log: Path | None = None
):
    """Poll ``condition`` every 20 ms until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    output = log.read_text() if log and log.exists() else ""
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}.\n{output}")
