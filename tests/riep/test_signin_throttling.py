"""Sign-in throttling with django-axes (riep.signin, AXES_* settings): a lockout after repeated
failures per username and address on every sign-in path, a clear message, an administrator's
unlock, and a record of every sign-in visible to administrators."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from authorities.roles import ADMINISTRATOR, DIRECTOR
from riep.signin import client_ip
from tests.factories import make_user

BASE_DIR = Path(__file__).resolve().parent.parent.parent
PATHS = ["/accounts/login/", "/admin/login/"]
LIMIT = 5


@pytest.fixture
def director(db):
    # Staff too, so that a sign-in on the admin's own page succeeds when not locked.
    user = make_user(DIRECTOR, username="director", is_staff=True)
    user.set_password("the-right-password")
    user.save()
    return user


def sign_in(client: Client, path: str, password: str, *, username: str = "director", **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", PATHS)
def test_fifty_wrong_passwords_and_then_the_right_one_does_not_sign_in(client, director, path):
    for _ in range(50):
        sign_in(client, path, "a-wrong-guess")

    response = sign_in(client, path, "the-right-password")

    assert response.status_code == 429
    assert not signed_in(client)
    html = response.content.decode()
    assert "Too many failed sign-ins for “director” from your address" in html
    assert "signing in is locked for 30 minutes" in html
    assert "An administrator can unlock it sooner" in html


@pytest.mark.parametrize("path", PATHS)
def test_the_lock_starts_at_the_fifth_failure(client, director, path):
    for _ in range(LIMIT - 1):
        assert sign_in(client, path, "a-wrong-guess").status_code == 200

    assert sign_in(client, path, "a-wrong-guess").status_code == 429


def test_fewer_failures_than_the_limit_still_sign_in_and_are_forgotten(client, director):
    for _ in range(LIMIT - 1):
        sign_in(client, "/accounts/login/", "a-wrong-guess")

    response = sign_in(client, "/accounts/login/", "the-right-password")

    assert response.status_code == 302
    assert signed_in(client)
    assert not AccessAttempt.objects.filter(username="director").exists()


def test_the_lock_is_per_username_and_address(client, director):
    for _ in range(LIMIT):
        sign_in(client, "/accounts/login/", "a-wrong-guess")
    colleague = make_user(ADMINISTRATOR, username="colleague")
    colleague.set_password("colleagues-password")
    colleague.save()

    elsewhere, same_address = Client(REMOTE_ADDR="192.0.2.7"), Client()

    assert sign_in(elsewhere, "/accounts/login/", "the-right-password").status_code == 302
    assert signed_in(elsewhere)
    response = sign_in(
        same_address, "/accounts/login/", "colleagues-password", username="colleague"
    )
    assert response.status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, director):
    for _ in range(LIMIT):
        sign_in(client, "/accounts/login/", "a-wrong-guess")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=31))

    assert sign_in(client, "/accounts/login/", "the-right-password").status_code == 302


def test_an_administrator_unlocks_in_the_admin(client, director):
    for _ in range(LIMIT):
        sign_in(client, "/accounts/login/", "a-wrong-guess")
    [attempt] = AccessAttempt.objects.filter(username="director")
    administrator = Client()
    administrator.force_login(make_user(ADMINISTRATOR, username="admin", is_staff=True))

    listed = administrator.get(reverse("admin:axes_accessattempt_changelist"))
    deleted = administrator.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )

    assert listed.status_code == 200
    assert "director" in listed.content.decode()
    assert deleted.status_code == 302
    assert sign_in(client, "/accounts/login/", "the-right-password").status_code == 302


def test_the_reset_command_unlocks_too(client, director):
    for _ in range(LIMIT):
        sign_in(client, "/admin/login/", "a-wrong-guess")

    call_command("axes_reset_username", "director", verbosity=0)

    assert sign_in(client, "/admin/login/", "the-right-password").status_code == 302


def test_sign_ins_are_recorded_with_who_when_and_where(client, director):
    before = timezone.now()
    sign_in(client, "/accounts/login/", "a-wrong-guess", REMOTE_ADDR="198.51.100.4")
    sign_in(client, "/accounts/login/", "the-right-password", REMOTE_ADDR="198.51.100.4")

    failure = AccessFailureLog.objects.get()
    success = AccessLog.objects.filter(username="director").get()
    assert (failure.username, failure.ip_address) == ("director", "198.51.100.4")
    assert (success.username, success.ip_address) == ("director", "198.51.100.4")
    assert failure.attempt_time >= before
    assert success.attempt_time >= failure.attempt_time
    assert success.path_info == "/accounts/login/"


@pytest.mark.parametrize(
    "url", ["admin:axes_accesslog_changelist", "admin:axes_accessfailurelog_changelist"]
)
def test_administrators_see_the_sign_in_records(client, director, url):
    sign_in(Client(), "/accounts/login/", "a-wrong-guess")
    sign_in(Client(), "/accounts/login/", "the-right-password")
    client.force_login(make_user(ADMINISTRATOR, username="admin", is_staff=True))

    response = client.get(reverse(url))

    assert response.status_code == 200
    assert "director" in response.content.decode()
    assert "127.0.0.1" in response.content.decode()


def test_others_do_not_see_the_sign_in_records(client, director):
    client.force_login(director)

    assert client.get(reverse("admin:axes_accesslog_changelist")).status_code == 403


@pytest.mark.parametrize(
    ("proxies", "forwarded", "remote", "expected"),
    [
        (0, "203.0.113.9", "127.0.0.1", "127.0.0.1"),  # no proxy: the header is ignored
        (1, "203.0.113.9", "127.0.0.1", "203.0.113.9"),
        (1, "10.9.9.9, 203.0.113.9", "127.0.0.1", "203.0.113.9"),  # the left one is the client's
        (2, "203.0.113.9, 10.0.0.2", "127.0.0.1", "203.0.113.9"),
        (1, "", "127.0.0.1", "127.0.0.1"),
        (1, "not-an-address", "127.0.0.1", None),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(
    settings, proxies, forwarded, remote, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().post("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


@pytest.mark.parametrize(
    "module", ["riep.settings.local", "riep.settings.test", "riep.settings.production"]
)
def test_every_settings_module_throttles_sign_in(module, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE=module,
        DJANGO_SECRET_KEY="x" * 64,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.AUTHENTICATION_BACKENDS[0], s.MIDDLEWARE[-1], "
        "'axes' in s.INSTALLED_APPS, s.AXES_ENABLED, s.AXES_FAILURE_LIMIT, "
        "s.AXES_LOCKOUT_PARAMETERS]))"
    )
    result = subprocess.run(  # noqa: S603 (our interpreter, a fixed script)
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert json.loads(result.stdout) == [
        "axes.backends.AxesStandaloneBackend",
        "axes.middleware.AxesMiddleware",
        True,
        True,
        5,
        [["username", "ip_address"]],
    ]
