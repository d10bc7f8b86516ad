"""Management commands of the returns app, and the actor they act as."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def command_user(username: str, *, permission: str, doing: str):
    """The user a command run with --user USERNAME acts as, with that user's permissions.

    Refused (CommandError) when there is no such user, or the user is inactive or lacks
    ``permission``. Without --user the commands act as ``services.system_actor()``.
    """
    User = get_user_model()
    try:
        user = User.objects.get(**{User.USERNAME_FIELD: username})
    except User.DoesNotExist as error:
        raise CommandError(f'There is no user "{username}".') from error
    if not user.is_active or not user.has_perm(permission):
        raise CommandError(f'The user "{username}" may not {doing}.')
    return user
