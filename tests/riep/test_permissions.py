"""Who may open each page and API endpoint of the reference data: every role × anonymous."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from tests.factories import AuthorityFactory, SubRegionFactory, TargetFactory, make_user

ANONYMOUS = "anonymous"
NO_ROLE = "no role"
ROLES = [PROGRAMME_MANAGER, BOARD_MEMBER, DIRECTOR, ADMINISTRATOR]

PAGES = [
    ("home", {}),
    ("authorities:list", {}),
    ("targets:set-list", {}),
    ("targets:set-detail", {"slug": "stretch"}),
]
API = [
    ("api-authorities", {}),
    ("api-target-sets", {}),
    ("api-targets", {"slug": "stretch"}),
]


@pytest.fixture
def reference(db):
    sub_region = SubRegionFactory(slug="derbyshire", name="Derbyshire")
    AuthorityFactory(sub_region=sub_region)
    TargetFactory(target_set__slug="stretch")
    return sub_region


def client_for(client, who, sub_region):
    if who == ANONYMOUS:
        return client
    role = None if who == NO_ROLE else who
    user = make_user(role, sub_region=sub_region if role == PROGRAMME_MANAGER else None)
    client.force_login(user)
    return client


def expected_page_status(who, name):
    if who == ANONYMOUS:
        return 302
    if who == NO_ROLE:
        return 200 if name == "home" else 403
    return 200


@pytest.mark.parametrize("who", [ANONYMOUS, NO_ROLE, *ROLES])
@pytest.mark.parametrize(("name", "kwargs"), PAGES)
def test_page_access(client, reference, who, name, kwargs):
    response = client_for(client, who, reference).get(reverse(name, kwargs=kwargs))

    assert response.status_code == expected_page_status(who, name)
    if who == ANONYMOUS:
        assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("who", [ANONYMOUS, NO_ROLE, *ROLES])
@pytest.mark.parametrize(("name", "kwargs"), API)
def test_api_access(client, reference, who, name, kwargs):
    response = client_for(client, who, reference).get(reverse(name, kwargs=kwargs))

    expected = {ANONYMOUS: 401, NO_ROLE: 403}.get(who, 200)
    assert response.status_code == expected
    if who == ANONYMOUS:
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(("name", "kwargs"), API)
def test_api_accepts_a_token(client, reference, name, kwargs):
    token = Token.objects.create(user=make_user(BOARD_MEMBER))

    response = client.get(reverse(name, kwargs=kwargs), HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200


def test_api_rejects_a_wrong_token(client, reference):
    response = client.get(reverse("api-authorities"), HTTP_AUTHORIZATION="Token not-a-token")

    assert response.status_code == 401


@pytest.mark.parametrize("who", [PROGRAMME_MANAGER, BOARD_MEMBER, DIRECTOR])
def test_only_administrators_reach_the_admin(client, reference, who):
    user = make_user(who, is_staff=False)
    client.force_login(user)

    response = client.get("/admin/")

    assert response.status_code == 302


def test_administrator_reaches_the_admin_and_can_edit_authorities(client, reference):
    client.force_login(make_user(ADMINISTRATOR, is_staff=True))

    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/authorities/authority/").status_code == 200
    assert client.get("/admin/authorities/authority/add/").status_code == 200
    assert client.get("/admin/targets/targetset/add/").status_code == 200


def test_unknown_target_set_is_404(client, reference):
    client.force_login(make_user(BOARD_MEMBER))

    assert client.get(reverse("targets:set-detail", kwargs={"slug": "nope"})).status_code == 404
    assert client.get(reverse("api-targets", kwargs={"slug": "nope"})).status_code == 404
