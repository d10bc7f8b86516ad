"""Who may do what with a return. Every channel (pages, API, import, commands) asks here."""

from __future__ import annotations

from authorities.roles import sub_region_of

from .models import Return

SYSTEM_USERNAME = "system"


def is_system(user) -> bool:
    """The system actor stands for management commands run without --user."""
    return getattr(user, "username", None) == SYSTEM_USERNAME and not user.is_active


def can_view(user, return_obj: Return) -> bool:
    return Return.objects.for_user(user).filter(pk=return_obj.pk).exists()


def can_edit_sub_region(user, sub_region_id: int) -> bool:
    """Programme managers edit their own sub-region's returns only; the system actor any."""
    if is_system(user):
        return True
    if not user.is_authenticated or not user.has_perm("returns.change_returnline"):
        return False
    own = sub_region_of(user)
    return own is not None and own.pk == sub_region_id


def can_submit(user, return_obj: Return) -> bool:
    return (is_system(user) or user.has_perm("returns.submit_return")) and can_edit_sub_region(
        user, return_obj.sub_region_id
    )


def can_sign_off(user) -> bool:
    return is_system(user) or (user.is_authenticated and user.has_perm("returns.approve_return"))
