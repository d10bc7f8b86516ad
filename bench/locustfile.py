"""Locust: Board members, each signed in with their own account, requesting pages without pause.

Not meant to be run by hand: bench/bench_load.py starts it (``locust --headless``, one user per
account) against the gunicorn it serves, with its configuration in the environment:

* ``RIEP_LOAD_ACCOUNTS``: a JSON file of ``[username, password]`` pairs, one per user;
* ``RIEP_LOAD_LOGIN``: the sign-in page's path;
* ``RIEP_LOAD_PHASES``: JSON ``[[phase, [[name, path], ...]], ...]``: in each phase, every user
  requests that phase's paths in turn, one after the other without pausing;
* ``RIEP_LOAD_SECONDS``: how long each phase's measured window lasts;
* ``RIEP_LOAD_RESULTS``: where to write what was measured (JSON), when locust quits.

Every user signs in first (the form's CSRF token, then the POST). The first window opens when the
last one has signed in, so that only signed-in users are measured (a sign-in costs a deliberately
slow password hash). Between two windows the users pause until every request in flight has
answered, so that a window measures its own requests only; after the last window this file stops
locust. A request counts in a window if it answered while the window was open. Only a 200 counts
as success (a redirect to the sign-in page is an error), and nothing is read from the pages' HTML,
so that the benchmark keeps working when the pages change.

The client plays the part of the TLS-terminating proxy that docs/operations.md puts in front of
gunicorn: it sends ``X-Forwarded-Proto: https`` (which the production settings trust, as they do
behind that proxy, so no HTTPS redirect) and sends the ``Secure`` session and CSRF cookies back
over the plain-HTTP loopback hop (by hand: requests would withhold them), where the proxy would
have carried them over TLS.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import gevent
from gevent.event import Event
from locust import HttpUser, constant, events, task
from locust.exception import StopUser

SIGN_IN = "sign-in"
SIGN_IN_TIMEOUT = 180.0  # seconds for every user to sign in, before the run is called failed
DRAIN_TIMEOUT = 120.0  # seconds for the requests in flight to answer between two windows
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


def _env(name: str) -> str:
    return os.environ[f"RIEP_LOAD_{name}"]


class _Run:
    """The run's state: the sign-ins, the phases and their windows, what each window measured."""

    def __init__(self) -> None:
        self.accounts = [tuple(pair) for pair in json.loads(Path(_env("ACCOUNTS")).read_text())]
        self.users = len(self.accounts)
        self.login = _env("LOGIN")
        self.phases = [
            (phase, [tuple(p) for p in paths]) for phase, paths in json.loads(_env("PHASES"))
        ]
        self.seconds = float(_env("SECONDS"))
        self.results = Path(_env("RESULTS"))
        self.sign_ins: list[float] = []  # milliseconds, both requests of a sign-in
        self.phase = 0
        self.open = Event()  # set while a window is open: users wait on it
        self.opened_at: float | None = None
        self.in_flight = 0
        self.windows: dict[str, float] = {}  # seconds each phase's window lasted
        self.cpu_at_open = 0.0
        # locust's own CPU time over each window, as a share of one CPU: a busy client delays
        # its own requests.
        self.client_cpu: dict[str, float] = {}
        self.samples = {name: [] for _, paths in self.phases for name, _ in paths}
        self.errors: list[str] = []

    def paths(self) -> list[tuple[str, str]]:
        return self.phases[self.phase][1]

    def open_window(self, environment) -> None:
        self.opened_at = time.perf_counter()
        self.open.set()
        self.cpu_at_open = time.process_time()
        gevent.spawn_later(self.seconds, self.close_window, environment)

    def close_window(self, environment) -> None:
        self.open.clear()
        phase, seconds = self.phases[self.phase][0], time.perf_counter() - self.opened_at
        self.windows[phase] = seconds
        self.client_cpu[phase] = (time.process_time() - self.cpu_at_open) / seconds
        self.opened_at = None
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while self.in_flight and time.monotonic() < deadline:
            gevent.sleep(0.05)
        if self.in_flight:
            self.errors.append(f"{self.in_flight} requests still unanswered {DRAIN_TIMEOUT} s on")
            _stop(environment, failed=True)
        elif self.phase + 1 < len(self.phases):
            self.phase += 1
            self.open_window(environment)
        else:
            _stop(environment, failed=False)

    def write(self) -> None:
        self.results.write_text(
            json.dumps(
                {
                    "users": self.users,
                    "signed_in": len(self.sign_ins),
                    "sign_in_ms": self.sign_ins,
                    "complete": len(self.windows) == len(self.phases),
                    "windows": self.windows,
                    "client_cpu": self.client_cpu,
                    "samples": self.samples,
                    "errors": self.errors,
                }
            )
        )


