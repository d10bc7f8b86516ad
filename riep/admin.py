"""Users and groups in the admin, without escalation.

Only a superuser grants superuser or staff status, roles (groups) or permissions. The
Administrator (staff, not superuser) manages users, but:

* on every user form (change and add) the superuser and staff flags, the groups and the
  permissions are read-only for anyone but a superuser;
* groups (roles and their permissions) are changed, added and deleted by superusers only;
* a user who is a superuser, or holds any permission the acting user does not hold (through a
  role or directly, active or not), can be viewed but not changed, given a new password or
  deleted by a non-superuser: otherwise setting the Director's password or e-mail address would
  be a way to act as the Director.

Django registers its own User and Group admins; this app, installed after django.contrib.auth,
replaces them. Both show their history (roles, staff and superuser status, permissions: who
changed them, when, from what; riep/models.py), read-only (authorities.admin.HistoryAdmin).
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q

from authorities.admin import HistoryAdmin
from authorities.scope import regions_of

User = get_user_model()

#: What only a superuser may set on a user.
GRANTING_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")


def permissions_held(user) -> set[str]:
    """Every permission a user holds directly or through a group, whether active or not
    (``get_all_permissions`` answers nothing for an inactive user, who could be reactivated)."""
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .distinct()
    }


def may_manage(actor, user) -> bool:
    """Whether ``actor`` may change, reset the password of, or delete ``user``: a superuser
    anyone; anyone else only users who are not superusers and hold nothing the actor lacks."""
    if actor.is_superuser:
        return True
    if user.is_superuser:
        return False
    return permissions_held(user) <= permissions_held(actor)


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class RiepUserAdmin(HistoryAdmin, UserAdmin):
    def get_queryset(self, request):
        # The users of the administrator's region: its programme managers, its Board, its
        # Director, its administrators; and the users bound to no region yet (a new account,
        # for its administrator to bind). Every user for a national user.
        queryset = super().get_queryset(request)
        regions = regions_of(request.user)
        if regions.everything:
            return queryset
        return queryset.filter(
            regions.condition("membership__sub_region__region_id")
            | regions.condition("region_membership__region_id")
            | Q(membership__isnull=True, region_membership__isnull=True)
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += [name for name in GRANTING_FIELDS if name not in fields]
        return fields

    def get_fieldsets(self, request, obj=None):
        if obj is None and request.user.is_superuser:
            # A superuser may give a new user their role on the add form itself.
            return (*self.add_fieldsets, ("Role", {"fields": ("is_staff", "groups")}))
        return super().get_fieldsets(request, obj)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or may_manage(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or may_manage(request.user, obj)

    def delete_queryset(self, request, queryset):
        if any(not may_manage(request.user, user) for user in queryset):
            raise PermissionDenied
        super().delete_queryset(request, queryset)


@admin.register(Group)
class RiepGroupAdmin(HistoryAdmin, GroupAdmin):
    """Roles are read by administrators and changed by superusers only."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
