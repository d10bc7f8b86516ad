from authorities.roles import roles_of


def navigation(request):
    """What the navigation bar needs: the user's roles, computed once per request."""
    user = getattr(request, "user", None)
    return {"user_roles": sorted(roles_of(user)) if user is not None else []}
