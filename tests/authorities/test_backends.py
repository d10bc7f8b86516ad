"""The permission backend answers as Django's ModelBackend does, in one query."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission

from authorities.backends import PermissionBackend
from authorities.roles import ALL_ROLES, BOARD_MEMBER, DIRECTOR
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _fresh(user):
    """The user as a request loads it: nothing cached."""
    return get_user_model().objects.get(pk=user.pk)


def _own_permission(user, codename: str) -> None:
    user.user_permissions.add(Permission.objects.get(codename=codename))


@pytest.mark.parametrize("role", [None, *ALL_ROLES])
@pytest.mark.parametrize("national", [False, True])
def test_the_same_permissions_as_djangos_backend(role, national):
    user = make_user(role, national=national)
    assert PermissionBackend().get_all_permissions(_fresh(user)) == (
        ModelBackend().get_all_permissions(_fresh(user))
    )


def test_own_and_group_permissions_together_and_no_duplicate():
    user = make_user(DIRECTOR)
    _own_permission(user, "view_all_regions")
    _own_permission(user, "view_return")  # also the Director's through the group
    found = PermissionBackend().get_all_permissions(_fresh(user))
    assert {"authorities.view_all_regions", "returns.view_return"} <= found
    assert found == ModelBackend().get_all_permissions(_fresh(user))


def test_one_query_then_none(django_assert_num_queries):
    user = _fresh(make_user(BOARD_MEMBER))
    backend = PermissionBackend()
    with django_assert_num_queries(1):
        assert backend.has_perm(user, "returns.view_return")
    with django_assert_num_queries(0):
        assert not backend.has_perm(user, "returns.approve_return")
        assert backend.get_all_permissions(user) == user._perm_cache


def test_the_settings_use_it_for_every_permission_check(django_assert_num_queries):
    user = _fresh(make_user(BOARD_MEMBER))
    with django_assert_num_queries(1):
        assert user.has_perm("returns.view_return")
        assert not user.has_perm("returns.approve_return")


def test_inactive_superuser_and_object_permissions_as_django():
    inactive = make_user(DIRECTOR, is_active=False)
    assert PermissionBackend().get_all_permissions(_fresh(inactive)) == set()
    boss = get_user_model().objects.create_superuser("boss", "boss@example.org", "pw")
    assert PermissionBackend().get_all_permissions(_fresh(boss)) == {
        f"{ct}.{codename}"
        for ct, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }
    director = make_user(DIRECTOR)
    assert PermissionBackend().get_all_permissions(_fresh(director), obj=director) == set()


def test_a_permission_taken_away_is_gone_on_the_next_request():
    user = make_user(None)
    _own_permission(user, "view_all_regions")
    assert _fresh(user).has_perm("authorities.view_all_regions")
    user.user_permissions.clear()
    assert not _fresh(user).has_perm("authorities.view_all_regions")