RUN = _Run()


@events.request.add_listener
def _record(name, response_time, exception, **_kwargs) -> None:
    if exception is not None:
        RUN.errors.append(f"{name}: {exception}")
    elif RUN.opened_at is not None and name in RUN.samples:
        RUN.samples[name].append(response_time)


@events.quitting.add_listener
def _write_results(environment, **_kwargs) -> None:
    RUN.write()


def _stop(environment, *, failed: bool) -> None:
    if failed:
        environment.process_exit_code = 1
    gevent.spawn(environment.runner.quit)  # not from a user's greenlet, which quit() kills


class BoardMember(HttpUser):
    wait_time = constant(0)  # no think time: the users keep the server busy

    def on_start(self) -> None:
        self.client.headers["X-Forwarded-Proto"] = "https"
        if not RUN.accounts:
            self._fail("more locust users than accounts")
        username, password = RUN.accounts.pop()
        self.position = len(RUN.accounts)  # users start at different places in the cycle
        start = time.perf_counter()
        self._sign_in(username, password)
        RUN.sign_ins.append((time.perf_counter() - start) * 1000)
        if len(RUN.sign_ins) == RUN.users:
            RUN.open_window(self.environment)
        elif not RUN.open.wait(timeout=SIGN_IN_TIMEOUT):
            self._fail(
                f"{RUN.users - len(RUN.sign_ins)} users not signed in after {SIGN_IN_TIMEOUT} s"
            )

    def _sign_in(self, username: str, password: str) -> None:
        with self._get(RUN.login, SIGN_IN) as response:
            token = CSRF_FIELD.search(response.text or "")
            if response.status_code != 200 or token is None:
                response.failure(f"sign-in page: {response.status_code}, CSRF token found: {token}")
                self._fail(f"{username} could not open the sign-in page")
        # The headers a browser sends with the form (the production CSRF check reads Origin).
        origin = "https://" + urlsplit(self.host).netloc
        with self.client.post(
            RUN.login,
            data={"username": username, "password": password, "csrfmiddlewaretoken": token[1]},
            headers={"Origin": origin, "Referer": origin + RUN.login},
            cookies=self._cookies(),
            name=SIGN_IN,
            catch_response=True,
            allow_redirects=False,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or location.startswith(RUN.login):
                response.failure(f"sign-in refused: {response.status_code} {location}")
                self._fail(f"{username} could not sign in")

    def _fail(self, reason: str) -> None:
        RUN.errors.append(reason)
        _stop(self.environment, failed=True)
        raise StopUser()

    @task
    def next_request(self) -> None:
        RUN.open.wait()  # between two windows: until the requests in flight have answered
        paths = RUN.paths()
        name, path = paths[self.position % len(paths)]
        self.position += 1
        RUN.in_flight += 1
        try:
            with self._get(path, name) as response:
                if response.status_code != 200:
                    location = response.headers.get("Location", "")
                    response.failure(f"{response.status_code} {location}".strip())
        finally:
            RUN.in_flight -= 1

    def _get(self, path: str, name: str):
        return self.client.get(
            path, name=name, cookies=self._cookies(), catch_response=True, allow_redirects=False
        )

    def _cookies(self) -> dict[str, str]:
        """Every cookie the site set, ``Secure`` ones included, as a browser sends them over
        HTTPS (requests keeps ``Secure`` cookies to itself over plain HTTP)."""
        return self.client.cookies.get_dict()
