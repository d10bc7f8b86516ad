"""GET /healthz: the database and the task worker's heartbeat, for probes; no sign-in, no
sensitive data, never cached."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from reports.models import WorkerHeartbeat
from riep import health
from tests.worker_support import dead_pid

pytestmark = pytest.mark.django_db


def _heartbeat(*, age: int = 0, pid: int | None = None) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="w-1",
        hostname=socket.gethostname(),
        pid=pid or os.getpid(),
        started_at=now - timedelta(seconds=age),
        seen_at=now - timedelta(seconds=age),
    )


def _check(client):
    response = client.get(reverse("healthz"))
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    return response.status_code, response.json()


def test_healthy_when_the_database_answers_and_a_worker_beats(client):
    _heartbeat(age=5)

    assert _check(client) == (200, {"status": "ok", "checks": {"database": "ok", "worker": "ok"}})


def test_no_sign_in_is_needed_and_head_works_too(client):
    _heartbeat()

    assert client.head(reverse("healthz")).status_code == 200
    assert client.post(reverse("healthz")).status_code == 405


def test_a_stale_heartbeat_is_a_failure(client, settings):
    _heartbeat(age=settings.TASK_WORKER_STALE_SECONDS + 1)

    assert _check(client) == (
        503,
        {"status": "fail", "checks": {"database": "ok", "worker": "no heartbeat"}},
    )


def test_a_fresh_heartbeat_of_a_dead_process_is_a_failure(client):
    _heartbeat(pid=dead_pid())

    assert _check(client)[1]["checks"]["worker"] == "no heartbeat"


def test_no_worker_at_all_is_a_failure(client):
    assert _check(client) == (
        503,
        {"status": "fail", "checks": {"database": "ok", "worker": "no heartbeat"}},
    )


def test_the_database_down_is_a_failure_without_details(client, monkeypatch):
    def refused(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.5 port 5432 failed: secret-host")

    monkeypatch.setattr(health.connection, "cursor", refused)

    status, body = _check(client)

    assert (status, body) == (
        503,
        {"status": "fail", "checks": {"database": "unavailable", "worker": "unknown"}},
    )
    assert "secret-host" not in str(body)


def test_the_heartbeat_unreadable_is_unknown(client, monkeypatch):
    def broken():
        raise OperationalError("no such table: reports_workerheartbeat")

    monkeypatch.setattr(health, "worker_running", broken)

    assert _check(client) == (
        503,
        {"status": "fail", "checks": {"database": "ok", "worker": "unknown"}},
    )
