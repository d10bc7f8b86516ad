"""Site-wide response rules (riep/middleware.py, settings): no-store for signed-in users, a
Permissions-Policy everywhere, a database lock failure answered 409 rather than 500, and
friendly error pages (templates/404.html, 403.html, 500.html) instead of a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from rest_framework.authtoken.models import Token

from authorities.roles import BOARD_MEMBER
from riep.middleware import BUSY_MESSAGE, is_lock_failure
from tests.factories import make_user
from tests.returns.test_services import line_of, make_world, open_

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SITE_TITLE = "East Midlands Improvement and Efficiency Partnership"


@pytest.fixture
def board(db):
    return make_user(BOARD_MEMBER, username="board")


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


# ------------------------------------------------------------------ Cache-Control: no-store


@pytest.mark.parametrize(
    "url", ["/", "/authorities/", "/returns/", "/target-sets/", "/api/v1/authorities/"]
)
def test_signed_in_pages_and_json_are_never_stored(client, board, url):
    client.force_login(board)

    response = client.get(url)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_json_for_a_token_is_never_stored(client, board):
    token = Token.objects.create(user=board)

    response = client.get("/api/v1/authorities/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_a_signed_in_users_404_and_403_are_never_stored_either(client, board):
    client.force_login(board)

    assert client.get("/no-such-page/")["Cache-Control"] == "no-store"
    assert client.get(reverse("returns:import"))["Cache-Control"] == "no-store"


def test_static_files_for_anyone_may_be_cached(client, db):
    response = client.get("/static/css/app.css")
    response.close()

    assert response.status_code == 200
    assert "no-store" not in directives(response)


# ------------------------------------------------------------------ Permissions-Policy


@pytest.mark.parametrize(
    ("url", "signed_in"),
    [
        ("/", True),
        ("/api/v1/authorities/", True),
        ("/accounts/login/", False),
        ("/static/css/app.css", False),
        ("/no-such-page/", False),
        ("/admin/login/", False),
    ],
)
def test_every_response_carries_a_permissions_policy(client, board, url, signed_in):
    if signed_in:
        client.force_login(board)

    response = client.get(url)
    response.close()  # a static file is streamed from an open file
    policy = response["Permissions-Policy"]

    features = dict(item.split("=") for item in policy.split(", "))
    assert features["camera"] == "()"
    assert features["geolocation"] == "()"
    assert features["microphone"] == "()"
    assert set(features.values()) == {"()"}


# ------------------------------------------------------------------ a busy database: 409


@pytest.fixture
def line_world(db):
    world = make_world()
    world.return_obj = open_(world)
    world.line = line_of(world.return_obj, world.county, world.invoices)
    return world


class DriverError(Exception):
    """What psycopg raises, with its SQLSTATE; Django's OperationalError wraps it."""

    def __init__(self, sqlstate: str):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def busy(message="database is locked", sqlstate=None):
    error = OperationalError(message)
    if sqlstate:
        error.__cause__ = DriverError(sqlstate)
    return error


def raise_(error):
    def fail(**kwargs):
        raise error

    return fail


def line_post(client, world):
    return client.post(
        reverse("returns:line", args=[world.return_obj.pk, world.line.pk]),
        {"version": "1", "state": "value", "actual": "96", "target_value": "95"},
    )


def api_patch(client, world):
    line = {"authority": world.county.slug, "target": world.invoices.number, "actual": "96"}
    return client.patch(
        reverse("api-return-lines", args=[world.return_obj.pk]),
        json.dumps({"version": 1, "lines": [line]}),
        content_type="application/json",
    )


