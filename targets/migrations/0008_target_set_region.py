"""Each target set is a region's (issue 13: all nine regions).

Existing sets are the East Midlands partnership's: an improvement plan takes its council's
region; every other set takes the one region there is (East Midlands, created if no region
exists yet, as the product's reference data names it).
"""

import django.db.models.deletion
from django.db import migrations, models


def fill_regions(apps, schema_editor):
    TargetSet = apps.get_model("targets", "TargetSet")
    Region = apps.get_model("authorities", "Region")
    default = None
    for target_set in TargetSet.objects.filter(region__isnull=True):
        if target_set.council_id is not None:
            target_set.region_id = target_set.council.sub_region.region_id
        else:
            if default is None:
                default = (
                    Region.objects.filter(slug="east-midlands").first()
                    or Region.objects.order_by("pk").first()
                    or Region.objects.create(slug="east-midlands", name="East Midlands")
                )
            target_set.region_id = default.pk
        target_set.save(update_fields=["region"])


class Migration(migrations.Migration):
    dependencies = [
        ("authorities", "0004_region_membership"),
        ("targets", "0007_plans_projects_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicaltargetset",
            name="region",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The partnership (region) whose targets these are.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="authorities.region",
            ),
        ),
        migrations.AddField(
            model_name="targetset",
            name="region",
            field=models.ForeignKey(
                help_text="The partnership (region) whose targets these are.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="target_sets",
                to="authorities.region",
            ),
        ),
        migrations.RunPython(fill_regions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="targetset",
            name="region",
            field=models.ForeignKey(
                help_text="The partnership (region) whose targets these are.",
                on_delete=django.db.models.deletion.PROTECT,
                related_name="target_sets",
                to="authorities.region",
            ),
        ),
    ]
