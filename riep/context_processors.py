from django.conf import settings

from authorities.names import partnership_name
from authorities.roles import is_national, region_name_of, roles_of

#: How the pages name every region's partnerships at once (a national user's).
NATIONAL = "All nine Regional Improvement and Efficiency Partnerships"


def navigation(request):
    """What the navigation bar needs, computed once per request: the user's roles, and whose
    partnership the pages are: the user's region's; every region's for a national user (bound to
    none); the deployment's default region before signing in
    (settings.RIEP_DEFAULT_REGION_NAME)."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    # The region first: one query (kept on the user for the request), where asking whether the
    # user is national would load their permissions on a page that needs none.
    region = region_name_of(user) if signed_in else ""
    if not region and signed_in and is_national(user):
        name, short = NATIONAL, "RIEPs"
    else:
        region = region or settings.RIEP_DEFAULT_REGION_NAME
        name, short = partnership_name(region), f"{region} RIEP"
    return {
        "user_roles": sorted(roles_of(user)) if user is not None else [],
        "partnership": name,
        "partnership_short": short,
    }
