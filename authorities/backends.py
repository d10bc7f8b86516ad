"""Django's model backend, reading a user's permissions in one query.

Every page checks a permission, and a request's user comes without any: Django's
``ModelBackend`` reads them in two ORM queries (the user's own, then their groups'), about a
millisecond of building SQL for a handful of rows. The roles of this product are groups, so
every request paid it. This backend gives the same answer, the same ``"app_label.codename"``
strings cached on the user for the request (``_perm_cache``), from one statement written once.
Everything else (authentication, inactive users, superusers, object permissions, the async
methods) is Django's own.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection


@cache
def _statement() -> str:
    """The permissions of one user, own and through groups (two parameters: the user's id
    twice). Table and column names come from the models, quoted for the database in use."""
    quote = connection.ops.quote_name
    user_model = get_user_model()
    own = user_model.user_permissions.through._meta
    member = user_model.groups.through._meta
    granted = Group.permissions.through._meta

    def column(meta, name: str) -> str:
        return quote(meta.get_field(name).column)

    user_field = user_model._meta.model_name
    # Only names from the models' metadata, quoted, are formatted in: the user's id is a
    # parameter.
    return (
        f"SELECT ct.{quote('app_label')}, p.{quote('codename')} "  # noqa: S608
        f"FROM {quote(Permission._meta.db_table)} p "
        f"JOIN {quote(ContentType._meta.db_table)} ct ON ct.{quote('id')} = p."
        f"{quote(Permission._meta.get_field('content_type').column)} "
        f"WHERE p.{quote('id')} IN ("
        f"SELECT {column(own, 'permission')} FROM {quote(own.db_table)} "
        f"WHERE {column(own, user_field)} = %s "
        f"UNION SELECT g.{column(granted, 'permission')} FROM {quote(granted.db_table)} g "
        f"JOIN {quote(member.db_table)} m ON m.{column(member, 'group')} = g."
        f"{column(granted, 'group')} WHERE m.{column(member, user_field)} = %s)"
    )


class PermissionBackend(ModelBackend):
    """``ModelBackend`` with ``get_all_permissions`` in one query (see the module's note)."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            with connection.cursor() as cursor:
                cursor.execute(_statement(), [user_obj.pk, user_obj.pk])
                rows = cursor.fetchall()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache
