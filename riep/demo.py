"""The local demo: documented users for each role (never created in production)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from authorities.models import Membership, Region, RegionMembership, SubRegion
from authorities.roles import (
    ADMINISTRATOR,
    BOARD_MEMBER,
    DIRECTOR,
    PROGRAMME_MANAGER,
    REGIONAL_ROLES,
    make_national,
)

from .demo_regions import REGION_SLUG as SECOND_REGION
from .demo_regions import SUB_REGION_SLUG as SECOND_SUB_REGION
from .demo_regions import ensure_second_region

#: The default region: the East Midlands partnership, whose papers the demo data comes from.
DEFAULT_REGION = "east-midlands"

DEFAULT_DEMO_PASSWORD = "stretch-targets-2010"  # noqa: S105 - documented demo credential


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str
    sub_region_slug: str | None = None
    is_staff: bool = False
    # A Board member's, the Director's or an administrator's region (a programme manager's is
    # their sub-region's); a national user sees every region.
    region_slug: str = DEFAULT_REGION
    national: bool = False


DEMO_USERS = (
    DemoUser("pm-derbyshire", "Derbyshire", "Programme Manager", PROGRAMME_MANAGER, "derbyshire"),
    DemoUser(
        "pm-leicestershire",
        "Leicestershire/Rutland",
        "Programme Manager",
        PROGRAMME_MANAGER,
        "leicestershire-rutland",
    ),
    DemoUser(
        "pm-lincolnshire", "Lincolnshire", "Programme Manager", PROGRAMME_MANAGER, "lincolnshire"
    ),
    DemoUser(
        "pm-northamptonshire",
        "Northamptonshire",
        "Programme Manager",
        PROGRAMME_MANAGER,
        "northamptonshire",
    ),
    DemoUser(
        "pm-nottinghamshire",
        "Nottinghamshire",
        "Programme Manager",
        PROGRAMME_MANAGER,
        "nottinghamshire",
    ),
    DemoUser("board", "Board", "Member", BOARD_MEMBER),
    DemoUser("director", "Chris", "Allison", DIRECTOR),
    DemoUser("admin", "Site", "Administrator", ADMINISTRATOR, is_staff=True),
    # The second region (riep.demo_regions): its users see the West Midlands alone.
    DemoUser(
        "pm-staffordshire",
        "Staffordshire",
        "Programme Manager",
        PROGRAMME_MANAGER,
        SECOND_SUB_REGION,
        region_slug=SECOND_REGION,
    ),
    DemoUser("board-wm", "West Midlands", "Board Member", BOARD_MEMBER, region_slug=SECOND_REGION),
    DemoUser("director-wm", "West Midlands", "Director", DIRECTOR, region_slug=SECOND_REGION),
    # Sees every region side by side (authorities.view_all_regions).
    DemoUser("national", "National", "Viewer", BOARD_MEMBER, national=True),
)


@transaction.atomic
def ensure_demo_users(*, password: str) -> list[str]:
    """Create or update the demo users so that each has exactly its documented role and password."""
    if not settings.DEMO_DATA_ALLOWED:
        raise ImproperlyConfigured("Demo users are only created in a local demo database.")
    ensure_second_region()
    User = get_user_model()
    done = []
    for demo in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=demo.username)
        user.first_name = demo.first_name
        user.last_name = demo.last_name
        user.email = f"{demo.username}@example.org"
        user.is_staff = demo.is_staff
        user.is_superuser = False
        user.is_active = True
        user.set_password(password)
        user.full_clean()
        user.save()
        user.groups.set([Group.objects.get(name=demo.role)])
        if demo.sub_region_slug:
            sub_region = SubRegion.objects.get(slug=demo.sub_region_slug)
            Membership.objects.update_or_create(user=user, defaults={"sub_region": sub_region})
        else:
            Membership.objects.filter(user=user).delete()
        if demo.role in REGIONAL_ROLES and not demo.national:
            region = Region.objects.get(slug=demo.region_slug)
            RegionMembership.objects.update_or_create(user=user, defaults={"region": region})
        else:
            RegionMembership.objects.filter(user=user).delete()
        user.user_permissions.clear()
        if demo.national:
            make_national(user)
        done.append(demo.username)
    return done


#: The quarter of the demo returns (seed 002's December 2009 returns: 2009/10 Q3).
DEMO_DEADLINE_QUARTER = (2009, 3)
#: The papers give no deadline for the returns: the demo sets one this many days after the demo
#: is first loaded, so that the deadline, the days left and the reminders have something to
#: show (and says so beside the deadline).
DEMO_DEADLINE_DAYS = 14
DEMO_DEADLINE_NOTE = (
    "Demo deadline: the papers give none for the December 2009 returns; the demo set it "
    f"{DEMO_DEADLINE_DAYS} days after it was first loaded."
)


@transaction.atomic
def ensure_demo_deadline() -> str:
    """The demo's deadline for the 2009/10 Q3 returns, set by the demo Director if there is
    none (an existing one, perhaps moved by the Director, is left as it is)."""
    if not settings.DEMO_DATA_ALLOWED:
        raise ImproperlyConfigured("The demo deadline is only set in a local demo database.")
    from returns.models import Deadline

    year, quarter = DEMO_DEADLINE_QUARTER
    director = get_user_model().objects.get(username="director")
    deadline, created = Deadline.objects.get_or_create(
        region=director.region_membership.region,
        year=year,
        quarter=quarter,
        target_set=None,
        defaults={
            "due": timezone.localdate() + timedelta(days=DEMO_DEADLINE_DAYS),
            "note": DEMO_DEADLINE_NOTE,
            "set_by": director,
        },
    )
    return f"Demo deadline {'set' if created else 'kept'}: {deadline}."
