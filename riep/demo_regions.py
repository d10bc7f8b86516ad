"""The demo's second region: the West Midlands, so that the region isolation can be seen.

No seed paper gives any figure, target or return of another region: the demo creates the West
Midlands partnership with one sub-regional partnership (Staffordshire and Stoke-on-Trent), its
councils by their real names, and its users, and nothing else. Every authority's source says
so, and the home page says that no target set of the region is recorded. No GSS code is given:
the papers give none for them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from authorities.models import Authority, AuthorityKind, Region, SubRegion

REGION_SLUG = "west-midlands"
REGION_NAME = "West Midlands"
SUB_REGION_SLUG = "staffordshire-stoke"
SUB_REGION_NAME = "Staffordshire and Stoke-on-Trent"
SOURCE = (
    "Demo only: no seed paper gives the West Midlands' data; its councils are named so that "
    "a second region's isolation can be seen. No target, return or figure of it is recorded."
)

#: (slug, name, short name, kind): the county, the unitary city and the county's districts.
AUTHORITIES = (
    ("staffordshire", "Staffordshire County Council", "Staffordshire CC", AuthorityKind.COUNTY),
    ("stoke-on-trent", "Stoke-on-Trent City Council", "Stoke-on-Trent", AuthorityKind.UNITARY),
    ("cannock-chase", "Cannock Chase District Council", "Cannock Chase", AuthorityKind.DISTRICT),
    (
        "east-staffordshire",
        "East Staffordshire Borough Council",
        "East Staffordshire",
        AuthorityKind.DISTRICT,
    ),
    ("lichfield", "Lichfield District Council", "Lichfield", AuthorityKind.DISTRICT),
    (
        "newcastle-under-lyme",
        "Newcastle-under-Lyme Borough Council",
        "Newcastle-under-Lyme",
        AuthorityKind.DISTRICT,
    ),
    (
        "south-staffordshire",
        "South Staffordshire Council",
        "South Staffordshire",
        AuthorityKind.DISTRICT,
    ),
    ("stafford", "Stafford Borough Council", "Stafford", AuthorityKind.DISTRICT),
    (
        "staffordshire-moorlands",
        "Staffordshire Moorlands District Council",
        "Staffordshire Moorlands",
        AuthorityKind.DISTRICT,
    ),
    ("tamworth", "Tamworth Borough Council", "Tamworth", AuthorityKind.DISTRICT),
)


@transaction.atomic
def ensure_second_region() -> str:
    """Create the West Midlands region, its sub-region and councils where missing."""
    if not settings.DEMO_DATA_ALLOWED:
        raise ImproperlyConfigured("The demo's second region is only created in a demo database.")
    region, _ = Region.objects.get_or_create(slug=REGION_SLUG, defaults={"name": REGION_NAME})
    sub_region, _ = SubRegion.objects.get_or_create(
        slug=SUB_REGION_SLUG, defaults={"region": region, "name": SUB_REGION_NAME}
    )
    created = 0
    for slug, name, short_name, kind in AUTHORITIES:
        _, new = Authority.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "short_name": short_name,
                "kind": kind,
                "sub_region": sub_region,
                "source": SOURCE,
            },
        )
        created += new
    return (
        f"Second region: {region.name}, {sub_region.name} and {len(AUTHORITIES)} councils "
        f"({created} new); no data of it is recorded (no paper gives any)."
    )
