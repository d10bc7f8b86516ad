"""Fifty people save the same line at the same moment, on the line page and through the API:
one save wins, the 49 others are told the line changed meanwhile (409), on SQLite as on
PostgreSQL, and none gets a 500. (SQLite takes the write lock at BEGIN: settings'
"transaction_mode": "IMMEDIATE"; a deferred transaction that had read first was refused at
once with "database is locked".)"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from returns.models import Return
from tests.returns.test_services import line_of, make_world, open_

pytestmark = pytest.mark.django_db(transaction=True)
SAVES = 50


@pytest.fixture
def world(transactional_db):
    world = make_world()
    world.return_obj = open_(world)
    world.line = line_of(world.return_obj, world.county, world.invoices)
    return world


def all_at_once(world, save) -> list:
    """Run ``save(client, n)`` for n in 0..49 in 50 threads released together; the responses."""
    clients = []
    for _ in range(SAVES):
        client = Client(raise_request_exception=False)
        client.force_login(world.pm)
        clients.append(client)
    barrier = threading.Barrier(SAVES)
    responses: list = [None] * SAVES

    def worker(number: int) -> None:
        try:
            barrier.wait(timeout=60)
            responses[number] = save(clients[number], number)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(SAVES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def value_of(number: int) -> str:
    return str(50 + number)


def test_fifty_concurrent_line_page_saves_give_one_success_and_49_conflicts(world):
    url = reverse("returns:line", args=[world.return_obj.pk, world.line.pk])
    fields = {
        "version": "1",
        "state": "value",
        "target_value": "95",
        "date_of_data": "",
        "manual_rating": "",
        "manual_reason": "",
        "comment": "",
        "source": "",
    }

    responses = all_at_once(
        world, lambda client, n: client.post(url, {**fields, "actual": value_of(n)})
    )

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [302] + [409] * (SAVES - 1)
    for response in responses:
        if response.status_code == 409:
            assert "Someone else changed this return" in response.content.decode()
    [winner] = [n for n, response in enumerate(responses) if response.status_code == 302]
    world.line.refresh_from_db()
    assert world.line.actual == Decimal(value_of(winner))
    assert Return.objects.get(pk=world.return_obj.pk).version == 2


def test_fifty_concurrent_api_saves_give_one_success_and_49_conflicts(world):
    url = reverse("api-return-lines", args=[world.return_obj.pk])

    def save(client, number):
        line = {
            "authority": world.county.slug,
            "target": world.invoices.number,
            "actual": value_of(number),
        }
        return client.patch(url, {"version": 1, "lines": [line]}, content_type="application/json")

    responses = all_at_once(world, save)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [409] * (SAVES - 1)
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"stale"}
    [winner] = [n for n, response in enumerate(responses) if response.status_code == 200]
    world.line.refresh_from_db()
    assert world.line.actual == Decimal(value_of(winner))
