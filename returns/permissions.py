"""Who may do what with a return. Every channel (pages, API, import, commands) asks here."""

from __future__ import annotations

from authorities.roles import sub_region_of
from authorities.scope import regions_of
from targets.models import TargetSet, TargetSetKind

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


def can_record_plan(user, target_set_id: int | None) -> bool:
    """The Director records a council's improvement plan monitoring (seed 004), whichever
    sub-region of their region the council is in: ``returns.record_plan_progress``, for a
    plan's returns only."""
    if target_set_id is None or not getattr(user, "is_authenticated", False):
        return False
    if not user.has_perm("returns.record_plan_progress"):
        return False
    plans = TargetSet.objects.filter(pk=target_set_id, kind=TargetSetKind.IMPROVEMENT_PLAN)
    # Their own region's councils' plans only (authorities.scope).
    return regions_of(user).filter(plans).exists()


def can_edit_return_of(user, sub_region_id: int, target_set_id: int | None) -> bool:
    """Whether ``user`` may change a return of the sub-region for the target set: its
    programme manager (``can_edit_sub_region``), or for an improvement plan the Director."""
    return can_edit_sub_region(user, sub_region_id) or can_record_plan(user, target_set_id)


def can_submit(user, return_obj: Return) -> bool:
    return (is_system(user) or user.has_perm("returns.submit_return")) and can_edit_sub_region(
        user, return_obj.sub_region_id
    )


def can_sign_off(user) -> bool:
    return is_system(user) or (user.is_authenticated and user.has_perm("returns.approve_return"))
