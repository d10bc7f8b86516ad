"""`make run`: the web server and the task worker start together and stop together
(scripts/supervise.sh): Ctrl-C stops both, and either dying stops the other."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from reports.models import WorkerHeartbeat
from tests.worker_support import database_url, wait_for

ROOT = Path(settings.BASE_DIR)
SUPERVISE = str(ROOT / "scripts" / "supervise.sh")


def _gone(pid: int) -> bool:
    """Whether the process has ended (within 5 s); a zombie not yet reaped by whoever inherited
    it has ended too."""

    def ended() -> bool:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        return state in {"Z", "X"}

    deadline = time.monotonic() + 5
    while not ended():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _pid(path: Path) -> int:
    wait_for(lambda: path.exists() and path.read_text().strip(), timeout=10, what=str(path))
    return int(path.read_text())


def _start(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603
        [SUPERVISE, *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(run: subprocess.Popen, *, timeout: float) -> tuple[int, str]:
    """Wait for the supervisor; its exit status and output."""
    output, _ = run.communicate(timeout=timeout)
    return run.returncode, output


def test_when_one_command_exits_the_other_is_stopped(tmp_path):
    pidfile = tmp_path / "web.pid"

    run = _start("web", f"echo $$ > {pidfile}; exec sleep 60", "worker", "sleep 0.3; exit 3")

    status, output = _finish(run, timeout=20)
    assert status == 3
    assert _gone(_pid(pidfile))
    assert "supervise: worker exited with status 3: stopping the others" in output


def test_ctrl_c_stops_both_and_what_they_started(tmp_path):
    child = tmp_path / "grandchild.pid"
    run = _start(
        "web",
        f"echo $$ > {tmp_path / 'web.pid'}; sleep 60",
        "worker",
        f"sh -c 'echo $$ > {child}; exec sleep 60' & wait",
    )
    pids = [_pid(tmp_path / "web.pid"), _pid(child)]

    run.send_signal(signal.SIGINT)

    assert _finish(run, timeout=20)[0] == 130
    assert all(_gone(pid) for pid in pids)


def test_a_command_that_will_not_stop_is_killed_after_the_grace(tmp_path):
    pidfile = tmp_path / "stubborn.pid"
    run = _start(
        "stubborn",
        f"trap '' TERM; echo $$ > {pidfile}; while :; do sleep 0.1; done",
        "worker",
        "sleep 60",
        env={"STOP_GRACE": "1"},
    )
    pid = _pid(pidfile)

    started = time.monotonic()
    run.send_signal(signal.SIGTERM)

    assert _finish(run, timeout=20)[0] == 143
    assert time.monotonic() - started < 10
    assert _gone(pid)


def test_it_refuses_odd_arguments():
    assert subprocess.run([SUPERVISE, "web"], capture_output=True).returncode == 2  # noqa: S603


def test_make_run_serves_with_its_worker():
    dry = subprocess.run(
        ["make", "-n", "run"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace("\\\n", " ")
    line = next(line for line in dry.splitlines() if "supervise.sh" in line)

    assert 'web ".venv/bin/python manage.py runserver 127.0.0.1:8000"' in line
    assert 'worker ".venv/bin/python manage.py db_worker"' in line


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _health(port: int) -> int | None:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@pytest.mark.usefixtures("transactional_db")
def test_web_and_worker_run_healthy_together_and_a_dead_worker_takes_the_web_down(tmp_path):
    """The real pair, as `make run` starts them (on the test database)."""
    port = _free_port()
    manage = f"{sys.executable} {ROOT / 'manage.py'}"
    run = _start(
        "web",
        f"{manage} runserver 127.0.0.1:{port}",
        "worker",
        f"{manage} db_worker --no-startup-delay",
        env={"DJANGO_SETTINGS_MODULE": "riep.settings.test", "DATABASE_URL": database_url()},
    )
    try:
        wait_for(lambda: _health(port) == 200, timeout=60, what="/healthz to answer 200")
        worker_pid = WorkerHeartbeat.objects.get().pid

        os.kill(worker_pid, signal.SIGKILL)

        status, output = _finish(run, timeout=30)
        assert status == 128 + signal.SIGKILL
        assert _health(port) is None  # the web server is gone too
        assert "supervise: worker exited with status 137: stopping the others" in output
    finally:
        if run.poll() is None:
            run.send_signal(signal.SIGTERM)
            run.communicate(timeout=30)
