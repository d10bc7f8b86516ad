"""`setup_demo` creates or updates the demo users, only where demo data is allowed."""

import pytest
from django.contrib.auth import authenticate as django_authenticate
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import RequestFactory

from authorities.roles import PROGRAMME_MANAGER, sub_region_of
from riep.demo import DEMO_USERS, ensure_demo_users
from tests.factories import SubRegionFactory


def authenticate(**credentials):
    """Sign in as the login page does: with a request (django-axes needs its address)."""
    request = RequestFactory().post("/accounts/login/")
    return django_authenticate(request, **credentials)


SRPS = [
    "derbyshire",
    "leicestershire-rutland",
    "lincolnshire",
    "northamptonshire",
    "nottinghamshire",
]


@pytest.fixture
def srps(db):
    return [SubRegionFactory(slug=slug, name=slug.title()) for slug in SRPS]


def test_demo_users_have_their_role_password_and_sub_region(srps, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "board-pack-2010")

    ensure_demo_users(password="board-pack-2010")

    for demo in DEMO_USERS:
        user = authenticate(username=demo.username, password="board-pack-2010")
        assert user is not None, demo.username
        assert list(user.groups.values_list("name", flat=True)) == [demo.role]
    pm = get_user_model().objects.get(username="pm-lincolnshire")
    assert sub_region_of(pm).slug == "lincolnshire"
    assert get_user_model().objects.get(username="admin").is_staff


def test_running_twice_updates_instead_of_duplicating(srps):
    ensure_demo_users(password="first-password")
    ensure_demo_users(password="second-password")

    User = get_user_model()
    assert User.objects.filter(username__in=[d.username for d in DEMO_USERS]).count() == len(
        DEMO_USERS
    )
    assert authenticate(username="board", password="second-password") is not None
    assert authenticate(username="board", password="first-password") is None


def test_command_uses_demo_password_from_environment(srps, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "from-the-environment")
    call_command("setup_demo", verbosity=0)
    user = authenticate(username="pm-derbyshire", password="from-the-environment")
    assert user.groups.get().name == PROGRAMME_MANAGER


def test_refused_where_demo_data_is_not_allowed(srps, settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(ImproperlyConfigured):
        ensure_demo_users(password="x")
