"""No escalation through the admin (riep/admin.py): the Administrator (staff, not superuser)
manages users and reference data, but only a superuser grants superuser or staff status, roles
or permissions, by any route: the user change and add forms, the group forms, passwords."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from authorities.roles import ADMINISTRATOR, DIRECTOR, PROGRAMME_MANAGER
from tests.factories import RegionFactory, make_user

User = get_user_model()


@pytest.fixture
def administrator(db, client):
    user = make_user(ADMINISTRATOR, username="admin", is_staff=True)
    client.force_login(user)
    return user


def group_ids(*names: str) -> list[str]:
    return [str(Group.objects.get(name=name).pk) for name in names]


def approve_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="returns", codename="approve_return")


def change_form(user, **overrides) -> dict:
    """What the user change form posts, with every granting field set as an attacker would."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": group_ids(DIRECTOR, PROGRAMME_MANAGER, ADMINISTRATOR),
        "user_permissions": [str(approve_permission().pk)],
        "date_joined_0": "2010-01-20",
        "date_joined_1": "09:00:00",
        "initial-date_joined_0": "2010-01-20",
        "initial-date_joined_1": "09:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(overrides)
    return data


def user_url(user, view: str = "change") -> str:
    return reverse(f"admin:auth_user_{view}", args=[user.pk])


def roles(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def test_the_administrator_cannot_make_itself_superuser_or_take_roles(client, administrator):
    response = client.post(user_url(administrator), change_form(administrator, first_name="Sam"))

    assert response.status_code == 302  # the rest of the form is saved...
    administrator.refresh_from_db()
    assert administrator.first_name == "Sam"
    # ...but no flag, role or permission it posted.
    assert not administrator.is_superuser
    assert roles(administrator) == {ADMINISTRATOR}
    assert not administrator.user_permissions.exists()
    assert not administrator.has_perm("returns.approve_return")


def test_the_administrator_cannot_give_anyone_a_role_or_a_permission(client, administrator):
    colleague = make_user(None, username="newcomer")

    response = client.post(user_url(colleague), change_form(colleague, email="n@example.org"))

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.email == "n@example.org"
    assert (colleague.is_superuser, colleague.is_staff) == (False, False)
    assert roles(colleague) == set()
    assert not colleague.user_permissions.exists()


def test_the_change_form_shows_the_granting_fields_read_only(client, administrator):
    colleague = make_user(None, username="newcomer")

    form = client.get(user_url(colleague)).context["adminform"].form

    for name in ("is_superuser", "is_staff", "groups", "user_permissions"):
        assert name not in form.fields
    assert "email" in form.fields


def test_the_add_form_grants_nothing_to_the_new_user(client, administrator):
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newcomer",
            "usable_password": "true",
            "password1": "a-long-new-password-2010",
            "password2": "a-long-new-password-2010",
            "is_superuser": "on",
            "is_staff": "on",
            "groups": group_ids(DIRECTOR),
            "user_permissions": [str(approve_permission().pk)],
        },
    )

    assert response.status_code == 302
    newcomer = User.objects.get(username="newcomer")
    assert (newcomer.is_superuser, newcomer.is_staff) == (False, False)
    assert roles(newcomer) == set()
    assert not newcomer.user_permissions.exists()


def test_a_superuser_may_give_a_role_on_the_add_form(client, db):
    client.force_login(User.objects.create_superuser("root", password="pw"))

    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "director2",
            "usable_password": "true",
            "password1": "a-long-new-password-2010",
            "password2": "a-long-new-password-2010",
            "groups": group_ids(DIRECTOR),
        },
    )

    assert response.status_code == 302
    assert roles(User.objects.get(username="director2")) == {DIRECTOR}


def test_a_superuser_still_grants_roles_on_the_change_form(client, db):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    user = make_user(None, username="newcomer")

    response = client.post(
        user_url(user), change_form(user, is_superuser="", groups=group_ids(DIRECTOR))
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert roles(user) == {DIRECTOR}
    assert user.is_staff


def test_the_administrator_cannot_change_a_role_or_its_permissions(client, administrator):
    group = Group.objects.get(name=ADMINISTRATOR)
    before = set(group.permissions.all())

    response = client.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": ADMINISTRATOR, "permissions": [str(p.pk) for p in Permission.objects.all()]},
    )

    assert response.status_code == 403
    assert set(group.permissions.all()) == before
    assert not User.objects.get(pk=administrator.pk).has_perm("returns.approve_return")


def test_the_administrator_cannot_add_or_delete_a_role(client, administrator):
    added = client.post(
        reverse("admin:auth_group_add"),
        {"name": "Everything", "permissions": [str(p.pk) for p in Permission.objects.all()]},
    )
    director = Group.objects.get(name=DIRECTOR)
    deleted = client.post(reverse("admin:auth_group_delete", args=[director.pk]), {"post": "yes"})

    assert (added.status_code, deleted.status_code) == (403, 403)
    assert not Group.objects.filter(name="Everything").exists()
    assert Group.objects.filter(name=DIRECTOR).exists()


def test_the_administrator_still_reads_the_roles(client, administrator):
    group = Group.objects.get(name=DIRECTOR)

    assert client.get(reverse("admin:auth_group_changelist")).status_code == 200
    assert client.get(reverse("admin:auth_group_change", args=[group.pk])).status_code == 200


@pytest.mark.parametrize("target_kind", ["director", "superuser", "inactive director"])
def test_the_administrator_cannot_take_over_a_higher_account(client, administrator, target_kind):
    if target_kind == "superuser":
        target = User.objects.create_superuser("root", password="old-password")
    else:
        target = make_user(DIRECTOR, username="director")
        target.set_password("old-password")
        target.is_active = target_kind == "director"
        target.save()

    changed = client.post(
        user_url(target), change_form(target, email="mine@example.org", is_active="on")
    )
    password = client.post(
        user_url(target, "password_change"),
        {"password1": "taken-over-2010!", "password2": "taken-over-2010!"},
    )

    assert changed.status_code == 403
    assert password.status_code == 403
    target.refresh_from_db()
    assert target.check_password("old-password")
    assert target.email == ""
    assert target.is_active == (target_kind != "inactive director")


def test_the_administrator_may_view_a_higher_account(client, administrator):
    director = make_user(DIRECTOR, username="director")

    response = client.get(user_url(director))

    assert response.status_code == 200
    assert not response.context["has_change_permission"]


def test_the_administrator_manages_accounts_it_outranks(client, administrator):
    other = make_user(ADMINISTRATOR, username="admin2", is_staff=True)
    plain = make_user(None, username="plain")

    for user in (other, plain):
        response = client.post(
            user_url(user, "password_change"),
            {"password1": "a-new-password-2010!", "password2": "a-new-password-2010!"},
        )
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password("a-new-password-2010!")
    deactivate = change_form(plain, is_active="")
    assert client.post(user_url(plain), deactivate).status_code == 302
    plain.refresh_from_db()
    assert not plain.is_active


def test_the_administrator_still_manages_reference_data(client, administrator):
    region = RegionFactory()

    response = client.post(
        reverse("admin:authorities_region_change", args=[region.pk]),
        {"slug": region.slug, "name": "East Midlands (RIEP)"},
    )

    assert response.status_code == 302
    region.refresh_from_db()
    assert region.name == "East Midlands (RIEP)"
