"""History of Django's own users and roles (groups), kept in this app.

Who holds which role, who is staff or superuser, and which permissions a role or a user holds:
every change is kept with its old and new values, who made it and when (issue 12), the groups
and permissions (many-to-many) included. The password hash and the time of the last sign-in are
not kept (sign-ins are recorded by django-axes, see riep/signin.py).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from simple_history import register

register(
    get_user_model(),
    app="riep",
    m2m_fields=["groups", "user_permissions"],
    excluded_fields=["password", "last_login"],
)
register(Group, app="riep", m2m_fields=["permissions"])
