from rest_framework.permissions import BasePermission


class HasRequiredPermission(BasePermission):
    """Signed-in users holding the view's `required_permission` (a Django permission name)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        required = getattr(view, "required_permission", None)
        return required is None or user.has_perm(required)
