"""Who may use the work pages: every role × the rating preview, the line panel, the deadlines,
the notices and an upload's page, with the status code (as tests/returns/test_permissions.py
does for the returns pages)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from returns import import_uploads
from returns.models import Deadline
from tests.returns.test_permissions import (
    ADMIN,
    ANONYMOUS,
    BOARD,
    DIRECTOR,
    NO_ROLE,
    PM_OTHER,
    PM_OWN,
    WHO,
    user_for,
)
from tests.returns.test_services import line_of, make_world, open_

ACTIONS = [
    "rate preview",
    "panel GET",
    "panel POST",
    "deadlines GET",
    "deadlines POST",
    "notices GET",
    "notice settings POST",
    "upload GET",
]
#                    preview panelG panelP deadG deadP noticesG settingsP uploadG
EXPECTED = {
    PM_OWN: [200, 200, 200, 200, 403, 200, 302, 200],
    PM_OTHER: [404, 404, 404, 200, 403, 200, 302, 404],
    BOARD: [403, 403, 403, 200, 403, 200, 302, 403],
    DIRECTOR: [403, 403, 403, 200, 302, 200, 302, 403],
    ADMIN: [403, 403, 403, 200, 403, 200, 302, 403],
    NO_ROLE: [403, 403, 403, 403, 403, 200, 302, 403],
}


@pytest.fixture
def world(db):
    world = make_world()
    world.return_obj = open_(world)
    world.line = line_of(world.return_obj, world.county, world.invoices)
    world.upload = import_uploads.keep_upload(
        content=b"sub_region,authority,target_set,target,period,actual\n",
        filename="empty.csv",
        user=world.pm,
    )
    return world


def request_for(world, action: str):
    pk, line = world.return_obj.pk, world.line
    panel = reverse("returns:line-panel", args=[pk, line.pk])
    return {
        "rate preview": (
            "post",
            reverse("returns:rate-preview", args=[pk]),
            {"line": line.pk, "actual": "96"},
        ),
        "panel GET": ("get", panel, {}),
        "panel POST": (
            "post",
            panel,
            {"version": world.return_obj.version, "state": "value", "actual": "96"},
        ),
        "deadlines GET": ("get", reverse("returns:deadlines"), {}),
        "deadlines POST": (
            "post",
            reverse("returns:deadlines"),
            {"quarter": "2009-3", "due": "2010-01-15"},
        ),
        "notices GET": ("get", reverse("returns:notices"), {}),
        "notice settings POST": ("post", reverse("returns:notice-settings"), {}),
        "upload GET": ("get", reverse("returns:upload", args=[world.upload.pk]), {}),
    }[action]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", WHO)
def test_every_role_and_work_action(client, world, who, action):
    if who != ANONYMOUS:
        client.force_login(user_for(world, who))
    method, url, data = request_for(world, action)

    response = getattr(client, method)(url, data)

    expected = 302 if who == ANONYMOUS else EXPECTED[who][ACTIONS.index(action)]
    assert response.status_code == expected, (who, action)
    if who == ANONYMOUS:
        assert response["Location"].startswith("/accounts/login/?next=")
    if action == "deadlines POST":
        assert Deadline.objects.exists() is (expected == 302 and who != ANONYMOUS)
    if action == "panel POST":
        world.line.refresh_from_db()
        assert (world.line.actual is not None) is (expected == 200)
