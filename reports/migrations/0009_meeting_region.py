"""Each meeting is a region's Board's (issue 13: all nine regions).

Existing meetings are the East Midlands
Board's: they take the region of their papers' target sets, else the East Midlands (or the
one region there is).
"""

import django.db.models.deletion
from django.db import migrations, models


def fill_regions(apps, schema_editor):
    Meeting = apps.get_model("reports", "Meeting")
    Paper = apps.get_model("reports", "Paper")
    Region = apps.get_model("authorities", "Region")
    default = None
    for meeting in Meeting.objects.filter(region__isnull=True):
        region_id = (
            Paper.objects.filter(agenda_item__meeting=meeting)
            .exclude(target_set=None)  # a report without a target set says nothing of it
            .values_list("target_set__region_id", flat=True)
            .first()
        )
        if region_id is None:
            if default is None:
                default = (
                    Region.objects.filter(slug="east-midlands").first()
                    or Region.objects.order_by("pk").first()
                    or Region.objects.create(slug="east-midlands", name="East Midlands")
                )
            region_id = default.pk
        meeting.region_id = region_id
        meeting.save(update_fields=["region"])


class Migration(migrations.Migration):
    dependencies = [
        ("authorities", "0004_region_membership"),
        ("targets", "0008_target_set_region"),
        ("reports", "0008_section_body_bound"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="meeting",
            name="one_meeting_per_body_and_day",
        ),
        migrations.AddField(
            model_name="historicalmeeting",
            name="region",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="authorities.region",
            ),
        ),
        migrations.AddField(
            model_name="meeting",
            name="region",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="meetings",
                to="authorities.region",
            ),
        ),
        migrations.RunPython(fill_regions, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="meeting",
            name="region",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="meetings",
                to="authorities.region",
            ),
        ),
        migrations.AddConstraint(
            model_name="meeting",
            constraint=models.UniqueConstraint(
                fields=("region", "body", "date"), name="one_meeting_per_region_body_and_day"
            ),
        ),
    ]
