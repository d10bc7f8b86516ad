"""The four roles of the product, as Django groups, and the sub-region a user is bound to.

Groups are created by data migrations. Each app's migration grants its own permissions to the
groups through `grant()`, so no app reaches into a higher one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from .models import SubRegion

PROGRAMME_MANAGER = "Programme Manager"
BOARD_MEMBER = "Board Member"
DIRECTOR = "Director"
ADMINISTRATOR = "Administrator"
ALL_ROLES = (PROGRAMME_MANAGER, BOARD_MEMBER, DIRECTOR, ADMINISTRATOR)
#: The roles bound to a whole region (``RegionMembership``); a programme manager's region is
#: their sub-region's.
REGIONAL_ROLES = (BOARD_MEMBER, DIRECTOR, ADMINISTRATOR)


def grant(apps, schema_editor, *, app_label: str, grants: dict[str, list[str]]) -> None:
    """Give each named group the listed codenames of `app_label` (for use in data migrations).

    Permissions are normally created after all migrations have run; we create this app's now so
    that a fresh database has the groups complete when `migrate` returns.
    """
    from django.contrib.auth.management import create_permissions

    for config in apps.get_app_configs():
        # Migration state apps have no models module; create_permissions skips such apps.
        config.models_module = True
        create_permissions(config, verbosity=0, apps=apps, using=schema_editor.connection.alias)
        config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in grants.items():
        group, _ = Group.objects.get_or_create(name=group_name)
        perms = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Unknown permissions for {app_label}: {sorted(missing)}")
        group.permissions.add(*perms)


def roles_of(user: AbstractBaseUser) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(user.groups.values_list("name", flat=True))


def sub_region_of(user: AbstractBaseUser) -> SubRegion | None:
    """The sub-region a programme manager is bound to, or None for everyone else."""
    membership = getattr(user, "membership", None) if user.is_authenticated else None
    return membership.sub_region if membership else None


def _bindings(user: AbstractBaseUser) -> tuple[int | None, int | None, str]:
    """(sub-region id, region id, the name of the region either binds to) of the user: one
    query, kept on the user object for the request (as Django keeps its permissions), whichever
    is asked first."""
    cached = getattr(user, "_riep_bindings", None)
    if cached is None:
        if not user.is_authenticated or user.pk is None:
            return None, None, ""
        from django.contrib.auth import get_user_model

        row = (
            get_user_model()
            .objects.filter(pk=user.pk)
            .values_list(
                "membership__sub_region_id",
                "region_membership__region_id",
                "region_membership__region__name",
                "membership__sub_region__region__name",
            )
            .first()
        )
        if row is None:
            cached = (None, None, "")
        else:
            sub_region, region, bound_name, sub_region_name = row
            cached = (sub_region, region, bound_name or sub_region_name or "")
        user._riep_bindings = cached
    return cached


def region_name_of(user: AbstractBaseUser) -> str:
    """The name of the region the user is bound to ("" when none; no query of its own)."""
    if not getattr(user, "is_authenticated", False) or not hasattr(user, "_meta"):
        return ""
    return _bindings(user)[2]


def sub_region_id_of(user: AbstractBaseUser) -> int | None:
    """The id of the sub-region a programme manager is bound to (no query for the sub-region)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "pk") or not hasattr(user, "_meta"):
        membership = getattr(user, "membership", None)  # a stand-in reader (papers' commands)
        return membership.sub_region_id if membership else None
    return _bindings(user)[0]


def region_id_of(user: AbstractBaseUser) -> int | None:
    """The id of the region a Board member, the Director or an administrator is bound to
    (``RegionMembership``), or None (a programme manager's region is their sub-region's)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "pk") or not hasattr(user, "_meta"):
        binding = getattr(user, "region_membership", None)  # a stand-in reader
        return binding.region_id if binding else None
    return _bindings(user)[1]


def is_national(user: AbstractBaseUser) -> bool:
    """A national user sees every region side by side (``authorities.view_all_regions``)."""
    return bool(user.is_authenticated and user.has_perm("authorities.view_all_regions"))


def make_national(user: AbstractBaseUser) -> None:
    """Let ``user`` see every region (the national user: a benchmark's, a demo's)."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="authorities", codename="view_all_regions")
    )
