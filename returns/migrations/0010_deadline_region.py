"""Each region's own deadlines (issue 13: all nine regions).

Before, a deadline without a target set made every set of every region due, and any region's
Director could move it. Now every deadline belongs to a region: a set's deadline to its set's
region; a general one to the region of the Director who set it, else the East Midlands (before
regions the only one), else the one region there is. A general deadline no region can be found
for cannot be kept meaningfully and the upgrade stops rather than guess.
"""

import django.db.models.deletion
from django.db import migrations, models


def assign_regions(apps, schema_editor):
    Deadline = apps.get_model("returns", "Deadline")
    Region = apps.get_model("authorities", "Region")
    RegionMembership = apps.get_model("authorities", "RegionMembership")
    regions = list(Region.objects.order_by("pk")[:2])
    fallback = Region.objects.filter(slug="east-midlands").first() or (
        regions[0] if len(regions) == 1 else None
    )
    for deadline in Deadline.objects.select_related("target_set"):
        if deadline.target_set_id:
            region_id = deadline.target_set.region_id
        else:
            binding = RegionMembership.objects.filter(user_id=deadline.set_by_id).first()
            region_id = binding.region_id if binding else (fallback.pk if fallback else None)
        if region_id is None:
            raise RuntimeError(
                f"Deadline {deadline.pk} ({deadline.year} Q{deadline.quarter}) belongs to no "
                "region that can be found: bind its setter to a region and migrate again."
            )
        Deadline.objects.filter(pk=deadline.pk).update(region_id=region_id)


class Migration(migrations.Migration):
    dependencies = [
        ("authorities", "0005_bind_existing_users"),
        ("returns", "0009_transition_comment_bound"),
        ("targets", "0008_target_set_region"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="deadline", name="one_general_deadline_per_quarter"),
        migrations.AddField(
            model_name="deadline",
            name="region",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deadlines",
                to="authorities.region",
            ),
        ),
        migrations.AddField(
            model_name="historicaldeadline",
            name="region",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="The region whose returns are due (a set's deadline: the set's region).",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="authorities.region",
            ),
        ),
        migrations.RunPython(assign_regions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="deadline",
            name="region",
            field=models.ForeignKey(
                help_text="The region whose returns are due (a set's deadline: the set's region).",
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deadlines",
                to="authorities.region",
            ),
        ),
        migrations.AlterField(
            model_name="deadline",
            name="target_set",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: every target set of the region in force that quarter.",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deadlines",
                to="targets.targetset",
            ),
        ),
        migrations.AlterField(
            model_name="historicaldeadline",
            name="target_set",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                help_text="Empty: every target set of the region in force that quarter.",
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="targets.targetset",
            ),
        ),
        migrations.AddConstraint(
            model_name="deadline",
            constraint=models.UniqueConstraint(
                condition=models.Q(("target_set__isnull", True)),
                fields=("region", "year", "quarter"),
                name="one_general_deadline_per_region_and_quarter",
            ),
        ),
    ]
