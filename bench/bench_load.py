"""Benchmark: the dashboards under load, served as in production, against a static file.

    .venv/bin/python bench/bench_load.py [--seconds 60] [--users 20] [--no-docs]

Runs itself inside a throwaway PostgreSQL 15 cluster (scripts/with-postgres.sh, which it calls:
a DATABASE_URL already in the environment is never used, so no real database is touched). In it:

1. the national data of the other benchmarks (bench/nationaldata.py: 9 regions made like the East
   Midlands, 12 quarters of returns of every target set), analysed (``VACUUM ANALYZE``) as a live
   database would be, and ``--users`` Board members, each with their own random password;
2. ``collectstatic`` into a temporary STATIC_ROOT, so that WhiteNoise serves the static files;
3. gunicorn with ``riep.settings.production``: 2 sync workers on 127.0.0.1 on a free port, as
   docs/operations.md runs it behind its TLS-terminating proxy. The environment sets only what
   the settings require (a random 50+ character DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS=127.0.0.1,
   DATABASE_URL, DJANGO_STATIC_ROOT, a temporary DJANGO_MEDIA_ROOT): the HTTPS redirect, HSTS and
   secure cookies stay on. The load client stands in for the proxy instead (bench/locustfile.py);
4. locust, headless, with ``--users`` Board members signed in (each through /accounts/login/
   with its CSRF token), in two windows of ``--seconds`` each, every user requesting one page
   after another without pausing: first the baseline, a static file served by the same stack
   (the stylesheet every page links to, through WhiteNoise), then in turn the overview, a
   sub-region, a target and the comparison page (the pages bench/bench_dashboards.py times).

It reports requests per second, p50 and p95 per page and for the four pages together, and each
p95 as a ratio to the static file's p95 in the same run, and writes (or replaces) the section
"The dashboards under load" of docs/benchmarks.md. Any response but a 200, a failed sign-in or a
request that fails exits non-zero, without writing the docs. gunicorn, locust and the temporary
files are removed whatever happens; the cluster by scripts/with-postgres.sh.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import load_report, nationaldata  # noqa: E402 - after the path
from bench.bench_dashboards import NATIONAL  # noqa: E402
from bench.bench_dashboards import PAGES as DASHBOARD_PAGES  # noqa: E402
from bench.benchdocs import write_section  # noqa: E402

WORKERS = 2
#: The dashboards under load, by URL name (their names and arguments: bench_dashboards.PAGES).
LOADED = ("reports:overview", "reports:sub-region", "reports:target", "reports:compare")
STATIC = "css/app.css"  # the stylesheet every page links to
STATIC_NAME = "Static file (baseline)"
IN_CLUSTER = "RIEP_BENCH_LOAD_CLUSTER"  # set when this script runs inside its own cluster
CLUSTER_URL, LOOPBACK = "postgres://riep_test:", "@127.0.0.1:"  # with-postgres.sh's database
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}  # as the TLS-terminating proxy sets it
LOCUSTFILE = ROOT / "bench" / "locustfile.py"


def _in_own_cluster(argv: list[str]) -> None:
    """Re-run this script under scripts/with-postgres.sh, unless it already runs there."""
    url = os.environ.get("DATABASE_URL", "")
    if os.environ.get(IN_CLUSTER) == "1" and url.startswith(CLUSTER_URL) and LOOPBACK in url:
        return
    os.environ["PYTHON"] = sys.executable  # for with-postgres.sh's own small Python steps
    os.environ[IN_CLUSTER] = "1"
    script = str(ROOT / "scripts" / "with-postgres.sh")
    sys.stdout.flush()
    os.execv(script, [script, sys.executable, __file__, *argv])  # noqa: S606 - our own script


def _production_env(workdir: Path) -> dict[str, str]:
    """The environment of the production settings, for this process and for gunicorn."""
    return {
        "DJANGO_SETTINGS_MODULE": "riep.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_MEDIA_ROOT": str(workdir / "media"),
        "RIEP_VAR_DIR": str(workdir / "var"),
        "DJANGO_LOG_LEVEL": "WARNING",  # the default INFO adds nothing per request here
    }


# ------------------------------------------------------------------------------- the site


def _prepare(workdir: Path, users: int) -> dict:
    """The data, the Board members, the static files; the paths locust requests."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command
    from django.db import connection, connections
    from django.urls import reverse
    from django.utils.http import urlencode

    from authorities.roles import BOARD_MEMBER, make_national

    data = nationaldata.build(NATIONAL)
    print(
        f"{data['regions']} regions: {data['authorities']} authorities, {data['lines']:,} lines, "
        f"built in {data['seconds']:.1f} s",
        flush=True,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a live database: planner statistics
    board = Group.objects.get(name=BOARD_MEMBER)
    accounts = []
    for number in range(1, users + 1):
        username, password = f"bench-board-{number:02d}", secrets.token_urlsafe(18)
        account = get_user_model().objects.create_user(username, password=password)
        account.groups.add(board)
        make_national(account)  # the national scale: every region side by side
        accounts.append([username, password])
    call_command("collectstatic", interactive=False, verbosity=0)

    pages = []
    for name, url_name, args, params in DASHBOARD_PAGES:
        if url_name in LOADED:
            query = f"?{urlencode(params)}" if params else ""
            pages.append([name, reverse(url_name, args=args) + query])
    if len(pages) != len(LOADED):
        raise SystemExit(f"bench_dashboards.PAGES no longer names all of {LOADED}")
    static = [STATIC_NAME, staticfiles_storage.url(STATIC)]  # the fingerprinted name
    postgres = connection.cursor().connection.info.server_version
    connections.close_all()
    accounts_file = workdir / "accounts.json"
    accounts_file.touch(mode=0o600)
    accounts_file.write_text(json.dumps(accounts))
    return {
        "data": data,
        "accounts": accounts_file,
        "login": reverse("login"),
        "pages": pages,
        "static": static,
        "postgres": f"{postgres // 10000}.{postgres % 10000}",
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(workdir: Path, static_path: str) -> tuple[subprocess.Popen, str]:
    """gunicorn on a free loopback port, once it serves the static file; (process, base URL)."""
    log = workdir / "gunicorn.log"
    problem = "it exited"
    for _attempt in range(3):  # another process may take the port between our look and its bind
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        command = [
            sys.executable, "-m", "gunicorn", "riep.wsgi",
            "--workers", str(WORKERS),
            "--bind", f"127.0.0.1:{port}",
            "--forwarded-allow-ips", "127.0.0.1",
            "--timeout", "60",
            "--graceful-timeout", "5",
            "--error-logfile", str(log),
            "--no-control-socket",  # not needed, and its default path is shared by every gunicorn
        ]  # fmt: skip
        # Our own interpreter, fixed arguments; its output goes to its log.
        server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 60
        while server.poll() is None and time.monotonic() < deadline:
            probe = urllib.request.Request(base + static_path, headers=PROXY_HEADERS)  # noqa: S310
            try:
                with urllib.request.urlopen(probe, timeout=5) as response:  # noqa: S310 - loopback
                    if response.geturl() == probe.full_url:  # served, not redirected
                        return server, base
                    problem = f"{static_path} redirected to {response.geturl()}"
            except urllib.error.HTTPError as error:
                problem = f"{static_path} answered {error.code}"
            except OSError as error:  # not listening yet
                problem = str(error)
            time.sleep(0.2)
        _stop(server)
    raise SystemExit(f"gunicorn did not serve {base} ({problem}); its log:\n{_tail(log)}")


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text().splitlines()[-lines:]) if path.exists() else "(no log)"


# ------------------------------------------------------------------------------- the load


def _load(site: dict, base: str, workdir: Path, *, users: int, seconds: int) -> dict:
    """Run locust; what it measured. Exits non-zero on any error or failed sign-in."""
    results = workdir / "results.json"
    env = {
        **os.environ,
        "RIEP_LOAD_ACCOUNTS": str(site["accounts"]),
        "RIEP_LOAD_LOGIN": site["login"],
        "RIEP_LOAD_PHASES": json.dumps(
            [[load_report.BASELINE, [site["static"]]], [load_report.DASHBOARDS, site["pages"]]]
        ),
        "RIEP_LOAD_SECONDS": str(seconds),
        "RIEP_LOAD_RESULTS": str(results),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--users", str(users), "--spawn-rate", str(users), "--host", base,
        "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    try:
        # Sign-ins first (slow password hashes on 2 workers), then the two windows.
        locust = subprocess.run(command, env=env, cwd=ROOT, timeout=seconds + 600, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        raise SystemExit("locust did not finish in time") from None
    if not results.exists():
        raise SystemExit(f"locust wrote no results (exit code {locust.returncode})")
    measured = json.loads(results.read_text())
    problems = list(measured["errors"])
    if measured["signed_in"] != users:
        problems.append(f"{measured['signed_in']} of {users} Board members signed in")
    if not measured["complete"]:
        problems.append("the measured windows did not run to their end")
    problems += [f"{name}: no response" for name, times in measured["samples"].items() if not times]
    if locust.returncode != 0:
        problems.append(f"locust exited with code {locust.returncode}")
    if problems:
        counted = Counter(problems)  # the same error, many times over: once, with its count
        shown = "\n  ".join(f"{p} (×{n})" if n > 1 else p for p, n in list(counted.items())[:20])
        more = f"\n  … and {len(counted) - 20} more" if len(counted) > 20 else ""
        raise SystemExit(f"Load benchmark FAILED ({len(problems)} problems):\n  {shown}{more}")
    return measured


def run(*, users: int = 20, seconds: int = 60, write_docs: bool = True) -> dict:
    # A plain kill of this process tears down too (as Ctrl-C does): finally blocks run.
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda signum, _frame: sys.exit(128 + signum))
    workdir = Path(tempfile.mkdtemp(prefix="riep-bench-load-"))
    server = None
    try:
        os.environ.update(_production_env(workdir))
        site = _prepare(workdir, users)
        server, base = _serve(workdir, site["static"][1])
        print(f"gunicorn ({WORKERS} workers) on {base}; locust: 2 × {seconds} s", flush=True)
        load_before = os.getloadavg()[0]
        measured = _load(site, base, workdir, users=users, seconds=seconds)
        load_after = os.getloadavg()[0]
    except BaseException:
        if server is not None:
            print(f"gunicorn's log:\n{_tail(workdir / 'gunicorn.log')}", file=sys.stderr)
        raise
    finally:
        _stop(server)
        shutil.rmtree(workdir, ignore_errors=True)

    figures = {
        "date": date.today().isoformat(),
        "nproc": os.cpu_count(),
        "machine": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "postgres": site["postgres"],
        "gunicorn": importlib.metadata.version("gunicorn"),
        "locust": importlib.metadata.version("locust"),
        "workers": WORKERS,
        "users": users,
        "seconds": seconds,
        "load": (load_before, load_after),
        "data": site["data"],
        "pages": site["pages"],
        "static": site["static"],
        "measured": measured,
    }
    section = load_report.section(figures)
    print(section)
    if write_docs:
        write_section(load_report.SECTION, section)
    return figures


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="Board members signed in at once")
    parser.add_argument("--seconds", type=int, default=60, help="Length of each measured window")
    parser.add_argument("--no-docs", action="store_true", help="Do not write docs/benchmarks.md")
    options = parser.parse_args(argv)
    _in_own_cluster(argv)
    run(users=options.users, seconds=options.seconds, write_docs=not options.no_docs)


if __name__ == "__main__":
    main()
