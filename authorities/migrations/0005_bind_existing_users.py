"""Bind the existing Board members, Directors and administrators to the region they served
(issue 13: all nine regions).

Before regions, every such user saw the whole (only) region: the East Midlands. Each is bound
to it (or to the one region there is), so that nobody loses sight of their data on upgrading.
Users already bound, and programme managers (bound through their sub-region), are left alone.
A fresh database has no region and no user: nothing to do.
"""

from django.db import migrations

REGIONAL_ROLES = ("Board Member", "Director", "Administrator")


def bind(apps, schema_editor):
    Region = apps.get_model("authorities", "Region")
    RegionMembership = apps.get_model("authorities", "RegionMembership")
    User = apps.get_model("auth", "User")
    regions = list(Region.objects.order_by("pk")[:2])
    region = Region.objects.filter(slug="east-midlands").first() or (
        regions[0] if len(regions) == 1 else None
    )
    if region is None:
        return
    users = User.objects.filter(groups__name__in=REGIONAL_ROLES, region_membership__isnull=True)
    RegionMembership.objects.bulk_create(
        RegionMembership(user=user, region=region) for user in users.distinct()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("authorities", "0004_region_membership"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(bind, migrations.RunPython.noop)]