@pytest.mark.parametrize(
    "error",
    [
        busy("database is locked"),
        busy("database table is locked: returns_return"),
        busy("canceling statement due to lock timeout", sqlstate="55P03"),
        busy("deadlock detected", sqlstate="40P01"),
    ],
    ids=["sqlite locked", "sqlite table locked", "postgres lock timeout", "postgres deadlock"],
)
def test_a_lock_failure_on_a_page_is_a_409_saying_try_again(line_world, monkeypatch, error):
    monkeypatch.setattr("returns.services.update_lines", raise_(error))
    client = Client(raise_request_exception=False)
    client.force_login(line_world.pm)

    response = line_post(client, line_world)

    assert response.status_code == 409
    html = response.content.decode()
    assert escape(BUSY_MESSAGE) in html
    assert SITE_TITLE in html
    assert "Traceback" not in html


def test_a_lock_failure_in_the_api_is_a_409_in_json(line_world, monkeypatch):
    monkeypatch.setattr("returns.services.update_lines", raise_(busy()))
    client = Client(raise_request_exception=False)
    client.force_login(line_world.pm)

    response = api_patch(client, line_world)

    assert response.status_code == 409
    assert response.json() == {"detail": BUSY_MESSAGE}


def test_any_other_database_error_stays_a_500_without_a_traceback(line_world, monkeypatch):
    monkeypatch.setattr("returns.services.update_lines", raise_(busy("no such table: x")))
    client = Client(raise_request_exception=False)
    client.force_login(line_world.pm)

    response = line_post(client, line_world)

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "no such table" not in response.content.decode()


def test_is_lock_failure_reads_only_database_errors():
    assert is_lock_failure(busy())
    assert not is_lock_failure(RuntimeError("database is locked"))
    assert not is_lock_failure(busy("server closed the connection", sqlstate="08006"))


# ------------------------------------------------------------------ error pages


def test_the_404_page_is_the_sites_own(client, board):
    client.force_login(board)

    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in html
    assert SITE_TITLE in html
    assert "Sign out" in html  # the signed-in layout of base.html


def test_the_403_page_is_the_sites_own(client, board):
    client.force_login(board)

    response = client.get(reverse("returns:import"))

    assert response.status_code == 403
    assert "You cannot do that" in response.content.decode()


def test_the_500_page_is_the_sites_own_without_a_traceback(board, monkeypatch):
    def broken(self, **kwargs):
        raise RuntimeError("secret detail of the failure")

    monkeypatch.setattr("riep.views.HomeView.get_context_data", broken)
    client = Client(raise_request_exception=False)
    client.force_login(board)

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in html
    # Rendered without the request's context (Django's 500 handler): the partnership unnamed.
    assert "Regional Improvement and Efficiency Partnership" in html
    assert "secret detail" not in html
    assert "Traceback" not in html


# ------------------------------------------------------------------ `make run`'s settings

LOCAL_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
missing = client.get("/no-such-page/")
static = client.get("/static/css/app.css")
static.close()
# The database under this probe has no tables: signing in fails inside the view.
failed = client.post("/accounts/login/", {"username": "x", "password": "y"})
print(json.dumps({
    "debug": settings.DEBUG,
    "missing": [missing.status_code, missing.content.decode()],
    "static": static.status_code,
    "failed": [failed.status_code, failed.content.decode()],
}))
"""


def probe_local(tmp_path, **environment) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(DJANGO_SETTINGS_MODULE="riep.settings.local", RIEP_VAR_DIR=str(tmp_path))
    env.update(environment)
    result = subprocess.run(  # noqa: S603 (our interpreter, a fixed script)
        [sys.executable, "-c", LOCAL_PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_make_run_serves_no_traceback_but_still_its_static_files(tmp_path):
    probe = probe_local(tmp_path)

    assert probe["debug"] is False
    assert probe["static"] == 200
    status, html = probe["missing"]
    assert (status, "Page not found" in html, "Traceback" not in html) == (404, True, True)
    status, html = probe["failed"]
    assert status == 500
    assert "Something went wrong" in html
    assert "no such table" not in html
    assert "Traceback" not in html


def test_a_developer_may_ask_for_debug(tmp_path):
    assert probe_local(tmp_path, DJANGO_DEBUG="1")["debug"] is True
