"""Who may do what on the returns pages: every role × every action, with the status code.

A programme manager sees and changes only their own sub-region's returns (another's are 404);
Board members and the Administrator read; the Director reads and signs off. Anonymous users
are sent to sign in; a signed-in user without a role is refused (403).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from returns import services
from returns.models import Return, ReturnStatus
from tests.returns.test_services import Q2, line_of, make_world, open_

ANONYMOUS, NO_ROLE = "anonymous", "no role"
PM_OWN, PM_OTHER = "programme manager (own sub-region)", "programme manager (another)"
BOARD, DIRECTOR, ADMIN = "board member", "director", "administrator"
WHO = [ANONYMOUS, NO_ROLE, PM_OWN, PM_OTHER, BOARD, DIRECTOR, ADMIN]

# action: (method, url name, status of the return beforehand)
ACTIONS = {
    "list": ("get", "returns:list", ReturnStatus.DRAFT),
    "start": ("post", "returns:list", ReturnStatus.DRAFT),
    "detail": ("get", "returns:detail", ReturnStatus.DRAFT),
    "edit GET": ("get", "returns:edit", ReturnStatus.DRAFT),
    "edit POST": ("post", "returns:edit", ReturnStatus.DRAFT),
    "line GET": ("get", "returns:line", ReturnStatus.DRAFT),
    "line POST": ("post", "returns:line", ReturnStatus.DRAFT),
    "submit": ("post", "returns:submit", ReturnStatus.DRAFT),
    "approve": ("post", "returns:approve", ReturnStatus.SUBMITTED),
    "send back": ("post", "returns:send-back", ReturnStatus.SUBMITTED),
    "reopen": ("post", "returns:reopen", ReturnStatus.APPROVED),
    "copy forward": ("post", "returns:copy-forward", ReturnStatus.DRAFT),
}

R, W = 200, 302  # a page read; a write done (redirected back)
EXPECTED = {
    #              list start detail editG editP lineG lineP submit approve sendback reopen copy
    PM_OWN: dict(zip(ACTIONS, [R, W, R, R, W, R, W, W, 403, 403, 403, W], strict=True)),
    PM_OTHER: dict(zip(ACTIONS, [R, W, *[404] * 10], strict=True)),
    BOARD: dict(zip(ACTIONS, [R, 403, R, 403, 403, R, 403, 403, 403, 403, 403, 403], strict=True)),
    DIRECTOR: dict(zip(ACTIONS, [R, 403, R, 403, 403, R, 403, 403, W, W, W, 403], strict=True)),
    ADMIN: dict(zip(ACTIONS, [R, 403, R, 403, 403, R, 403, 403, 403, 403, 403, 403], strict=True)),
}
#: The actions that change the return (its version moves when they are done).
WRITES = {"edit POST", "line POST", "submit", "approve", "send back", "reopen", "copy forward"}


def expected_status(who: str, action: str) -> int:
    if who == ANONYMOUS:
        return 302
    if who == NO_ROLE:
        return 403
    return EXPECTED[who][action]


@pytest.fixture
def world(db):
    world = make_world()
    earlier = open_(world, Q2)  # so that copy forward has a quarter to copy from
    services.update_lines(
        return_obj=earlier,
        changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 96}},
        actor=world.pm,
        channel="web",
    )
    world.return_obj = open_(world)
    world.line = line_of(world.return_obj, world.county, world.invoices)
    return world


def user_for(world, who):
    return {
        NO_ROLE: world.no_role,
        PM_OWN: world.pm,
        PM_OTHER: world.pm_other,
        BOARD: world.board,
        DIRECTOR: world.director,
        ADMIN: world.admin,
    }[who]


def request_for(world, action):
    method, name, _ = ACTIONS[action]
    return_obj, line = world.return_obj, world.line
    if name == "returns:list":
        url = reverse(name)
    elif name == "returns:line":
        url = reverse(name, args=[return_obj.pk, line.pk])
    else:
        url = reverse(name, args=[return_obj.pk])
    version = str(return_obj.version)
    data = {
        "start": {"target_set": world.target_set.pk, "quarter": "2009-4"},
        "edit POST": {
            "version": version,
            **{f"initial-v-{pk}": "" for pk in return_obj.lines.values_list("pk", flat=True)},
            **{f"v-{pk}": "" for pk in return_obj.lines.values_list("pk", flat=True)},
            f"v-{line.pk}": "91",
        },
        "line POST": {
            "version": version,
            "state": "value",
            "actual": "91",
            "target_value": "95",
            "date_of_data": "2009-12-01",
            "manual_rating": "",
            "manual_reason": "",
            "comment": "Checked.",
            "source": "",
        },
        "submit": {"comment": "", "confirm_all": "on"},
        "approve": {"comment": ""},
        "send back": {"comment": "Please check target 1."},
        "reopen": {"comment": "A figure was corrected."},
    }.get(action, {})
    return method, url, data


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("who", WHO)
def test_every_role_and_action(client, world, who, action):
    _, _, status = ACTIONS[action]
    Return.objects.filter(pk=world.return_obj.pk).update(status=status)
    world.return_obj.refresh_from_db()
    if who != ANONYMOUS:
        client.force_login(user_for(world, who))
    method, url, data = request_for(world, action)

    response = getattr(client, method)(url, data)

    expected = expected_status(who, action)
    assert response.status_code == expected, (who, action)
    if who == ANONYMOUS:
        assert response["Location"].startswith("/accounts/login/?next=")
    version = Return.objects.get(pk=world.return_obj.pk).version
    if action in WRITES:
        done = expected == 302 and who != ANONYMOUS
        assert (version != world.return_obj.version) is done, (who, action)
    if action == "start" and expected == 302 and who != ANONYMOUS:
        assert Return.objects.filter(year=2009, quarter=4).get().sub_region == (
            world.sub_region if who == PM_OWN else world.other_region
        )
